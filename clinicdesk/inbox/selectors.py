"""Reads for the inbox."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from clinicdesk.inbox.models import InboxItem, ItemStatus, Pool, Priority
from clinicdesk.staff.models import User


def _mine(user: User) -> Q:
    return Q(assigned_user=user) | Q(assigned_pool__in=Pool.objects.filter(members=user).values("pk"))


def _open_for(user: User) -> QuerySet[InboxItem]:
    if user.organization_id is None:
        return InboxItem.objects.none()
    return InboxItem.objects.filter(_mine(user), organization_id=user.organization_id)


def items_for_user(user: User, *, include_done: bool = False) -> QuerySet[InboxItem]:
    """Items assigned to the user or to any pool they belong to, in their practice; open ones unless asked."""
    items = _open_for(user)
    if not include_done:
        items = items.exclude(status=ItemStatus.DONE)
    return items.select_related("patient", "assigned_user", "assigned_pool")


def inbox_counts(user: User) -> dict[str, int]:
    """Open items for the user: by status, plus mine (assigned to me personally), urgent+ and escalated."""
    open_items = _open_for(user).exclude(status=ItemStatus.DONE)
    aggregates: dict[str, Any] = {status.value: Count("pk", filter=Q(status=status))
                                  for status in ItemStatus if status != ItemStatus.DONE}
    totals = open_items.aggregate(
        total=Count("pk"), **aggregates, mine=Count("pk", filter=Q(assigned_user=user)),
        urgent=Count("pk", filter=Q(priority__in=[Priority.URGENT, Priority.CRITICAL])),
        escalated=Count("pk", filter=Q(flagged_escalated=True)))
    return {key: int(value or 0) for key, value in totals.items()}
