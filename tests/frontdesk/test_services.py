"""Visit services: check-in, the moves on the board, check-out; the appointment moves only through scheduling."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.frontdesk.models import Stage, Visit
from clinicdesk.frontdesk.services import visit_check_in, visit_check_out, visit_set_follow_up, visit_step
from clinicdesk.practice.models import Location, Room
from clinicdesk.scheduling.models import AppointmentChange, Status
from tests.conftest import actor_for
from tests.frontdesk.conftest import appointment_today

pytestmark = pytest.mark.django_db


def test_check_in_keeps_the_checklist_and_copay_and_marks_arrived(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    visit = visit_check_in(actor=actor_for(frontdesk), appointment=appt,
                           checklist={"identity_confirmed": True, "consent_to_treat": True},
                           payment={"copay_due": Decimal("25.00"), "copay_collected": Decimal("25.00"),
                                    "payment_method": "card"})
    appt.refresh_from_db()
    assert appt.status == Status.ARRIVED
    assert (visit.stage, visit.identity_confirmed, visit.consent_to_treat, visit.privacy_notice) == (
        Stage.WAITING, True, True, False)
    assert (visit.copay_due, visit.copay_collected, visit.copay_open) == (Decimal("25.00"), Decimal("25.00"), 0)
    assert visit.arrived_at is not None
    change = AppointmentChange.objects.filter(appointment=appt).latest("pk")
    assert (change.from_status, change.to_status, change.user_id) == (Status.BOOKED, Status.ARRIVED, frontdesk.pk)
    event = AuditEvent.objects.filter(object_type="frontdesk.Visit", object_id=str(visit.pk)).get()
    assert (event.action, event.patient_id, event.user_id) == ("create", patient.pk, frontdesk.pk)


def test_check_in_can_save_without_arriving_and_arrive_later(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient, status=Status.CONFIRMED)
    actor = actor_for(frontdesk)
    visit = visit_check_in(actor=actor, appointment=appt, checklist={"coverage_reviewed": True}, arrive=False)
    appt.refresh_from_db()
    assert appt.status == Status.CONFIRMED and visit.arrived_at is None and visit.coverage_reviewed
    earlier = timezone.now() - timedelta(minutes=12)
    visit = visit_check_in(actor=actor, appointment=appt, arrived_at=earlier)
    assert visit.arrived_at == earlier and visit.version == 2 and visit.coverage_reviewed


def test_collected_copay_needs_a_payment_method(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    with pytest.raises(ValidationError, match="how the copay was paid"):
        visit_check_in(actor=actor_for(frontdesk), appointment=appt,
                       payment={"copay_due": Decimal("30"), "copay_collected": Decimal("30")})
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and not Visit.objects.exists()


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.COMPLETED, Status.RESCHEDULED])
def test_a_closed_appointment_cannot_be_checked_in(clinic: Any, patient: Any, frontdesk: Any, status: str) -> None:
    appt = appointment_today(clinic, patient, status=status)
    with pytest.raises(ValidationError, match="cannot be checked in"):
        visit_check_in(actor=actor_for(frontdesk), appointment=appt)


def test_a_late_no_show_can_still_be_checked_in(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    actor = actor_for(frontdesk)
    visit_step(actor=actor, appointment=appt, step="no_show")
    appt.refresh_from_db()
    assert appt.status == Status.NO_SHOW and not Visit.objects.exists()
    visit_check_in(actor=actor, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == Status.ARRIVED


def test_the_whole_way_through_the_practice(clinic: Any, patient: Any, frontdesk: Any, rooms: list[Room]) -> None:
    appt = appointment_today(clinic, patient)
    actor = actor_for(frontdesk)
    visit_check_in(actor=actor, appointment=appt, payment={"copay_due": Decimal("40"),
                                                           "copay_collected": Decimal("10"), "payment_method": "cash"})
    visit = visit_step(actor=actor, appointment=appt, step="room", room=rooms[0])
    appt.refresh_from_db()
    assert (appt.status, visit.stage, visit.room) == (Status.IN_ROOM, Stage.ROOMED, rooms[0])
    visit = visit_step(actor=actor, appointment=appt, step="room", room=rooms[1])  # moved to another room
    assert visit.room == rooms[1] and visit.stage == Stage.ROOMED
    visit = visit_step(actor=actor, appointment=appt, step="with_practitioner")
    assert visit.stage == Stage.WITH_PRACTITIONER and visit.with_practitioner_at
    visit = visit_step(actor=actor, appointment=appt, step="ready")
    assert visit.stage == Stage.READY and visit.ready_at
    visit = visit_check_out(actor=actor, appointment=appt, collected_now=Decimal("30"), payment_method="card",
                            follow_up_weeks=2, follow_up_note="Recheck the knee")
    appt.refresh_from_db()
    assert appt.status == Status.COMPLETED
    assert (visit.stage, visit.copay_collected, visit.copay_open) == (Stage.DONE, Decimal("40.00"), 0)
    assert (visit.follow_up_weeks, visit.follow_up_note) == (2, "Recheck the knee")
    steps = list(AppointmentChange.objects.filter(appointment=appt).values_list("to_status", flat=True))
    assert steps == [Status.ARRIVED, Status.IN_ROOM, Status.COMPLETED]
    assert AuditEvent.objects.filter(object_type="frontdesk.Visit", object_id=str(visit.pk)).count() == 6
    visit = visit_set_follow_up(actor=actor, visit=visit, weeks=4)
    assert visit.follow_up_weeks == 4


def test_rooming_needs_a_checked_in_patient_and_a_room_here(clinic: Any, patient: Any, frontdesk: Any,
                                                              rooms: list[Room]) -> None:
    appt = appointment_today(clinic, patient)
    actor = actor_for(frontdesk)
    with pytest.raises(ValidationError, match="Check the patient in"):
        visit_step(actor=actor, appointment=appt, step="room", room=rooms[0])
    visit_check_in(actor=actor, appointment=appt)
    elsewhere = Location.objects.create(organization=clinic.org, name="North Clinic")
    far_room = Room.objects.create(organization=clinic.org, location=elsewhere, name="Exam 9")
    with pytest.raises(ValidationError, match="open room at this location"):
        visit_step(actor=actor, appointment=appt, step="room", room=far_room)
    with pytest.raises(ValidationError, match="Choose a room"):
        visit_step(actor=actor, appointment=appt, step="room")
    with pytest.raises(ValidationError, match="Room the patient first"):
        visit_step(actor=actor, appointment=appt, step="ready")
    with pytest.raises(ValidationError, match="cannot become a no-show"):
        visit_step(actor=actor, appointment=appt, step="no_show")
    with pytest.raises(ValidationError, match="Unknown step"):
        visit_step(actor=actor, appointment=appt, step="teleport")


def test_check_out_straight_from_the_waiting_room(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    actor = actor_for(frontdesk)
    visit_check_in(actor=actor, appointment=appt)
    with pytest.raises(ValidationError, match="how the copay was paid"):
        visit_check_out(actor=actor, appointment=appt, collected_now=Decimal("5"))
    visit = visit_check_out(actor=actor, appointment=appt)
    assert visit.stage == Stage.DONE
    with pytest.raises(ValidationError, match="cannot be checked out"):
        visit_check_out(actor=actor, appointment=appt)


def test_another_practice_cannot_touch_the_visit(clinic: Any, patient: Any, outsider: Any) -> None:
    appt = appointment_today(clinic, patient)
    with pytest.raises(ValidationError, match="another practice"):
        visit_check_in(actor=actor_for(outsider), appointment=appt)
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED
