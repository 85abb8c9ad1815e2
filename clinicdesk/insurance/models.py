"""Payers, plans and patients' coverages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Address, Organization


class ClaimFilingIndicator(models.TextChoices):
    """X12 5010 837P SBR09 claim filing indicator codes."""

    OTHER_NON_FEDERAL = "11", "Other non-federal programs"
    PPO = "12", "Preferred provider organization (PPO)"
    POS = "13", "Point of service (POS)"
    EPO = "14", "Exclusive provider organization (EPO)"
    INDEMNITY = "15", "Indemnity insurance"
    HMO_MEDICARE_RISK = "16", "HMO Medicare risk"
    DENTAL = "17", "Dental maintenance organization"
    AUTO = "AM", "Automobile medical"
    BCBS = "BL", "Blue Cross/Blue Shield"
    TRICARE = "CH", "CHAMPUS (TRICARE)"
    COMMERCIAL = "CI", "Commercial insurance"
    DISABILITY = "DS", "Disability"
    FEP = "FI", "Federal employees program"
    HMO = "HM", "Health maintenance organization"
    LIABILITY = "LM", "Liability medical"
    MEDICARE_A = "MA", "Medicare Part A"
    MEDICARE_B = "MB", "Medicare Part B"
    MEDICAID = "MC", "Medicaid"
    OTHER_FEDERAL = "OF", "Other federal program"
    TITLE_V = "TV", "Title V"
    VA = "VA", "Veterans Affairs plan"
    WORKERS_COMP = "WC", "Workers' compensation"
    MUTUALLY_DEFINED = "ZZ", "Mutually defined"


class Payer(Address):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payers")
    name = models.CharField(max_length=120)
    payer_id = models.CharField("electronic payer id", max_length=20, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    claim_filing_indicator = models.CharField(max_length=2, choices=ClaimFilingIndicator.choices,
                                              default=ClaimFilingIndicator.COMMERCIAL)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="payer_name_unique")]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(max_length=120)
    plan_type = models.CharField(max_length=40, blank=True, help_text="e.g. PPO, HMO, Medicare Advantage")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["payer", "name"], name="plan_name_unique")]

    def __str__(self) -> str:
        return f"{self.payer.name} · {self.name}"


class Relationship(models.TextChoices):
    """Patient's relationship to the subscriber, with the X12 individual relationship codes."""

    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    EMPLOYEE = "20", "Employee"
    OTHER = "G8", "Other relationship"


class Priority(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


class CoverageStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


def card_upload_to(instance: Coverage, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    # The stored name carries no patient name; the original file name is not kept.
    stamp = timezone.now()
    return f"org{instance.organization_id}/coverage-cards/{stamp:%Y/%m}/p{instance.patient_id}-{stamp:%d%H%M%S%f}.{ext}"


class Coverage(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="coverages")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.PRIMARY)
    member_id = models.CharField("member id", max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    relationship = models.CharField("patient is the subscriber's", max_length=2, choices=Relationship.choices,
                                    default=Relationship.SELF)
    subscriber_family_name = models.CharField("subscriber last name", max_length=80, blank=True)
    subscriber_given_name = models.CharField("subscriber first name", max_length=80, blank=True)
    subscriber_birth_date = models.DateField("subscriber date of birth", null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    copay = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"),
                                validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(max_length=10, choices=CoverageStatus.choices, default=CoverageStatus.ACTIVE)
    card_front = models.FileField(upload_to=card_upload_to, blank=True)
    card_back = models.FileField(upload_to=card_upload_to, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["priority", "-effective_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__isnull=True)
                                   | models.Q(effective_date__isnull=True)
                                   | models.Q(end_date__gte=models.F("effective_date")),
                                   name="coverage_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.payer.name} {self.member_id} ({self.get_priority_display()})"

    def is_in_force(self, day: date) -> bool:
        if self.status != CoverageStatus.ACTIVE:
            return False
        if self.effective_date and day < self.effective_date:
            return False
        return not (self.end_date and day > self.end_date)
