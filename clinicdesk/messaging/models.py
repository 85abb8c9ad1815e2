"""The delivery log: every outbound message to a patient, what it said, and what became of it."""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from clinicdesk.messaging.templating import render_check
from clinicdesk.patients.models import LANGUAGES, Patient
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import Appointment, AppointmentType


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class MessageStatus(models.TextChoices):
    """``queued`` → ``sending`` (claimed by one worker) → ``sent``, and later ``delivered`` or ``bounced`` when the
    provider reports back. ``failed`` is final (permanent refusal, or out of attempts); ``not_sent`` means we did not
    try (no server configured, no consent) and ``status_reason`` says why. Only a server's acceptance makes ``sent``."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    NOT_SENT = "not_sent", "Not sent"


class OutboundMessage(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="outbound_messages")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to_address = models.CharField(max_length=254)
    template = models.CharField(max_length=80, help_text="Which template rendered this message, e.g. reminder.48h")
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(help_text="The rendered content, exactly as sent")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    status_reason = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took it for sending")
    idempotency_key = models.CharField(max_length=200)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    help_text="For a reminder: not sent once the appointment no longer holds its "
                                              "time; e-mails carry its .ics, built at delivery")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "idempotency_key"], name="outbound_message_key_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_message_due"),
            models.Index(fields=["organization", "status", "created_at"], name="outbound_message_outbox"),
            models.Index(fields=["provider_message_id"], name="outbound_message_provider_id"),  # delivery reports
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to_address} ({self.status})"


DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)


class MessagingSettings(models.Model):
    """Per practice. Quiet hours are the wall clock of the appointment's location (the patient is almost always
    in the same zone; patients carry no time zone of their own). A practice without a row gets the defaults."""

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="messaging_settings")
    quiet_start = models.TimeField(default=DEFAULT_QUIET_START, help_text="No reminders from this local time ...")
    quiet_end = models.TimeField(default=DEFAULT_QUIET_END, help_text="... until this one. Equal: no quiet hours.")
    default_language = models.CharField(max_length=10, choices=LANGUAGES, default="en",
                                        help_text="Used when a template is not written in the patient's language")

    class Meta:
        verbose_name_plural = "messaging settings"

    def __str__(self) -> str:
        return f"Messaging settings of {self.organization}"


class MessageTemplate(models.Model):
    """One wording of one message in one language and channel, e.g. (``reminder.1d``, ``es``, ``email``)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=60, help_text="e.g. reminder.1d; the same key in several languages")
    language = models.CharField(max_length=10, choices=LANGUAGES, default="en")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    subject = models.CharField(max_length=255, blank=True, help_text="E-mail only")
    body = models.TextField(help_text="Plain text with merge fields, e.g. {patient_first_name}")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["key", "language", "channel"]
        constraints = [models.UniqueConstraint(fields=["organization", "key", "language", "channel"],
                                               name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.language}, {self.channel})"

    def save(self, *args: object, **kwargs: object) -> None:
        render_check(subject=self.subject, body=self.body)  # also for code that skips full_clean
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        if self.channel == Channel.EMAIL and not self.subject.strip():
            raise ValidationError({"subject": "An e-mail needs a subject."})
        render_check(subject=self.subject, body=self.body)


class ReminderPolicy(models.Model):
    """When and how patients are reminded. A policy for one appointment type replaces the practice's all-types
    policies for that type."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", help_text="Leave blank for every type.")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "reminder policies"
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="reminder_policy_name_unique")]

    def __str__(self) -> str:
        return self.name


class ReminderStep(models.Model):
    policy = models.ForeignKey(ReminderPolicy, on_delete=models.CASCADE, related_name="steps")
    offset_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 60)],
        help_text="Before the start: 10080 = 7 days, 1440 = 1 day, 120 = 2 hours. Whole days keep the wall clock.")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+",
                                 help_text="The wording; the same key in the patient's language is used if there")

    class Meta:
        ordering = ["-offset_minutes", "channel"]
        constraints = [models.UniqueConstraint(fields=["policy", "offset_minutes", "channel"],
                                               name="reminder_step_unique")]

    def __str__(self) -> str:
        return f"{self.policy}: {self.offset_minutes} min before, {self.channel}"

    def clean(self) -> None:
        if self.template_id and self.channel and self.template.channel != self.channel:
            raise ValidationError({"template": "The template is for another channel."})
        if self.template_id and self.policy_id and self.template.organization_id != self.policy.organization_id:
            raise ValidationError({"template": "The template belongs to another practice."})


class LinkUse(models.Model):
    """A reminder's signed link that has been answered. One answer per message: the first confirm, cancel or
    "new time" uses up every link of that reminder, so a replayed (or forwarded) link is refused."""

    message = models.OneToOneField(OutboundMessage, on_delete=models.CASCADE, related_name="link_use")
    action = models.CharField(max_length=12)
    used_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} on message {self.message_id} at {self.used_at:%Y-%m-%d %H:%M}"
