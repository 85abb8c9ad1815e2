"""What a patient's answer to a reminder does to the appointment (from a signed link or an SMS reply).

* ``confirm``: the appointment becomes confirmed (already confirmed: nothing changes).
* ``cancel``: cancelled by the patient; the time is freed and offered to the waitlist by the scheduling service.
* ``reschedule``: no status change. Until the front-desk inbox exists, the request is an ``AppointmentChange`` note
  "Patient asked for a new time" (visible in the appointment's history) and an audit entry, for staff to call back.
"""

from __future__ import annotations

from django.db import transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Status
from clinicdesk.scheduling.services import appointment_cancel, appointment_set_status

CONFIRM, CANCEL, RESCHEDULE = "confirm", "cancel", "reschedule"
ACTIONS = (CONFIRM, CANCEL, RESCHEDULE)
CANCEL_REASON = "Cancelled by the patient from the reminder link"
CANCEL_REASON_SMS = "Cancelled by the patient by text message"
NEW_TIME_NOTE = "Patient asked for a new time"


def patient_actor(via: str, ip: str | None = None) -> Actor:
    return Actor(user=None, ip=ip, via=via, role="patient")


def appointment_respond(*, actor: Actor, appointment: Appointment, action: str) -> Appointment:
    """Apply one answer; ``ValidationError`` when the appointment cannot take it (e.g. it has started)."""
    if action == CONFIRM:
        if appointment.status == Status.CONFIRMED:
            return appointment
        return appointment_set_status(actor=actor, appointment=appointment, status=Status.CONFIRMED,
                                      note=f"Confirmed by the patient ({actor.via})")
    if action == CANCEL:
        reason = CANCEL_REASON if actor.via == "link" else CANCEL_REASON_SMS
        return appointment_cancel(actor=actor, appointment=appointment, by="patient", reason=reason)
    if action == RESCHEDULE:
        with transaction.atomic():
            AppointmentChange.objects.create(appointment=appointment, user=None, via=actor.via,
                                             from_status=appointment.status, to_status=appointment.status,
                                             note=NEW_TIME_NOTE)
            audit_record(actor=actor, action=Action.UPDATE, object_type="Appointment",
                         object_id=appointment.pk, patient_id=appointment.patient_id,
                         organization_id=appointment.organization_id,
                         detail={"note": NEW_TIME_NOTE, "request": "new_time"})
        return appointment
    raise ValueError(f"unknown action {action!r}")
