"""Intake forms: versioned FHIR Questionnaires, forms assigned to patients, and their responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FormDefinition(models.Model):
    """One version of a form (a FHIR R4 Questionnaire as JSON).

    ``organization`` empty: a shipped standard form, available to every practice. A practice's own
    edit of a form is a new row with the same ``key`` and a higher ``version``; assignments point at
    the row (the version) they were made with, so later edits never change them.
    """

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="form_definitions", help_text="Empty: shipped with clinicdesk.")
    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    questionnaire = models.JSONField(help_text="The FHIR R4 Questionnaire resource.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key", "version"], name="intake_formdef_version_unique"),
            models.UniqueConstraint(fields=["key", "version"], condition=Q(organization__isnull=True),
                                    name="intake_formdef_shipped_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def shipped(self) -> bool:
        return self.organization_id is None


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class FormAssignment(models.Model):
    """A form a patient is to fill in, optionally for one appointment."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="form_assignments")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="form_assignments")
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["patient", "status"], name="intake_assignment_patient")]

    def __str__(self) -> str:
        return f"{self.form.title} for patient {self.patient_id}"

    @property
    def title(self) -> str:
        return self.form.title

    @property
    def is_open(self) -> bool:
        return self.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"


class ResponseSource(models.TextChoices):
    INTERVIEW = "interview", "Interview"
    PATIENT_LINK = "patient_link", "Patient link"
    API = "api", "API"


class FormResponse(models.Model):
    """The answers to one assignment (or, through the API, to a form directly) as a QuestionnaireResponse."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="form_responses")
    assignment = models.OneToOneField(FormAssignment, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="response")
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=12, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    source = models.CharField(max_length=14, choices=ResponseSource.choices)
    answers = models.JSONField(default=dict, blank=True, help_text="Raw answers by instance key (drafts).")
    resource = models.JSONField(default=dict, blank=True, help_text="The FHIR QuestionnaireResponse.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", help_text="Empty: the patient (through the link).")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "pk"]
        indexes = [models.Index(fields=["organization", "patient", "status"], name="intake_response_patient")]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.form.title}"


def _card_upload_to(instance: FormResponse, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now()
    return f"org{instance.organization_id}/intake-cards/{stamp:%Y/%m}/p{instance.patient_id}-{stamp:%d%H%M%S%f}.{ext}"


class FormResponseCard(models.Model):
    """A card photo sent with an insurance form when the patient had no coverage on file to put it on yet."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(FormResponse, on_delete=models.PROTECT, related_name="cards")
    side = models.CharField(max_length=12)
    image = models.FileField(upload_to=_card_upload_to)
    created_at = models.DateTimeField(default=timezone.now)


class FormLink(models.Model):
    """A signed link that lets a patient fill the listed assignments without logging in, until it expires."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="form_links")
    assignments = models.ManyToManyField(FormAssignment, related_name="links")
    nonce = models.CharField(max_length=40, unique=True)
    channel = models.CharField(max_length=8, blank=True)
    sent_to = models.CharField(max_length=200, blank=True)
    message_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The OutboundMessage sent.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Form link {self.pk} for patient {self.patient_id}"
