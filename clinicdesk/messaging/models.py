"""The delivery log: every outbound message to a patient, what it said, and what became of it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization


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
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to_address} ({self.status})"
