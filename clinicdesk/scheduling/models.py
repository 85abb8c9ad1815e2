"""Scheduling tables: bookable resources, appointment types, availability, appointments, reservations.

No double booking is a database guarantee: every appointment holds one ``Reservation`` per resource it uses
(practitioner incl. buffers, room, equipment, support staff), and overlapping active reservations of one
resource are refused by the database itself — an exclusion constraint on PostgreSQL, a trigger under
SQLite's serialized writers (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.staff.models import Practitioner


class ResourceKind(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    ROOM = "room", "Room"
    EQUIPMENT = "equipment", "Equipment"
    STAFF = "staff", "Support staff"


class Resource(models.Model):
    """Anything that can be booked. Practitioners and rooms have one each; equipment (an MRI scanner,
    an ultrasound) and support staff (a technologist) exist only here."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ResourceKind.choices)
    name = models.CharField(max_length=120)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="Where it is; blank for people who work at several locations.")
    practitioner = models.OneToOneField(Practitioner, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="resource")
    room = models.OneToOneField(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="resource")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    PROCEDURE = "procedure", "Procedure"
    SURGERY = "surgery", "Surgery"
    FOLLOW_UP = "follow_up", "Follow-up"
    TELEHEALTH = "telehealth", "Telehealth"


class AppointmentType(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=20, blank=True, help_text="Short code shown on the schedule, e.g. NP, FU, MRI")
    category = models.CharField(max_length=14, choices=Category.choices, default=Category.CONSULTATION)
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(720)])
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(240)])
    color = models.CharField(max_length=7, default="#1f5fae", help_text="#rrggbb")
    patient_instructions = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="appointment_type_name_unique")]

    def __str__(self) -> str:
        return self.name


class TypeRequirement(models.Model):
    """A resource the type needs besides the practitioner: any one of ``pool``, from ``offset_minutes``
    after the appointment start (negative = before, e.g. -15 for a prep room) for ``duration_minutes``
    (blank = until the appointment ends)."""

    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="requirements")
    label = models.CharField(max_length=80, help_text="e.g. MRI scanner, technologist, prep room")
    pool = models.ManyToManyField(Resource, related_name="+")
    offset_minutes = models.SmallIntegerField(default=0)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.label


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilityBlock(models.Model):
    """A weekly session of a resource at a location, in the location's local wall-clock time."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocks")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    types = models.ManyToManyField(AppointmentType, blank=True, related_name="+",
                                   help_text="Leave empty to allow every type.")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")),
                                              name="block_ends_after_start")]

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The session must end after it starts."})


class ExceptionKind(models.TextChoices):
    OFF = "off", "Unavailable (vacation, holiday, meeting)"
    EXTRA = "extra", "Extra session"


class AvailabilityException(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="exceptions")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text="For an extra session: where it is held.")
    kind = models.CharField(max_length=5, choices=ExceptionKind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)
    types = models.ManyToManyField(AppointmentType, blank=True, related_name="+")

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="exception_ends_after_start")]
        indexes = [models.Index(fields=["resource", "start"], name="exception_resource_start")]


class Status(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    IN_ROOM = "in_room", "In room"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Statuses whose appointment still holds its time.
HOLDING = frozenset({Status.PROPOSED, Status.BOOKED, Status.CONFIRMED, Status.ARRIVED, Status.IN_ROOM})


class CancelledBy(models.TextChoices):
    PATIENT = "patient", "Patient"
    PRACTICE = "practice", "Practice"


class Appointment(models.Model):
    # No single-column indexes on these three keys: the (key, start) indexes below serve every lookup by the key
    # alone, and each index costs every booking's insert (see docs/benchmarks.md, booking throughput).
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments", db_index=False)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments",
                                     db_index=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    reason = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    cancelled_by = models.CharField(max_length=8, choices=CancelledBy.choices, blank=True)
    rescheduled_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="rescheduled_to")
    series = models.ForeignKey("Series", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="appointments")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["organization", "start"], name="appointment_org_start"),
            models.Index(fields=["practitioner", "start"], name="appointment_practitioner_start"),
            models.Index(fields=["patient", "start"], name="appointment_patient_start"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="appointment_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.appointment_type} {self.start:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class AppointmentChange(models.Model):
    """One step of an appointment's life: who moved it to which status, when, and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    via = models.CharField(max_length=10, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Reservation(models.Model):
    """The time one resource is held for one appointment (the practitioner's includes the buffers).
    Active reservations of a resource never overlap: the database refuses it."""

    organization_id = models.BigIntegerField()
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reservations")
    # indexed by (resource, start) below and by the exclusion constraint; no index of its own
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="reservations", db_index=False)
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "start"], name="reservation_resource_start")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="reservation_ends_after_start")]


class Series(models.Model):
    """A recurring series, e.g. physical therapy every other Tuesday × 8: the same local wall-clock time
    every ``interval_weeks`` weeks, ``count`` times."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointment_series")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    first_start = models.DateTimeField()
    interval_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")


class WaitStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Removed from the list"


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier or a freed-up time."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist_entries")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", help_text="Blank: any practitioner who offers the type.")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    earliest_date = models.DateField()
    latest_date = models.DateField()
    weekdays = models.JSONField(default=list, blank=True, help_text="Allowed weekdays, 0 = Monday; empty = any.")
    priority = models.SmallIntegerField(default=0, help_text="Higher is offered first.")
    notes = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=WaitStatus.choices, default=WaitStatus.WAITING)
    booked = models.ForeignKey(Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-priority", "created_at"]
        indexes = [models.Index(fields=["organization", "status", "appointment_type"], name="waitlist_lookup")]
        constraints = [models.CheckConstraint(condition=models.Q(latest_date__gte=models.F("earliest_date")),
                                              name="waitlist_dates_ordered")]


class OfferStatus(models.TextChoices):
    OPEN = "open", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LOST = "lost", "Taken by someone else"
    EXPIRED = "expired", "Expired"


class WaitlistOffer(models.Model):
    """A freed time offered to a waiting patient; the first to accept gets it."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField()
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "pk"]


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar feed: a secret URL, revocable. Only the secret's SHA-256 is kept."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="calendar_feeds")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)


class ConfigStamp(models.Model):
    """One row (id 1) whose ``value`` database triggers set to a new random number on every write to the
    scheduling configuration: resources, appointment types and their requirements, weekly blocks,
    exceptions, locations and practices. ``configcache`` reads it to know whether what it holds is current."""

    value = models.BigIntegerField(default=0)
