"""Front desk tables: the visit (one per appointment seen at the desk), the walk-in queue, the visitor log and
the desk's settings.

The appointment's own status (arrived, in room, completed, no-show) is changed only through the scheduling
services; ``Visit.stage`` adds the steps the schedule does not know (with the practitioner, ready for check-out).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import Appointment, AppointmentType
from clinicdesk.staff.models import Practitioner


def money(label: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=8, decimal_places=2, default=Decimal("0.00"),
                               validators=[MinValueValidator(Decimal("0"))])


class Stage(models.TextChoices):
    WAITING = "waiting", "Checked in"
    ROOMED = "roomed", "In room"
    WITH_PRACTITIONER = "with_practitioner", "With practitioner"
    READY = "ready", "Ready for check-out"
    DONE = "done", "Checked out"


class PaymentMethod(models.TextChoices):
    NONE = "", "—"
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    OTHER = "other", "Other"


class Visit(models.Model):
    """What happened at the desk for one appointment: the check-in checklist, the copay (kept for billing),
    the steps through the practice and the follow-up the practitioner asked for."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="visit")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.WAITING)
    identity_confirmed = models.BooleanField("identity confirmed (photo ID)", default=False)
    demographics_confirmed = models.BooleanField("address, phone and contacts confirmed", default=False)
    coverage_reviewed = models.BooleanField("insurance reviewed", default=False)
    consent_to_treat = models.BooleanField("consent to treat signed", default=False)
    privacy_notice = models.BooleanField("privacy notice acknowledged", default=False)
    copay_due = money("copay due")
    copay_collected = money("copay collected")
    payment_method = models.CharField(max_length=6, choices=PaymentMethod.choices, blank=True)
    payment_reference = models.CharField(max_length=40, blank=True, help_text="Receipt or check number.")
    arrived_at = models.DateTimeField(null=True, blank=True)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    roomed_at = models.DateTimeField(null=True, blank=True)
    with_practitioner_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    follow_up_weeks = models.PositiveSmallIntegerField(null=True, blank=True,
                                                       validators=[MinValueValidator(0), MaxValueValidator(104)])
    follow_up_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["organization", "arrived_at"], name="visit_org_arrived")]

    def __str__(self) -> str:
        return f"Visit {self.appointment_id} ({self.get_stage_display()})"

    @property
    def copay_open(self) -> Decimal:
        return max(self.copay_due - self.copay_collected, Decimal("0.00"))


class WalkInStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ASSIGNED = "assigned", "Assigned"
    LEFT = "left", "Left without being seen"


class WalkIn(models.Model):
    """A patient without an appointment, waiting for the next available practitioner."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="walk_ins")
    reason = models.CharField(max_length=200)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    preferred_practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, null=True, blank=True,
                                               related_name="+", help_text="Blank: whoever is free first.")
    status = models.CharField(max_length=10, choices=WalkInStatus.choices, default=WalkInStatus.WAITING)
    arrived_at = models.DateTimeField(default=timezone.now)
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="walk_in")
    assigned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["arrived_at", "pk"]
        indexes = [models.Index(fields=["location", "status", "arrived_at"], name="walkin_queue")]


class VisitorKind(models.TextChoices):
    PATIENT = "patient", "Patient without appointment"
    FAMILY = "family", "Family member / companion"
    COURIER = "courier", "Courier / delivery"
    VENDOR = "vendor", "Vendor / representative"
    APPLICANT = "applicant", "Job applicant"
    OTHER = "other", "Other"


class VisitorEntry(models.Model):
    """One person at the desk: who, why, whom they came to see, when they came and left."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=VisitorKind.choices, default=VisitorKind.OTHER)
    purpose = models.CharField(max_length=200)
    company = models.CharField(max_length=120, blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", help_text="Whom they came to see.")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    arrived_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    directed_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    directed_at = models.DateTimeField(null=True, blank=True)
    inbox_item_id = models.BigIntegerField(null=True, blank=True, help_text="The notification sent.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-arrived_at", "-pk"]
        indexes = [models.Index(fields=["location", "arrived_at"], name="visitor_location_arrived")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class FrontDeskSettings(models.Model):
    """Waiting-time limits for the board: per location, or for the whole practice (``location`` blank)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    location = models.OneToOneField(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amber_minutes = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(1)])
    red_minutes = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    poll_seconds = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(2),
                                                                           MaxValueValidator(60)])

    class Meta:
        verbose_name_plural = "front desk settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(red_minutes__gt=models.F("amber_minutes")),
                                   name="frontdesk_red_after_amber"),
            models.UniqueConstraint(fields=["organization"], condition=models.Q(location__isnull=True),
                                    name="frontdesk_one_practice_default"),
        ]
