"""The patient registry."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinicdesk.practice.models import Address, Organization
from clinicdesk.staff.models import Practitioner


class Sex(models.TextChoices):
    """Administrative sex, as FHIR AdministrativeGender."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DECEASED = "deceased", "Deceased"
    MERGED = "merged", "Merged into another record"


class GuarantorRelationship(models.TextChoices):
    SELF = "self", "Self"
    PARENT = "parent", "Parent"
    SPOUSE = "spouse", "Spouse"
    GUARDIAN = "guardian", "Legal guardian"
    OTHER = "other", "Other"


LANGUAGES = [
    ("en", "English"), ("es", "Spanish"), ("zh", "Chinese"), ("vi", "Vietnamese"), ("tl", "Tagalog"),
    ("ar", "Arabic"), ("fr", "French"), ("ko", "Korean"), ("ru", "Russian"), ("de", "German"),
    ("ht", "Haitian Creole"), ("pt", "Portuguese"), ("hi", "Hindi"), ("pl", "Polish"), ("it", "Italian"),
]


class Patient(Address):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=20)
    family_name = models.CharField("last name", max_length=80)
    given_name = models.CharField("first name", max_length=80)
    middle_name = models.CharField(max_length=80, blank=True)
    suffix = models.CharField(max_length=20, blank=True)
    preferred_name = models.CharField(max_length=80, blank=True)
    birth_date = models.DateField("date of birth")
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    phone_mobile = models.CharField("mobile phone", max_length=20, blank=True)
    phone_home = models.CharField("home phone", max_length=20, blank=True)
    phone_work = models.CharField("work phone", max_length=20, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=10, choices=LANGUAGES, default="en")
    consent_email = models.BooleanField("may e-mail", default=False)
    consent_sms = models.BooleanField("may text (SMS)", default=False)
    consent_voice = models.BooleanField("may call (voice)", default=False)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=40, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    guarantor_relationship = models.CharField(max_length=10, choices=GuarantorRelationship.choices,
                                              default=GuarantorRelationship.SELF)
    guarantor_name = models.CharField(max_length=120, blank=True)
    guarantor_phone = models.CharField(max_length=20, blank=True)
    primary_practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="primary_patients")
    alerts = models.CharField(max_length=200, blank=True, help_text="Shown on the chart header, e.g. allergies.")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    deceased_date = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change (FHIR versionId).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "mrn"], name="patient_mrn_unique")]
        indexes = [
            models.Index(fields=["organization", "birth_date"], name="patient_org_dob"),
            models.Index(fields=["organization", "family_name", "given_name"], name="patient_org_name"),
        ]
        permissions = [("merge_patient", "Can merge duplicate patient records")]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}" + (f" {self.middle_name[:1]}." if self.middle_name else "")

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.phone_mobile, self.phone_home, self.phone_work) if p]


class SearchToken(models.Model):
    """Search keys of a patient, kept in step by the patient services.

    kind "n": a folded name word (prefix search); "p": its phonetic key; "t": phone digits,
    reversed, so a search by the last digits of a number is a prefix search too.
    """

    organization_id = models.BigIntegerField()
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=1)
    token = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["organization_id", "kind", "token"], name="search_token_lookup")]
        default_permissions = ()


class PatientMerge(models.Model):
    """A merge of ``source`` into ``target``: what moved, so it can be undone."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_as_source")
    target = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_as_target")
    reason = models.CharField(max_length=200)
    moved = models.JSONField(default=dict, help_text="{model label: [ids]} moved from source to target")
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        default_permissions = ("view",)
