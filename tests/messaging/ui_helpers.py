"""Builders for the messaging screen tests: an appointment, and a reminder about it in any state."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from clinicdesk.audit.services import Actor
from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.messaging.services import message_queue
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.services import appointment_book
from tests.scheduling.conftest import Clinic, book_kwargs, local

ACTOR = Actor.system(via="test")


def book(clinic: Clinic, patient: Patient, day: date, hour: int = 10, minute: int = 0) -> Appointment:
    return appointment_book(actor=ACTOR, **book_kwargs(clinic, patient, local(day, hour, minute)))


def reminder(appointment: Appointment, *, status: str = "queued", reason: str = "", error: str = "",
             step: int = 1, channel: str = "email", provider_id: str = "", **fields: Any) -> OutboundMessage:
    patient = appointment.patient
    message = message_queue(actor=ACTOR, organization=appointment.organization, patient=patient, channel=channel,
                            to=patient.email if channel == "email" else patient.phone_mobile,
                            template="reminder", subject="Your appointment" if channel == "email" else "",
                            body="See you soon.", idempotency_key=f"reminder:{appointment.pk}:{step}",
                            appointment=appointment)
    OutboundMessage.objects.filter(pk=message.pk).update(status=status, status_reason=reason, last_error=error,
                                                         provider_message_id=provider_id, updated_at=timezone.now(),
                                                         **fields)
    message.refresh_from_db()
    return message
