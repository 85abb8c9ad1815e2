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


def can_see_all(user: User) -> bool:
    return user.has_perm("inbox.view_all_inboxitem")


def item_for_user(user: User, item_id: int) -> InboxItem | None:
    """One item the user may open: theirs, their pools', one they created, or any in the practice for managers."""
    if user.organization_id is None:
        return None
    items = InboxItem.objects.filter(pk=item_id, organization_id=user.organization_id).select_related(
        "patient", "assigned_user", "assigned_pool", "routing_rule", "created_by", "location")
    if not can_see_all(user):
        items = items.filter(_mine(user) | Q(created_by=user))
    return items.first()


def user_pools(user: User) -> QuerySet[Pool]:
    """The pools the user works in; every pool of the practice for managers."""
    if user.organization_id is None:
        return Pool.objects.none()
    pools = Pool.objects.filter(organization_id=user.organization_id)
    return pools if can_see_all(user) else pools.filter(members=user)


def view_counts(user: User) -> dict[str, int]:
    """Open items per view: "mine", "all" (managers) and "pool:<key>" for each pool the user sees."""
    if user.organization_id is None:
        return {}
    open_items = InboxItem.objects.filter(organization_id=user.organization_id).exclude(status=ItemStatus.DONE)
    counts = {"mine": open_items.filter(_mine(user)).count()}
    if can_see_all(user):
        counts["all"] = open_items.count()
    grouped = (open_items.filter(assigned_pool__in=user_pools(user)).values("assigned_pool__key")
               .annotate(n=Count("pk")).order_by())
    by_pool = {row["assigned_pool__key"]: row["n"] for row in grouped}
    for key in user_pools(user).values_list("key", flat=True):
        counts[f"pool:{key}"] = int(by_pool.get(key, 0))
    return counts


def open_count(user: User) -> int:
    """The number on the navigation badge: open items assigned to the user or their pools."""
    return _open_for(user).exclude(status=ItemStatus.DONE).count()
