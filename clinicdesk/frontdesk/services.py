"""Every front desk write about a visit: check in, room, with the practitioner, ready, check out, no-show.

The appointment's status moves only through ``scheduling.services.appointment_set_status`` (which records the
change and audits it); the visit row keeps what the schedule does not: the check-in checklist, the copay, the
room and the time of each step. Both are written in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.frontdesk.models import Stage, Visit
from clinicdesk.practice.models import Room
from clinicdesk.scheduling.models import Appointment, Status
from clinicdesk.scheduling.services import appointment_set_status

CHECKLIST = ("identity_confirmed", "demographics_confirmed", "coverage_reviewed", "consent_to_treat",
             "privacy_notice")
PAYMENT = ("copay_due", "copay_collected", "payment_method", "payment_reference")
CAN_ARRIVE = frozenset({Status.BOOKED, Status.CONFIRMED, Status.NO_SHOW, Status.ARRIVED})
STEPS = ("room", "with_practitioner", "ready", "no_show")


def _locked_visit(actor: Actor, appointment: Appointment) -> tuple[Visit, bool]:
    """The appointment's visit, locked; created (not yet saved) on first use."""
    if actor.organization_id is not None and appointment.organization_id != actor.organization_id:
        raise ValidationError("This appointment belongs to another practice.")
    visit = Visit.objects.select_for_update().filter(appointment_id=appointment.pk).first()
    if visit is not None:
        return visit, False
    return Visit(organization_id=appointment.organization_id, appointment=appointment,
                 patient_id=appointment.patient_id), True


def _save(actor: Actor, visit: Visit, created: bool, detail: dict[str, Any]) -> Visit:
    visit.updated_at = timezone.now()
    if not created:
        visit.version += 1
    visit.full_clean()
    visit.save()
    audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="frontdesk.Visit",
                 object_id=visit.pk, patient_id=visit.patient_id, organization_id=visit.organization_id,
                 detail=detail)
    return visit


def _status(actor: Actor, appointment: Appointment, status: str, note: str = "") -> Appointment:
    return appointment_set_status(actor=actor, appointment=appointment, status=status, note=note)


def visit_check_in(*, actor: Actor, appointment: Appointment, checklist: dict[str, bool] | None = None,
                   payment: dict[str, Any] | None = None, arrive: bool = True,
                   arrived_at: datetime | None = None) -> Visit:
    """Save the check-in checklist and copay; with ``arrive`` also mark the patient arrived (waiting)."""
    checklist, payment = checklist or {}, payment or {}
    unknown = (set(checklist) - set(CHECKLIST)) | (set(payment) - set(PAYMENT))
    if unknown:
        raise ValidationError(f"Unknown check-in fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status not in CAN_ARRIVE and not (current.status == Status.IN_ROOM and not arrive):
            raise ValidationError(f"A {current.get_status_display().lower()} appointment cannot be checked in.")
        visit, created = _locked_visit(actor, current)
        changed: dict[str, Any] = {}
        for name, value in {**checklist, **payment}.items():
            if getattr(visit, name) != value:
                setattr(visit, name, value)
                changed[name] = str(value)
        if visit.copay_collected and visit.copay_collected > 0 and not visit.payment_method:
            raise ValidationError({"payment_method": "Say how the copay was paid."})
        if arrive and current.status != Status.ARRIVED:
            visit.arrived_at = arrived_at or timezone.now()
            visit.stage = Stage.WAITING
            changed["arrived"] = True
        _save(actor, visit, created, {"checkin": changed})
        if arrive and current.status != Status.ARRIVED:
            _status(actor, current, Status.ARRIVED, "checked in at the front desk")
    return visit


def visit_step(*, actor: Actor, appointment: Appointment, step: str, room: Room | None = None) -> Visit:
    """One move on the board: to a room, with the practitioner, ready for check-out, or no-show."""
    if step not in STEPS:
        raise ValidationError({"step": f"Unknown step {step!r}."})
    now = timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        visit, created = _locked_visit(actor, current)
        if step == "no_show":
            if current.status not in (Status.BOOKED, Status.CONFIRMED):
                raise ValidationError(f"A {current.get_status_display().lower()} appointment cannot become a no-show.")
            _status(actor, current, Status.NO_SHOW, "marked at the front desk")
            if created:  # nothing to keep for a patient who never came
                return visit
            visit.stage = Stage.WAITING
            return _save(actor, visit, created, {"step": step})
        if step == "room":
            if room is None:
                raise ValidationError({"room": "Choose a room."})
            if room.location_id != current.location_id or not room.active:
                raise ValidationError({"room": "Choose an open room at this location."})
            if current.status not in (Status.ARRIVED, Status.IN_ROOM):
                raise ValidationError("Check the patient in before rooming them.")
            if current.status == Status.ARRIVED:
                _status(actor, current, Status.IN_ROOM, f"to {room.name}")
            visit.room, visit.roomed_at = room, visit.roomed_at or now
            if visit.stage in (Stage.WAITING, Stage.DONE):
                visit.stage = Stage.ROOMED
            return _save(actor, visit, created, {"step": step, "room": room.name})
        if current.status != Status.IN_ROOM:
            raise ValidationError("Room the patient first.")
        if step == "with_practitioner":
            visit.stage, visit.with_practitioner_at = Stage.WITH_PRACTITIONER, now
        else:
            visit.stage, visit.ready_at = Stage.READY, now
        return _save(actor, visit, created, {"step": step})


def visit_check_out(*, actor: Actor, appointment: Appointment, collected_now: Decimal = Decimal("0.00"),
                    payment_method: str = "", payment_reference: str = "", follow_up_weeks: int | None = None,
                    follow_up_note: str = "") -> Visit:
    """The visit is over: record what was paid now and the follow-up asked for; the appointment completes."""
    if collected_now < 0:
        raise ValidationError({"collected_now": "The amount cannot be negative."})
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if current.status not in (Status.ARRIVED, Status.IN_ROOM):
            raise ValidationError(f"A {current.get_status_display().lower()} appointment cannot be checked out.")
        visit, created = _locked_visit(actor, current)
        if collected_now > 0:
            if not payment_method:
                raise ValidationError({"payment_method": "Say how the copay was paid."})
            visit.copay_collected += collected_now
            visit.payment_method = payment_method
            visit.payment_reference = payment_reference or visit.payment_reference
        visit.follow_up_weeks, visit.follow_up_note = follow_up_weeks, follow_up_note.strip()[:200]
        visit.stage, visit.checked_out_at = Stage.DONE, timezone.now()
        visit.arrived_at = visit.arrived_at or visit.checked_out_at
        _save(actor, visit, created, {"step": "check_out", "collected_now": str(collected_now),
                                      "follow_up_weeks": follow_up_weeks})
        _status(actor, current, Status.COMPLETED, "checked out at the front desk")
    return visit


def visit_set_follow_up(*, actor: Actor, visit: Visit, weeks: int | None, note: str = "") -> Visit:
    """Record the interval the practitioner asked for (before or after check-out)."""
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        locked.follow_up_weeks, locked.follow_up_note = weeks, note.strip()[:200]
        return _save(actor, locked, False, {"follow_up_weeks": weeks})
