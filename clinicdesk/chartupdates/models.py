"""A proposed change to one field of a patient's chart, waiting for a person to accept or reject it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Source(models.TextChoices):
    INTAKE = "intake", "Intake form"
    HL7_ADT = "hl7-adt", "HL7 ADT message"
    OTHER = "other", "Other"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ProposedUpdate(models.Model):
    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="proposed_updates")
    source = models.CharField(max_length=20, choices=Source.choices)
    reference = models.CharField(max_length=200, blank=True,
                                 help_text="What proposed it: a form response, a message control id.")
    field_name = models.CharField(max_length=60)
    current_value = models.TextField(blank=True)
    proposed_value = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["patient", "status"], name="chartupdate_patient_status")]
        constraints = [
            models.CheckConstraint(condition=Q(status="pending") | Q(decided_at__isnull=False),
                                   name="chartupdate_decided_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.field_name}: {self.current_value!r} → {self.proposed_value!r}"
