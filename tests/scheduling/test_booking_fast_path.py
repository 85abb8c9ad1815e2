"""The booking's fast path: no reservation read for practitioner-only types, one statement for the writes on
PostgreSQL, the process's configuration used without a stamp read and confirmed in the booking's own query."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.calendars import BUSY_SQL
from clinicdesk.scheduling.models import (
    Appointment,
    AppointmentChange,
    AvailabilityBlock,
    AvailabilityException,
    ExceptionKind,
    Reservation,
)
from clinicdesk.scheduling.services import SlotTaken, SlotUnavailable, appointment_book
from tests.scheduling.conftest import Clinic, add_blocks, book_kwargs, local

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(via="test")
_BUSY = BUSY_SQL.split("FROM")[0]


def _busy_reads(captured: CaptureQueriesContext) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].startswith(_BUSY))


def test_a_practitioner_only_type_is_booked_without_reading_reservations(clinic: Clinic, patient: Any,
                                                                          monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))  # fills the process cache
    with CaptureQueriesContext(connection) as captured:
        appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    assert _busy_reads(captured) == 0
    (held,) = Reservation.objects.filter(appointment=appt)
    assert (held.resource_id, held.start, held.end, held.active) == (clinic.resource.pk, local(monday, 10),
                                                                     local(monday, 10, 25), True)
    change = AppointmentChange.objects.get(appointment=appt)
    assert (change.from_status, change.to_status, change.via, change.note) == ("", "booked", "test", "")
    event = AuditEvent.objects.get(object_type="Appointment", object_id=str(appt.pk))
    assert (event.action, event.patient_id, event.via) == ("create", patient.pk, "test")
    assert all(not breaks for breaks in audit_verify_all().values())
    if connection.vendor == "postgresql":  # the writes and the strand lock in one query, the audit in one more
        writes = [q["sql"] for q in captured.captured_queries if "INSERT" in q["sql"]]
        assert len(writes) == 2 and "pg_advisory_xact_lock" in writes[0] and "SKIP LOCKED" in writes[0]


def test_a_type_with_resources_still_reads_their_reservations_first(clinic: Clinic, patient: Any,
                                                                    monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))  # fills the process cache
    with CaptureQueriesContext(connection) as captured:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10), "mri"))
    assert _busy_reads(captured) == 1


def test_a_busy_time_is_refused_by_the_database_as_not_available_and_nothing_is_written(clinic: Clinic, patient: Any,
                                                                       monday: date) -> None:
    first = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    events = AuditEvent.objects.count()
    with pytest.raises(SlotUnavailable, match="not available") as taken:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9, 20)))  # in the buffer
    assert not isinstance(taken.value, SlotTaken)  # held before this booking began: as the check would say
    assert taken.value.options[0].start == local(monday, 9, 25)
    assert list(Appointment.objects.values_list("pk", flat=True)) == [first.pk]
    assert Reservation.objects.count() == 1 and AppointmentChange.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_time_outside_the_sessions_is_still_refused_before_writing(clinic: Clinic, patient: Any,
                                                                     monday: date) -> None:
    with pytest.raises(SlotUnavailable, match="not available") as refused:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 13)))
    assert not isinstance(refused.value, SlotTaken)
    assert not Appointment.objects.exists()


def test_time_off_added_after_the_cache_was_filled_is_respected(clinic: Clinic, patient: Any, monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=local(monday, 10), end=local(monday, 12))
    with pytest.raises(SlotUnavailable, match="not available"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    assert Appointment.objects.count() == 1


def test_a_session_added_after_the_cache_was_filled_can_be_booked(clinic: Clinic, patient: Any,
                                                                  monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    add_blocks(clinic.resource, clinic.location, time(14), time(16), range(monday.weekday(), monday.weekday() + 1))
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 14)))
    assert appt.start == local(monday, 14)


def test_a_session_removed_after_the_cache_was_filled_cannot_be_booked(clinic: Clinic, patient: Any,
                                                                       monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    AvailabilityBlock.objects.filter(resource=clinic.resource, weekday=monday.weekday()).delete()
    with pytest.raises(SlotUnavailable, match="not available"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    assert Appointment.objects.count() == 1 and Reservation.objects.count() == 1


def test_a_deadlock_in_the_overlap_check_is_a_lost_race(clinic: Clinic, patient: Any, monday: date,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two bookers that both inserted before either committed wait for each other in PostgreSQL's exclusion
    check; the one PostgreSQL picks to fail gets SlotTaken, not an error page (the per-resource lock makes
    this rare; this is the net below it)."""
    from django.db import OperationalError

    from clinicdesk.lib import rows
    from clinicdesk.scheduling import pgbooking

    def deadlock(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("deadlock detected\nCONTEXT:  while checking exclusion constraint on tuple (0,2) "
                               'in relation "scheduling_reservation"')

    monkeypatch.setattr(pgbooking, "insert_at_once", deadlock)
    monkeypatch.setattr(rows, "insert", deadlock)
    with pytest.raises(SlotTaken, match="just taken"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    assert not Appointment.objects.exists()


def test_other_database_errors_are_not_taken_for_a_lost_race(clinic: Clinic, patient: Any, monday: date,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from clinicdesk.lib import rows
    from clinicdesk.scheduling import pgbooking

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pgbooking, "insert_at_once", broken)
    monkeypatch.setattr(rows, "insert", broken)
    with pytest.raises(OperationalError):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
