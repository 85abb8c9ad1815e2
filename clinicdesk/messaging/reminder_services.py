"""Appointment reminders: the periodic sweep that queues them (timing in :mod:`clinicdesk.messaging.reminders`).

Each (appointment, step) is queued at most once: the idempotency key is ``reminder:{appointment}:{step}``, so a
sweep run twice, or by two workers at once, queues one message. Cancelling needs no call into messaging: the
message carries its appointment, and delivery marks it ``not_sent`` once the appointment no longer holds its
time. An e-mail reminder carries the appointment's .ics, built at delivery so it is never out of date.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.services import Actor
from clinicdesk.messaging import links, reminders, templating
from clinicdesk.messaging.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    Channel,
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    OutboundMessage,
    ReminderPolicy,
    ReminderStep,
)
from clinicdesk.messaging.services import message_enqueue_batches, message_queue
from clinicdesk.scheduling.models import HOLDING, Appointment

log = logging.getLogger(__name__)

MAP_URL = "https://www.openstreetmap.org/search?query={}"
_ACTOR = Actor.system(via="reminders")
# Whole-day steps follow the wall clock, so a send time can be up to a DST shift earlier than the elapsed offset.
_LOOKAHEAD_SLACK = timedelta(hours=2)
SWEEP_CHUNK = 100  # appointments per transaction of the sweep


def reminder_key(appointment_id: int, step_id: int) -> str:
    return f"reminder:{appointment_id}:{step_id}"


@dataclass
class SweepResult:
    queued: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def reminders_sweep(*, now: datetime | None = None) -> SweepResult:
    """Queue every reminder step that is due at ``now``, for every practice with an active policy."""
    now = now or timezone.now()
    result = SweepResult()
    policies = (ReminderPolicy.objects.filter(active=True, steps__isnull=False).distinct()
                .prefetch_related("steps__template"))
    by_org: dict[int, list[ReminderPolicy]] = defaultdict(list)
    for policy in policies:
        by_org[policy.organization_id].append(policy)
    for org_id, org_policies in by_org.items():
        _sweep_practice(org_id, org_policies, now, result)
    return result


def _sweep_practice(org_id: int, policies: list[ReminderPolicy], now: datetime, result: SweepResult) -> None:
    settings = MessagingSettings.objects.filter(organization_id=org_id).first()
    quiet = reminders.QuietHours(settings.quiet_start if settings else DEFAULT_QUIET_START,
                                 settings.quiet_end if settings else DEFAULT_QUIET_END)
    default_language = settings.default_language if settings else "en"
    generic = [p for p in policies if p.appointment_type_id is None]
    by_type: dict[int, list[ReminderPolicy]] = defaultdict(list)
    for policy in policies:
        if policy.appointment_type_id is not None:
            by_type[policy.appointment_type_id].append(policy)
    horizon = max(step.offset_minutes for policy in policies for step in policy.steps.all())
    appointments = list(
        Appointment.objects.filter(organization_id=org_id, status__in=HOLDING, start__gt=now,
                                   start__lte=now + timedelta(minutes=horizon) + _LOOKAHEAD_SLACK)
        .select_related("organization", "patient", "practitioner", "location", "appointment_type"))
    if not appointments:
        return
    keys_taken = set(OutboundMessage.objects.filter(organization_id=org_id,
                                                    appointment__in=[a.pk for a in appointments])
                     .values_list("idempotency_key", flat=True))
    templates = {(t.key, t.language, t.channel): t
                 for t in MessageTemplate.objects.filter(organization_id=org_id, active=True)}
    for first in range(0, len(appointments), SWEEP_CHUNK):
        queued: list[int] = []
        with transaction.atomic():  # a commit per chunk, not per message; delivery tasks in batches after it
            for appointment in appointments[first:first + SWEEP_CHUNK]:
                steps = {step.pk: step for policy in by_type.get(appointment.appointment_type_id, generic)
                         for step in policy.steps.all()}
                if not steps:
                    continue
                tz = ZoneInfo(appointment.location.timezone or appointment.organization.timezone)
                planned = reminders.plan(start=appointment.start, booked_at=appointment.created_at, now=now, tz=tz,
                                         quiet=quiet, steps=[reminders.Step(s.pk, s.offset_minutes, s.channel)
                                                             for s in steps.values()])
                for item in planned:
                    if item.state != reminders.StepState.DUE:
                        result.skipped[item.state] += 1
                        continue
                    step = steps[item.step.id]
                    key = reminder_key(appointment.pk, step.pk)
                    if key in keys_taken:
                        continue
                    skipped = _queue_step(appointment, step, tz, templates, default_language, key, queued)
                    if skipped:
                        result.skipped[skipped] += 1
                    else:
                        result.queued += 1
            message_enqueue_batches(queued)


def _queue_step(appointment: Appointment, step: ReminderStep, tz: ZoneInfo,
                templates: dict[tuple[str, str, str], MessageTemplate], default_language: str, key: str,
                queued: list[int]) -> str:
    """Queue one step (its id added to ``queued``, for a batch delivery task); return why not ('' when queued)."""
    patient = appointment.patient
    if step.channel == Channel.EMAIL:
        consented, address = patient.consent_email, patient.email
    else:
        consented, address = patient.consent_sms, patient.phone_mobile
    if not consented:
        return "no_consent"
    if not address:
        return "no_address"
    template = (templates.get((step.template.key, patient.preferred_language, step.channel))
                or templates.get((step.template.key, default_language, step.channel)) or step.template)
    values = merge_values(appointment, tz)
    try:
        subject = templating.render(template.subject, values) if step.channel == Channel.EMAIL else ""
        body = templating.render(template.body, values)
        message = message_queue(actor=_ACTOR, organization=appointment.organization, patient=patient,
                                channel=step.channel, to=address, template=template.key, subject=subject[:255],
                                body=body, idempotency_key=key, appointment=appointment, enqueue=False)
    except (KeyError, ValueError, ValidationError) as exc:  # a template saved around the checks, a bad address
        log.warning("reminder %s not queued: %s", key, exc)
        return "invalid"
    if message.status == MessageStatus.QUEUED:
        queued.append(message.pk)
    return ""


def merge_values(appointment: Appointment, tz: ZoneInfo) -> dict[str, str]:
    """The merge fields of one appointment, times on the wall clock of its location."""
    local = appointment.start.astimezone(tz)
    location = appointment.location
    address = ", ".join(location.address_lines())
    hour = local.hour % 12 or 12
    return {
        "patient_first_name": appointment.patient.preferred_name or appointment.patient.given_name,
        "practice_name": appointment.organization.name,
        "practice_phone": appointment.organization.phone,
        "practitioner_name": appointment.practitioner.display_name,
        "appointment_type": appointment.appointment_type.name,
        "location_name": location.name,
        "location_address": address,
        "location_phone": location.phone or appointment.organization.phone,
        "map_link": MAP_URL.format(quote_plus(address)) if address else "",
        "appointment_date": f"{local:%A}, {local:%B} {local.day}, {local.year}",
        "appointment_time": f"{hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}",
        "instructions": appointment.appointment_type.patient_instructions,
        **links.link_markers(),  # filled in by message_queue once the message has its id
    }
