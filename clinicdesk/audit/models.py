"""The audit trail: append-only, hash-chained events of every read and change of patient data."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH_HIT = "search_hit", "Appeared in search"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    MERGE = "merge", "Merged"
    UNMERGE = "unmerge", "Merge undone"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logged out"
    DENIED = "denied", "Access denied"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"
    FAILURE = "failure", "Failure"


class AuditEvent(models.Model):
    """One event. ``hash`` = SHA-256 over the previous event's hash and this event's fields, so
    changing, inserting or removing any event breaks the chain (see ``audit.chain``).
    A database trigger refuses UPDATE (and DELETE on PostgreSQL)."""

    chain = models.CharField(max_length=32)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)
    organization_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=10, blank=True, help_text="web, api, fhir, cli, hl7 …")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            models.Index(fields=["patient_id", "at"], name="audit_patient_at"),
            models.Index(fields=["organization_id", "at"], name="audit_org_at"),
        ]
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type} {self.object_id}"


class ChainHead(models.Model):
    """The last sequence number and hash of each chain; writers lock this row to append in order."""

    chain = models.CharField(max_length=32, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        default_permissions = ()
