"""The unified inbox: items of every kind, pools, routing rules, absences and on-call spans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinicdesk.inbox import routing


class Kind(models.TextChoices):
    PHONE_MESSAGE = "phone_message", "Phone message"
    TASK = "task", "Task"
    LAB_RESULT = "lab_result", "Lab result"
    DOCUMENT = "document", "Document"
    FORM_SUBMISSION = "form_submission", "Form submission"
    ALERT = "alert", "System alert"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    CRITICAL = "critical", "Critical"


class ItemStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting"
    DONE = "done", "Done"


class TargetKind(models.TextChoices):
    POOL = routing.POOL, "Pool"
    USER = routing.USER, "User"
    PRIMARY_TEAM = routing.PRIMARY_TEAM, "Primary practitioner's team"
    ORDERING = routing.ORDERING, "Ordering practitioner"


class EscalationKind(models.TextChoices):
    NONE = "", "Fallback pool"
    POOL = routing.POOL, "Pool"
    USER = routing.USER, "User"


class Pool(models.Model):
    """A shared work queue: front desk, billing, nurses, a practitioner's team (``practitioner`` set)."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="inbox_pools")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inbox_pools")
    practitioner = models.ForeignKey("staff.Practitioner", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="inbox_teams", help_text="Set for a practitioner's team.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="inbox_pool_key_unique")]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """One ordered rule; the first that matches and resolves to someone wins (see ``inbox.routing``)."""

    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT,
                                     related_name="inbox_rules")
    order = models.PositiveIntegerField(default=0)
    category = models.CharField(max_length=40, blank=True, help_text="Empty: any category.")
    location = models.ForeignKey("practice.Location", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True, help_text="Empty: any.")
    target_kind = models.CharField(max_length=30, choices=TargetKind.choices)
    target_value = models.CharField(max_length=40, blank=True, help_text="Pool key, or user id.")
    sla_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalation_kind = models.CharField(max_length=10, choices=EscalationKind.choices, blank=True)
    escalation_value = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization", "order", "pk"]

    def __str__(self) -> str:
        return f"#{self.order} {self.category or '*'} → {self.target_kind} {self.target_value}".strip()


class Absence(models.Model):
    """Out of office: the user's items go to ``delegate`` (nobody when empty) in [start, end)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="absences")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="delegations")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="inbox_absence_end_after_start")]


class OnCall(models.Model):
    """The pool's items go to ``user`` in [start, end)."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="on_call")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="on_call")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="inbox_oncall_end_after_start")]


class InboxItem(models.Model):
    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="inbox_items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.CharField(max_length=40, blank=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="inbox_items")
    location = models.ForeignKey("practice.Location", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    due_at = models.DateTimeField(null=True, blank=True)
    assigned_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="inbox_items")
    assigned_pool = models.ForeignKey(Pool, on_delete=models.PROTECT, null=True, blank=True, related_name="items")
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.NEW)
    routing_rule = models.ForeignKey(RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    routing_reasons = models.JSONField(default=list, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    flagged_escalated = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    source = models.CharField(max_length=80, blank=True, help_text='What it came from, e.g. "labs.ResultMatch:12".')

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status", "assigned_user"], name="inbox_item_user"),
            models.Index(fields=["organization", "status", "assigned_pool"], name="inbox_item_pool"),
            models.Index(fields=["status", "escalate_at"], name="inbox_item_escalate"),
        ]
        permissions = [("view_all_inboxitem", "Can see every item of the practice, in every pool")]

    def __str__(self) -> str:
        return self.title


class InboxComment(models.Model):
    item = models.ForeignKey(InboxItem, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


def attachment_upload_to(instance: InboxAttachment, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    # The stored name carries no patient name; the name the user sees is kept in the row, not the path.
    stamp = timezone.now()
    return f"org{instance.item.organization_id}/inbox/{stamp:%Y/%m}/i{instance.item_id}-{stamp:%d%H%M%S%f}.{ext}"


class InboxAttachment(models.Model):
    """A file on an item, stored through Django storage and served only through an audited view."""

    item = models.ForeignKey(InboxItem, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to)
    name = models.CharField(max_length=120, help_text="The file name as uploaded, for display only.")
    content_type = models.CharField(max_length=60, help_text="Detected from the bytes, never from the client.")
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class PhoneMessage(models.Model):
    """The call details of a phone-message item: who called, and how and when to call back."""

    item = models.OneToOneField(InboxItem, on_delete=models.PROTECT, related_name="phone_message")
    caller_name = models.CharField(max_length=120, blank=True)
    callback_number = models.CharField(max_length=20, blank=True, help_text="E.164.")
    best_time = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return f"{self.caller_name} {self.callback_number}".strip()


class RoutingStamp(models.Model):
    """One row (id 1) whose value database triggers change on every write to what routing reads (``routingcache``)."""

    value = models.BigIntegerField(default=0)
