"""A per-process cache of what inbox routing reads, checked against the database on every use.

Routing an item read the practice's rules, pools, pool members, practitioners' logins, teams, on-call and
absence rows (7 queries) for every item: most of the time of filing a lab result. They change rarely, so each
process keeps what it built for as long as ``RoutingStamp.value`` stays the same. Database triggers give that
value a new random number on any write to those tables, ``staff_user`` and ``practice_organization`` included
(see migration 0003), so a
cached value can never outlive the rows it came from, whichever code wrote them.

On-call and absence spans depend on the time: the cache keeps every span that had not ended when it was built,
and the kernel (``routing``) decides which of them cover the moment asked about. A moment before the build
time is answered from the database, uncached.

Use: ``practice_routing(organization_id=..., now=...)`` inside the transaction that will use it (one indexed
one-row read when cached). With no stamp row (a test database flushed by a transactional test) nothing is
cached. ``current()``/``get()`` let other apps cache rows of the same tables (e.g. practitioners by NPI).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from clinicdesk.inbox import routing
from clinicdesk.lib import stamps
from clinicdesk.lib.stamps import Memo, get

__all__ = ["Memo", "clear", "current", "get", "pinned", "practice_routing"]


_cache = stamps.StampedCache("inbox_routingstamp")
clear = _cache.clear


_pinned = threading.local()


@contextmanager
def pinned() -> Iterator[None]:
    """Inside one transaction that writes none of the stamped tables: read the stamp once for all its uses."""
    _pinned.memo = current()
    _pinned.set = True
    try:
        yield
    finally:
        _pinned.memo, _pinned.set = None, False


def current() -> Memo | None:
    """The entries valid for the routing configuration as this connection sees it now (None: do not cache)."""
    if getattr(_pinned, "set", False):
        memo: Memo | None = _pinned.memo
        return memo
    return _cache.current()


@dataclass(frozen=True)
class PracticeRouting:
    """One practice's routing inputs: the kernel's rules and context, and the rows an item points at."""

    rules: tuple[routing.Rule, ...]
    rule_ids: tuple[int, ...]  # RoutingRule pk of each kernel rule
    context: routing.Context  # spans ending after ``since``; the kernel checks each against the moment
    pool_ids: dict[str, int]  # pool key → pk
    active_users: frozenset[int]  # the practice's active logins
    since: datetime


def build(organization_id: int, now: datetime) -> PracticeRouting:
    from clinicdesk.inbox.models import Absence, OnCall, Pool, RoutingRule
    from clinicdesk.inbox.services import kernel_rule
    from clinicdesk.staff.models import Practitioner, User

    # Every rule, to number the active ones as the rules page does (inactive rules keep their place there).
    numbered = [(number, rule) for number, rule in enumerate(
        RoutingRule.objects.filter(organization_id=organization_id).order_by("order", "pk"), start=1) if rule.active]
    pool_rows = list(Pool.objects.filter(organization_id=organization_id).order_by("pk")
                     .values_list("pk", "key", "practitioner_id"))
    pools: dict[str, set[int]] = {key: set() for _, key, _ in pool_rows}
    for key, user_id in Pool.members.through.objects.filter(pool__organization_id=organization_id).values_list(
            "pool__key", "user_id"):
        pools[key].add(user_id)
    practitioner_users = dict(Practitioner.objects.filter(organization_id=organization_id, user__isnull=False)
                              .values_list("pk", "user_id"))
    teams: dict[int, str] = {}
    for _, key, practitioner_id in reversed(pool_rows):  # the newest team wins, as before
        if practitioner_id is not None:
            teams.setdefault(practitioner_id, key)
    on_call = [routing.Span(user_id=user_id, start=start, end=end, key=key) for key, user_id, start, end in
               OnCall.objects.filter(pool__organization_id=organization_id, end__gt=now)
               .order_by("start", "pk").values_list("pool__key", "user_id", "start", "end")]
    absences = [routing.Span(user_id=user_id, start=start, end=end, delegate_id=delegate_id)
                for user_id, delegate_id, start, end in
                Absence.objects.filter(user__organization_id=organization_id, end__gt=now)
                .order_by("start", "pk").values_list("user_id", "delegate_id", "start", "end")]
    active = frozenset(User.objects.filter(organization_id=organization_id, is_active=True)
                       .values_list("pk", flat=True))
    context = routing.Context(pools={k: frozenset(v) for k, v in pools.items()},
                              practitioner_users=practitioner_users, practitioner_teams=teams, on_call=on_call,
                              absences=absences)
    return PracticeRouting(rules=tuple(kernel_rule(rule, number) for number, rule in numbered),
                           rule_ids=tuple(rule.pk for _, rule in numbered),
                           context=context, pool_ids={key: pk for pk, key, _ in pool_rows}, active_users=active,
                           since=now)


def practice_routing(*, organization_id: int, now: datetime | None = None) -> PracticeRouting:
    """The practice's routing inputs valid at ``now`` (cached while the stamp stays the same)."""
    now = now or timezone.now()
    memo = current()
    found = get(memo, ("routing", organization_id), lambda: build(organization_id, min(now, timezone.now())))
    if now < found.since:  # a moment before the cached spans begin: read it as it was
        return build(organization_id, now)
    return found
