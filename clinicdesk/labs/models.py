"""Inbound messages: every message a sender gave us, byte for byte, with the ACK we answered."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received"  # accepted (AA), stored; not yet filed into a chart
    PROCESSED = "processed", "Processed"  # filed (a later step)
    REJECTED = "rejected", "Rejected"  # answered AE/AR; kept for the record


class InboundMessage(models.Model):
    """One received message. (organization, sending application, facility, MSH-10) is unique when MSH-10 is
    known, so a resent message is stored once and answered with the ACK stored here (``ack``)."""

    organization = models.ForeignKey("practice.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="inbound_messages")
    protocol = models.CharField(max_length=10, default="hl7v2")
    sending_application = models.CharField(max_length=255, blank=True)
    sending_facility = models.CharField(max_length=255, blank=True)
    control_id = models.CharField(max_length=255, blank=True)
    message_type = models.CharField(max_length=20, blank=True, help_text="e.g. ORU^R01")
    version = models.CharField(max_length=10, blank=True)
    raw = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    peer = models.CharField(max_length=100, blank=True, help_text="address:port of the sender")
    ack_code = models.CharField(max_length=2)
    ack_text = models.TextField(blank=True)
    ack = models.BinaryField(help_text="the ACK exactly as sent, sent again to a resend")
    status = models.CharField(max_length=10, choices=InboundStatus.choices)

    class Meta:
        constraints = [
            # Two partial constraints, not one: NULL organizations would never collide in a single one.
            models.UniqueConstraint(
                fields=["organization", "sending_application", "sending_facility", "control_id"],
                condition=Q(organization__isnull=False) & ~Q(control_id=""), name="labs_inbound_once_per_org"),
            models.UniqueConstraint(
                fields=["sending_application", "sending_facility", "control_id"],
                condition=Q(organization__isnull=True) & ~Q(control_id=""), name="labs_inbound_once_no_org"),
        ]

    def __str__(self) -> str:
        return f"{self.message_type or 'HL7'} {self.control_id or '(no MSH-10)'} from {self.sending_application}"
