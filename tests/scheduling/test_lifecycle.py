"""An appointment's life: confirm, arrive, room, complete; no-show; cancel; reschedule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import AppointmentChange, Reservation, Status
from clinicdesk.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from tests.conftest import actor_for
from tests.scheduling.conftest import Clinic, book_kwargs, local


@pytest.fixture
def booked(clinic: Clinic, patient: Any, monday: date) -> Any:
    return appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 9)))


def test_a_visit_goes_from_booked_to_completed_with_every_step_kept(booked: Any, frontdesk: Any) -> None:
    actor = actor_for(frontdesk)
    for status in (Status.CONFIRMED, Status.ARRIVED, Status.IN_ROOM, Status.COMPLETED):
        booked = appointment_set_status(actor=actor, appointment=booked, status=status)
    steps = list(AppointmentChange.objects.filter(appointment=booked).values_list("from_status", "to_status"))
    assert steps == [("", "booked"), ("booked", "confirmed"), ("confirmed", "arrived"), ("arrived", "in_room"),
                     ("in_room", "completed")]
    assert AppointmentChange.objects.filter(appointment=booked, user=frontdesk).count() == 4
    assert Reservation.objects.get(appointment=booked).active is False  # a finished visit holds no time


def test_impossible_steps_are_refused_in_words(booked: Any, frontdesk: Any) -> None:
    with pytest.raises(ValidationError, match="A booked appointment cannot become completed"):
        appointment_set_status(actor=actor_for(frontdesk), appointment=booked, status=Status.COMPLETED)


def test_cancelling_needs_a_reason_and_frees_the_time(booked: Any, clinic: Clinic, patient: Any, monday: date,
                                                      frontdesk: Any) -> None:
    actor = actor_for(frontdesk)
    with pytest.raises(ValidationError, match="Say why"):
        appointment_cancel(actor=actor, appointment=booked, reason=" ", by="patient")
    cancelled = appointment_cancel(actor=actor, appointment=booked, reason="Feeling better", by="patient")
    assert (cancelled.status, cancelled.cancel_reason, cancelled.cancelled_by) == ("cancelled", "Feeling better",
                                                                                  "patient")
    again = appointment_book(actor=actor, **book_kwargs(clinic, patient, local(monday, 9)))
    assert again.start == booked.start


def test_a_no_show_who_turns_up_late_can_still_arrive(booked: Any, frontdesk: Any) -> None:
    actor = actor_for(frontdesk)
    booked = appointment_set_status(actor=actor, appointment=booked, status=Status.NO_SHOW)
    assert appointment_set_status(actor=actor, appointment=booked, status=Status.ARRIVED).status == "arrived"


def test_rescheduling_links_the_new_appointment_and_releases_the_old_time(booked: Any, clinic: Clinic,
                                                                           monday: date, frontdesk: Any) -> None:
    moved = appointment_reschedule(actor=actor_for(frontdesk), appointment=booked, start=local(monday, 9, 10),
                                   reason="Patient asked for later")
    booked.refresh_from_db()
    assert booked.status == "rescheduled"
    assert moved.rescheduled_from == booked
    assert moved.start == local(monday, 9, 10)  # overlaps the old time, which was released first
    assert list(Reservation.objects.filter(active=True).values_list("appointment_id", flat=True)) == [moved.pk]


def test_a_failed_reschedule_leaves_the_original_untouched(booked: Any, monday: date, frontdesk: Any) -> None:
    from clinicdesk.scheduling.services import SlotUnavailable

    with pytest.raises(SlotUnavailable):
        appointment_reschedule(actor=actor_for(frontdesk), appointment=booked, start=local(monday, 15))
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert Reservation.objects.get(appointment=booked).active is True
