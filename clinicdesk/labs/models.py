"""Inbound messages: every message a sender gave us, byte for byte, with the ACK we answered."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class InboundStatus(models.TextChoices):
    # Acknowledged by the MLLP listener, waiting for the filer (``labs.queue``), which audits its receipt and
    # files it in one transaction.
    QUEUED = "queued", "Queued for filing"
    RECEIVED = "received", "Received"  # accepted (AA), stored and audited; not yet filed into a chart
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
        # What the filer takes next (``labs.queue``): only the messages queued are in it.
        indexes = [models.Index(fields=["id"], condition=Q(status="queued"), name="labs_inbound_queued")]

    def __str__(self) -> str:
        return f"{self.message_type or 'HL7'} {self.control_id or '(no MSH-10)'} from {self.sending_application}"


class LabOrder(models.Model):
    """One OBR of a filed result message. ``patient`` is empty until the result is matched to one of ours."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="lab_orders")
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="lab_orders")
    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="orders")
    match = models.ForeignKey("ResultMatch", on_delete=models.PROTECT, related_name="orders")
    set_id = models.CharField(max_length=10, blank=True)
    placer_number = models.CharField(max_length=100, blank=True, help_text="OBR-2: our order number")
    filler_number = models.CharField(max_length=100, blank=True, db_index=True, help_text="OBR-3: the lab's")
    service_code = models.CharField(max_length=100, blank=True)
    service_text = models.CharField(max_length=255, blank=True)
    service_system = models.CharField(max_length=50, blank=True)
    ordering_practitioner = models.ForeignKey("staff.Practitioner", null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="lab_orders")
    ordering_provider_text = models.CharField(max_length=255, blank=True, help_text="OBR-16 as sent")
    observed_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=1, blank=True, help_text="OBR-25, HL7 table 0123")
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "patient", "observed_at"], name="labs_order_patient"),
                   # An order without the lab's number is known by ours (``filer.supersede``): few such orders.
                   models.Index(fields=["placer_number"], condition=Q(filler_number=""),
                                name="labs_order_placer_only")]

    def __str__(self) -> str:
        return f"{self.service_text or self.service_code} ({self.filler_number or self.placer_number})"


class ObservationStatus(models.TextChoices):
    CORRECTED = "C", "Corrected"
    DELETED = "D", "Deleted"
    FINAL = "F", "Final"
    PENDING = "I", "Pending"
    NOT_ASKED = "N", "Not asked"
    ORDER_DETAIL = "O", "Order detail"
    PRELIMINARY = "P", "Preliminary"
    NOT_VERIFIED = "R", "Not verified"
    PARTIAL = "S", "Partial"
    STATUS_CHANGE = "U", "Final (status change)"
    WRONG = "W", "Wrong"
    CANNOT_OBTAIN = "X", "Cannot be obtained"


CRITICAL_FLAGS = frozenset({"LL", "HH", "AA", "<", ">"})
NORMAL_FLAGS = frozenset({"", "N"})


class LabObservation(models.Model):
    """One OBX. A corrected result (C) for the same order and code supersedes the earlier one; both are kept."""

    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="observations")
    set_id = models.CharField(max_length=10, blank=True)
    sub_id = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=100, blank=True)
    text = models.CharField(max_length=255, blank=True)
    system = models.CharField(max_length=50, blank=True, help_text="e.g. LN for LOINC")
    value_type = models.CharField(max_length=3, blank=True, help_text="OBX-2: NM, ST, CWE, SN, ED...")
    value_text = models.TextField(blank=True)
    value_numeric = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    units = models.CharField(max_length=60, blank=True)
    reference_range = models.CharField(max_length=100, blank=True)
    abnormal_flags = models.CharField(max_length=50, blank=True, help_text="OBX-8, repetitions joined by ~")
    status = models.CharField(max_length=1, choices=ObservationStatus.choices)
    observed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="supersedes")

    def __str__(self) -> str:
        return f"{self.text or self.code}: {self.value_text} {self.units}".strip()

    @property
    def flags(self) -> list[str]:
        return [f for f in self.abnormal_flags.split("~") if f]

    @property
    def is_abnormal(self) -> bool:
        return any(f.upper() not in NORMAL_FLAGS for f in self.flags)

    @property
    def is_critical(self) -> bool:
        return any(f.upper() in CRITICAL_FLAGS for f in self.flags)


class LabReport(models.Model):
    """A document the lab sent with the result (OBX type ED, usually its PDF), kept in the default storage."""

    order = models.ForeignKey(LabOrder, on_delete=models.CASCADE, related_name="reports")
    observation = models.OneToOneField(LabObservation, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="report")
    mime_type = models.CharField(max_length=100)
    content = models.FileField(upload_to="labs/reports/", max_length=255)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.filename


class MatchStatus(models.TextChoices):
    MATCHED = "matched", "Matched"  # confident: attached on filing
    NEEDS_REVIEW = "needs_review", "Needs review"  # uncertain: waits in the reconciliation queue
    CONFIRMED = "confirmed", "Confirmed"  # staff attached it
    REJECTED = "rejected", "Rejected"  # staff said it is for none of our patients (or not this one)


class ResultMatch(models.Model):
    """Which patient one PID group of a result message was filed under, how sure we were and why."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="result_matches")
    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, related_name="matches")
    group = models.PositiveSmallIntegerField(default=0, help_text="position of the PID in the message")
    identity = models.JSONField(default=dict, help_text="the patient as the lab named them (PID)")
    candidate = models.ForeignKey("patients.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="result_matches")
    score = models.DecimalField(max_digits=4, decimal_places=3)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=MatchStatus.choices, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("staff.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inbound", "group"], name="labs_match_once_per_group")]

    def __str__(self) -> str:
        return f"{self.inbound} #{self.group}: {self.status}"
