"""Staff users, practitioners and API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from clinicdesk.practice.models import Department, Location, Organization, validate_npi
from clinicdesk.staff.roles import Role


class User(AbstractUser):
    """A member of staff. Belongs to one organization; roles are Django groups named after Role."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="users")
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        permissions = [("manage_staff", "Can manage staff and roles"), ("use_api", "Can use the API")]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_names(self) -> list[str]:
        names = {g.name for g in self.groups.all()}
        return [r.value for r in Role if r.value in names]

    @property
    def primary_role(self) -> str:
        roles = self.role_names
        return roles[-1] if roles else ""


class Practitioner(models.Model):
    """A clinician who sees patients. Linked to a login when they use the system themselves."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="practitioners")
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="practitioner")
    family_name = models.CharField(max_length=80)
    given_name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=20, blank=True, help_text="e.g. Dr.")
    credentials = models.CharField(max_length=60, blank=True, help_text="e.g. MD, DO, NP, PA-C")
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    taxonomy_code = models.CharField("taxonomy code", max_length=10, blank=True,
                                     help_text="NUCC health care provider taxonomy, e.g. 207Q00000X")
    specialty = models.CharField(max_length=120, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="practitioners")
    locations = models.ManyToManyField(Location, blank=True, related_name="practitioners")
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "npi"], condition=~models.Q(npi=""),
                                    name="practitioner_npi_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return practitioner_display_name(self.prefix, self.given_name, self.family_name, self.credentials)


def practitioner_display_name(prefix: str, given: str, family: str, credentials: str) -> str:
    """"Dr. Maria Lindqvist, MD" (also used where only the name columns were read)."""
    name = f"{prefix} {given} {family}" if prefix else f"{given} {family}"
    return f"{name}, {credentials}" if credentials else name


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class LoginFailure(models.Model):
    """One failed login, kept to lock an account after repeated failures."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
