"""Ad-hoc messages ("the clinic is closed tomorrow"): who would get one, who would not and why, then queue them.

The audience is computed the same way for the preview and for the send, so the count shown is the count sent.
A patient gets the message by the channel asked for, or with "preferred" by text if they agreed to texts and have
a mobile number, else by e-mail. Patients who replied STOP, never agreed, have no address or are not active are
excluded, each with the reason. Every message is queued through ``message_queue`` with the key
``adhoc:{send token}:{patient}``: the token is made when the form is first shown, so a double submit (or a reload)
queues nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.messaging.models import Channel, OutboundMessage
from clinicdesk.messaging.services import message_queue
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import HOLDING, Appointment
from clinicdesk.staff.models import Practitioner

PREFERRED = "preferred"
TEMPLATE = "adhoc"
REPLIED_STOP = "Replied STOP to a text"
NO_SMS_CONSENT = "Has not agreed to texts"
NO_MOBILE = "No mobile number"
NO_EMAIL_CONSENT = "Has not agreed to e-mail"
NO_EMAIL = "No e-mail address"
NOT_ACTIVE = "Not an active patient"
NO_CHANNEL = "Has agreed to neither texts nor e-mail (or has no address for them)"


@dataclass(frozen=True)
class Recipient:
    patient: Patient
    channel: str
    to: str


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    excluded: dict[str, list[Patient]] = field(default_factory=dict)

    def exclude(self, reason: str, patient: Patient) -> None:
        self.excluded.setdefault(reason, []).append(patient)

    @property
    def exclusions(self) -> list[tuple[str, list[Patient]]]:
        return sorted(self.excluded.items())

    @property
    def excluded_count(self) -> int:
        return sum(len(patients) for patients in self.excluded.values())

    @property
    def patients(self) -> list[Patient]:
        return [r.patient for r in self.recipients] + [p for ps in self.excluded.values() for p in ps]


def patients_booked(*, organization: Organization, day: date, practitioner: Practitioner | None) -> list[Patient]:
    """Patients with an appointment that holds its time on ``day`` (the practice's calendar), by name."""
    tz = ZoneInfo(organization.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    appointments = Appointment.objects.filter(organization=organization, status__in=HOLDING, start__gte=start,
                                              start__lt=start + timedelta(days=1))
    if practitioner is not None:
        appointments = appointments.filter(practitioner=practitioner)
    return list(Patient.objects.filter(pk__in=appointments.values("patient_id")).order_by("family_name",
                                                                                          "given_name", "pk"))


def adhoc_audience(*, patients: list[Patient], channel: str) -> Audience:
    audience = Audience()
    stopped = set(AuditEvent.objects.filter(patient_id__in=[p.pk for p in patients], object_type="Patient",
                                            action=Action.UPDATE, via="sms").values_list("patient_id", flat=True))
    seen: set[int] = set()
    for patient in patients:
        if patient.pk in seen:
            continue
        seen.add(patient.pk)
        if patient.status != Status.ACTIVE:
            audience.exclude(NOT_ACTIVE, patient)
            continue
        can_sms = patient.consent_sms and bool(patient.phone_mobile)
        can_email = patient.consent_email and bool(patient.email)
        if channel == Channel.SMS or (channel == PREFERRED and can_sms):
            if can_sms:
                audience.recipients.append(Recipient(patient, Channel.SMS, patient.phone_mobile))
            elif channel == Channel.SMS:
                reason = (NO_MOBILE if not patient.phone_mobile else
                          REPLIED_STOP if patient.pk in stopped else NO_SMS_CONSENT)
                audience.exclude(reason, patient)
            continue
        if can_email:
            audience.recipients.append(Recipient(patient, Channel.EMAIL, patient.email))
        elif channel == Channel.EMAIL:
            audience.exclude(NO_EMAIL if not patient.email else NO_EMAIL_CONSENT, patient)
        else:
            audience.exclude(REPLIED_STOP if patient.pk in stopped else NO_CHANNEL, patient)
    return audience


def adhoc_key(token: str, patient: Patient) -> str:
    return f"adhoc:{token}:{patient.pk}"


def adhoc_send(*, actor: Actor, organization: Organization, audience: Audience, subject: str, body: str,
               token: str) -> tuple[int, int]:
    """Queue the message for every recipient; return (queued now, already queued by an earlier submit)."""
    if not body.strip():
        raise ValidationError({"body": "Write the message."})
    if not token or len(token) > 64:
        raise ValidationError("The form has expired; open it again.")
    keys = [adhoc_key(token, r.patient) for r in audience.recipients]
    already = set(OutboundMessage.objects.filter(organization=organization, idempotency_key__in=keys)
                  .values_list("idempotency_key", flat=True))
    queued = 0
    for recipient, key in zip(audience.recipients, keys, strict=True):
        if key in already:
            continue
        message_queue(actor=actor, organization=organization, patient=recipient.patient, channel=recipient.channel,
                      to=recipient.to, template=TEMPLATE,
                      subject=(subject.strip() or f"A message from {organization.name}")[:255]
                      if recipient.channel == Channel.EMAIL else "",
                      body=body.strip(), idempotency_key=key)
        queued += 1
    return queued, len(already)
