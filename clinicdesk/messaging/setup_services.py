"""The practice manager's writes: message templates, reminder policies and their steps, quiet hours.

Steps are kept, not replaced, when a policy is saved: a step's id is part of each reminder's idempotency key
(``reminder:{appointment}:{step}``), so an unchanged step keeps its id and already-sent reminders are not sent again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.messaging.models import (
    Channel,
    MessageTemplate,
    MessagingSettings,
    ReminderPolicy,
    ReminderStep,
)
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import AppointmentType

_UNITS = {"d": 1440, "h": 60, "m": 1}
_STEP = re.compile(r"^\s*(\d+)\s*([dhm])\w*\s+(email|e-mail|sms|text)\s+(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class StepSpec:
    offset_minutes: int
    channel: str
    template_key: str

    def line(self) -> str:
        for unit, minutes in _UNITS.items():
            if self.offset_minutes % minutes == 0:
                return f"{self.offset_minutes // minutes}{unit} {self.channel} {self.template_key}"
        return ""  # pragma: no cover (minutes always divide)


def parse_steps(text: str) -> list[StepSpec]:
    """``7d email reminder`` per line → steps; ``ValidationError`` naming the bad line."""
    steps: list[StepSpec] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = _STEP.match(raw)
        if match is None:
            raise ValidationError({"steps": f"Line {number} (\"{raw.strip()}\"): write when, channel and template, "
                                            "e.g. \"1d sms reminder\"."})
        amount, unit, channel, key = match.groups()
        channel = Channel.EMAIL if channel.lower() in ("email", "e-mail") else Channel.SMS
        offset = int(amount) * _UNITS[unit.lower()]
        if not 1 <= offset <= 60 * 24 * 60:
            raise ValidationError({"steps": f"Line {number}: between 1 minute and 60 days before the start."})
        if any(s.offset_minutes == offset and s.channel == channel for s in steps):
            raise ValidationError({"steps": f"Line {number}: the same time and channel twice."})
        steps.append(StepSpec(offset, channel, key))
    return steps


def steps_text(policy: ReminderPolicy) -> str:
    return "\n".join(StepSpec(s.offset_minutes, s.channel, s.template.key).line() for s in policy.steps.all())


def template_save(*, actor: Actor, organization: Organization, template: MessageTemplate | None,
                  fields: dict[str, Any]) -> MessageTemplate:
    template = template or MessageTemplate(organization=organization)
    if template.organization_id != organization.pk:
        raise ValidationError("This template belongs to another practice.")
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    with transaction.atomic():
        created = template.pk is None
        template.save()
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="MessageTemplate",
                     object_id=template.pk, organization_id=organization.pk,
                     detail={"key": template.key, "language": template.language, "channel": template.channel})
    return template


def _template_for(organization: Organization, key: str, channel: str, language: str) -> MessageTemplate:
    found = list(MessageTemplate.objects.filter(organization=organization, key=key, channel=channel))
    if not found:
        raise ValidationError({"steps": f"There is no {Channel(channel).label} template \"{key}\": write it first."})
    return next((t for t in found if t.language == language), found[0])


def policy_save(*, actor: Actor, organization: Organization, policy: ReminderPolicy | None, name: str,
                appointment_type: AppointmentType | None, active: bool, steps: list[StepSpec]) -> ReminderPolicy:
    if appointment_type is not None and appointment_type.organization_id != organization.pk:
        raise ValidationError({"appointment_type": "This type belongs to another practice."})
    if active and not steps:
        raise ValidationError({"steps": "An active policy needs at least one step."})
    language = getattr(MessagingSettings.objects.filter(organization=organization).first(), "default_language", "en")
    templates = {(s.template_key, s.channel): _template_for(organization, s.template_key, s.channel, language)
                 for s in steps}
    policy = policy or ReminderPolicy(organization=organization)
    if policy.organization_id != organization.pk:
        raise ValidationError("This policy belongs to another practice.")
    policy.name, policy.appointment_type, policy.active = name.strip(), appointment_type, active
    if ReminderPolicy.objects.filter(organization=organization, name=policy.name).exclude(pk=policy.pk).exists():
        raise ValidationError({"name": "Another policy has this name."})
    policy.full_clean(validate_unique=False)
    with transaction.atomic():
        created = policy.pk is None
        policy.save()
        existing = {(s.offset_minutes, s.channel): s for s in policy.steps.all()}
        wanted = {(s.offset_minutes, s.channel): s for s in steps}
        ReminderStep.objects.filter(pk__in=[s.pk for k, s in existing.items() if k not in wanted]).delete()
        for key, spec in wanted.items():
            step = existing.get(key) or ReminderStep(policy=policy, offset_minutes=spec.offset_minutes,
                                                     channel=spec.channel)
            step.template = templates[(spec.template_key, spec.channel)]
            step.full_clean(validate_unique=False)
            step.save()
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="ReminderPolicy",
                     object_id=policy.pk, organization_id=organization.pk,
                     detail={"name": policy.name, "active": active, "steps": [s.line() for s in steps]})
    return policy


def messaging_settings_save(*, actor: Actor, organization: Organization, quiet_start: time, quiet_end: time,
                            default_language: str) -> MessagingSettings:
    settings = (MessagingSettings.objects.filter(organization=organization).first()
                or MessagingSettings(organization=organization))
    settings.quiet_start, settings.quiet_end, settings.default_language = quiet_start, quiet_end, default_language
    settings.full_clean(validate_unique=False)
    with transaction.atomic():
        settings.save()
        audit_record(actor=actor, action=Action.UPDATE, object_type="MessagingSettings", object_id=settings.pk,
                     organization_id=organization.pk,
                     detail={"quiet": f"{quiet_start:%H:%M}-{quiet_end:%H:%M}", "language": default_language})
    return settings
