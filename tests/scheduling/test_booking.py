"""Booking, and the guarantee that nothing is ever booked twice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Reservation
from clinicdesk.scheduling.services import SlotTaken, SlotUnavailable, appointment_book
from tests.scheduling.conftest import Clinic, book_kwargs, local

SYSTEM = Actor.system(via="test")


def test_booking_holds_the_practitioner_with_the_buffer(clinic: Clinic, patient: Any, monday: date) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    assert (appt.start, appt.end) == (local(monday, 9), local(monday, 9, 20))
    (held,) = Reservation.objects.filter(appointment=appt)
    assert (held.resource_id, held.start, held.end) == (clinic.resource.pk, local(monday, 9), local(monday, 9, 25))
    assert AppointmentChange.objects.get(appointment=appt).to_status == "booked"
    assert AuditEvent.objects.filter(object_type="Appointment", patient_id=patient.pk, action="create").exists()


def test_the_same_time_cannot_be_booked_twice_and_the_next_options_are_offered(clinic: Clinic, patient: Any,
                                                                                monday: date) -> None:
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with pytest.raises(SlotUnavailable) as taken:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9, 10)))
    assert taken.value.options
    assert taken.value.options[0].start == local(monday, 9, 25)  # after the 5-minute buffer
    assert Appointment.objects.count() == 1


def test_a_time_outside_the_practitioners_sessions_is_refused(clinic: Clinic, patient: Any, monday: date) -> None:
    with pytest.raises(SlotUnavailable, match="not available"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 13)))


def test_the_database_refuses_overlapping_reservations_even_without_the_check(clinic: Clinic, patient: Any,
                                                                                monday: date) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
        Reservation.objects.create(organization_id=clinic.org.pk, appointment=appt, resource=clinic.resource,
                                   start=local(monday, 9, 24), end=local(monday, 9, 40))
    # back-to-back is fine: intervals are half-open
    Reservation.objects.create(organization_id=clinic.org.pk, appointment=appt, resource=clinic.resource,
                               start=local(monday, 9, 25), end=local(monday, 9, 40))


def test_an_inactive_reservation_does_not_block(clinic: Clinic, patient: Any, monday: date) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    Reservation.objects.filter(appointment=appt).update(active=False)
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))


def test_a_lost_race_becomes_slot_taken_with_options(clinic: Clinic, patient: Any, monday: date,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Both coordinators passed the availability check; the database decides."""
    from clinicdesk.scheduling import services

    stale = services.choice_at
    first = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    Reservation.objects.filter(appointment=first).update(active=False)
    choice = stale(services.type_spec(clinic.follow_up), clinic.resource, clinic.location, local(monday, 9))
    Reservation.objects.filter(appointment=first).update(active=True)
    monkeypatch.setattr(services, "choice_at", lambda *args: choice)
    with pytest.raises(SlotTaken, match="just taken") as taken:
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    assert taken.value.options
    assert Appointment.objects.count() == 1


def test_an_mri_holds_scanner_technologist_and_the_prep_room_before(clinic: Clinic, patient: Any,
                                                                     monday: date) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10), "mri"))
    held = {r.resource_id: (r.start, r.end) for r in Reservation.objects.filter(appointment=appt)}
    assert held[clinic.scanner.pk] == (local(monday, 10), local(monday, 10, 45))
    assert held[clinic.prep_room.pk] == (local(monday, 9, 45), local(monday, 10))
    assert held[clinic.techs[0].pk] == (local(monday, 10), local(monday, 10, 45))


def test_the_second_technologist_is_used_when_the_first_is_busy(clinic: Clinic, patient: Any, org: Any,
                                                                 location: Any, monday: date) -> None:
    from tests.conftest import make_patient
    from tests.scheduling.conftest import add_blocks

    other = make_patient(org, family_name="Berg", given_name="Ola")
    # a second radiologist so that the scanner, not the practitioner, is the shared constraint
    from clinicdesk.scheduling.services import resource_for_practitioner
    from clinicdesk.staff.models import Practitioner

    radiologist = Practitioner.objects.create(organization=org, family_name="Sato", given_name="Yui")
    add_blocks(resource_for_practitioner(radiologist), location)
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 10), "mri"))
    with pytest.raises(SlotUnavailable):  # the scanner is taken, whoever reads it
        appointment_book(actor=SYSTEM, patient=other, appointment_type=clinic.mri, practitioner=radiologist,
                         location=location, start=local(monday, 10))
    # free the scanner and the prep room: only the first technologist stays busy
    Reservation.objects.filter(resource__in=[clinic.scanner, clinic.prep_room]).update(active=False)
    second = appointment_book(actor=SYSTEM, patient=other, appointment_type=clinic.mri, practitioner=radiologist,
                              location=location, start=local(monday, 10))
    techs = set(Reservation.objects.filter(appointment=second).values_list("resource_id", flat=True))
    assert clinic.techs[1].pk in techs and clinic.techs[0].pk not in techs


def test_booking_a_naive_time_or_across_practices_is_refused(clinic: Clinic, patient: Any, monday: date,
                                                              other_org: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="time zone"):
        appointment_book(actor=SYSTEM, **{**book_kwargs(clinic, patient, local(monday, 9)),
                                          "start": local(monday, 9).replace(tzinfo=None)})
    from tests.conftest import make_patient

    stranger = make_patient(other_org)
    with pytest.raises(ValidationError, match="one practice"):
        appointment_book(actor=SYSTEM, **book_kwargs(clinic, stranger, local(monday, 9)))


def test_options_are_in_local_time_even_when_daylight_saving_changes(clinic: Clinic, patient: Any) -> None:
    from clinicdesk.scheduling.selectors import find_available
    from clinicdesk.scheduling.slots import Preferences
    from tests.scheduling.conftest import CHICAGO

    # the Friday before and the Monday after the next change of clocks in America/Chicago
    friday = date.today() + timedelta(days=1)
    while friday.weekday() != 4 or local(friday, 12).utcoffset() == local(friday + timedelta(days=3), 12).utcoffset():
        friday += timedelta(days=1)
    offsets = set()
    for day in (friday, friday + timedelta(days=3)):
        (first,) = find_available(appointment_type=clinic.follow_up, practitioners=[clinic.resource],
                                  locations=[clinic.location], prefs=Preferences(earliest=local(day, 0)), n=1)
        assert first.start.astimezone(CHICAGO) == local(day, 9)
        offsets.add(first.start.astimezone(CHICAGO).utcoffset())
    assert len(offsets) == 2  # the same 09:00 on the wall is a different UTC instant
