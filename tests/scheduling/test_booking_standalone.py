"""A booking outside any larger transaction, on PostgreSQL, opens and closes its own within its two queries
(``pgbooking.book_standalone``): written whole or not at all, and the connection left idle either way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from clinicdesk.audit.models import AuditEvent, ChainHead
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import Actor
from clinicdesk.lib import pgstandalone
from clinicdesk.scheduling import pgbooking
from clinicdesk.scheduling.models import (
    Appointment,
    AppointmentChange,
    AvailabilityException,
    ConfigStamp,
    ExceptionKind,
    Reservation,
)
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book
from tests.scheduling.conftest import Clinic, book_kwargs, local

pytestmark = pytest.mark.django_db(transaction=True)
SYSTEM = Actor.system(via="test")
POSTGRES = "postgresql"


@pytest.fixture(autouse=True)
def _stamp_row(transactional_db: Any) -> None:
    """The configuration cache's stamp row (a transactional test before may have flushed the migration's)."""
    ConfigStamp.objects.get_or_create(pk=1)


def _idle() -> bool:
    """No transaction left open on the connection (PostgreSQL's own view of it)."""
    if connection.vendor != POSTGRES:
        return not connection.in_atomic_block
    from psycopg.pq import TransactionStatus

    connection.ensure_connection()
    return connection.connection.info.transaction_status == TransactionStatus.IDLE


def _counts() -> tuple[int, int, int, int]:
    return (Appointment.objects.count(), Reservation.objects.count(), AppointmentChange.objects.count(),
            AuditEvent.objects.filter(object_type="Appointment").count())


def test_a_top_level_booking_is_two_queries_with_begin_and_commit(clinic: Clinic, patient: Any,
                                                                  monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))  # cache, audit strand
    assert pgstandalone.standalone() is (connection.vendor == POSTGRES)
    with CaptureQueriesContext(connection) as captured:
        appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    if connection.vendor == POSTGRES:
        sent = [q["sql"] for q in captured.captured_queries]
        assert len(sent) == 2, sent
        assert sent[0].startswith("BEGIN; ") and "pg_advisory_xact_lock" in sent[0] and "SKIP LOCKED" in sent[0]
        assert "audit_auditevent" in sent[1] and sent[1].endswith("; COMMIT")
    assert _idle()
    assert _counts() == (2, 2, 2, 2)
    event = AuditEvent.objects.get(object_type="Appointment", object_id=str(appt.pk))
    assert (event.action, event.patient_id, event.via, event.detail["status"]) == (
        "create", patient.pk, "test", {"from": "", "to": "booked"})
    assert Reservation.objects.get(appointment=appt).start == local(monday, 10)
    assert all(not breaks for breaks in audit_verify_all().values())


def test_without_a_free_audit_strand_the_booking_goes_the_usual_way(clinic: Clinic, patient: Any, monday: date,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No strand row comes back from the first query (none exists yet, or all are held): that transaction is
    rolled back and the booking is written with Django's atomic, which opens a strand."""
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    monkeypatch.setattr(pgbooking, "strand_lock_sql", lambda org_id: (
        "SELECT chain, seq, hash FROM audit_chainhead WHERE false", []) if connection.vendor == POSTGRES else None)
    with CaptureQueriesContext(connection) as captured:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    if connection.vendor == POSTGRES:
        assert "ROLLBACK" in [q["sql"] for q in captured.captured_queries]
    assert _idle() and _counts() == (2, 2, 2, 2)
    assert ChainHead.objects.filter(chain=f"org:{clinic.org.pk}").exists()
    assert all(not breaks for breaks in audit_verify_all().values())


def test_a_refused_overlap_leaves_nothing_and_the_connection_idle(clinic: Clinic, patient: Any,
                                                                  monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with pytest.raises(SlotUnavailable) as refused:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9, 10)))
    assert refused.value.options  # the next options were read after the rollback, on the same connection
    assert _idle() and _counts() == (1, 1, 1, 1)
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 11)))
    assert _counts() == (2, 2, 2, 2)


@pytest.mark.parametrize("failure", [DatabaseError, KeyboardInterrupt])
def test_a_failure_after_the_writes_rolls_them_back(clinic: Clinic, patient: Any, monday: date,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    failure: type[BaseException]) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))

    def broken(**kwargs: Any) -> tuple[str, list[Any]]:
        if failure is KeyboardInterrupt:
            raise KeyboardInterrupt
        return "SELECT 1 / 0", []  # fails on the server, between the writes and the COMMIT

    monkeypatch.setattr(pgbooking, "audit_query", broken)
    if connection.vendor == POSTGRES:
        with pytest.raises(failure):
            appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    else:  # SQLite never takes this path: the booking goes in with Django's atomic
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    assert _idle()
    monkeypatch.undo()
    expected = 1 if connection.vendor == POSTGRES else 2
    assert _counts() == (expected,) * 4
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 11)))
    assert _counts() == (expected + 1,) * 4
    assert all(not breaks for breaks in audit_verify_all().values())


def test_a_configuration_changed_under_the_cache_rolls_back_and_is_checked_again(clinic: Clinic, patient: Any,
                                                                                 monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=local(monday, 10), end=local(monday, 12))
    with CaptureQueriesContext(connection) as captured, pytest.raises(SlotUnavailable, match="not available"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
    if connection.vendor == POSTGRES:
        assert "ROLLBACK" in [q["sql"] for q in captured.captured_queries]
    assert _idle() and _counts() == (1, 1, 1, 1)


def test_inside_a_callers_transaction_the_booking_joins_it(clinic: Clinic, patient: Any, monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with pytest.raises(RuntimeError), transaction.atomic():
        assert not pgstandalone.standalone()
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10)))
        raise RuntimeError("the caller gives up")
    assert _idle() and _counts() == (1, 1, 1, 1)
