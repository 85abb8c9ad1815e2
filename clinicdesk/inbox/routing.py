"""Who gets an inbox item: a pure kernel (stdlib only), tested without a database.

``decide`` walks the practice's ordered rules; the first rule that matches the item *and* resolves to someone
wins. A target is a pool key, a user, the patient's primary practitioner's team, or the ordering practitioner.
A pool with someone on call right now goes to that person (the pool keeps the item too); a user who is absent
is replaced by their delegate, following chains with a cycle guard. A rule whose target cannot be resolved
(unknown pool, no ordering practitioner, everyone in the delegation chain away) is skipped, and when no rule
is left the item goes to the fallback pool (the front desk), so nothing is ever orphaned.

``escalations`` lists the items still new after their SLA: each goes to its rule's escalation target (or the
fallback pool) and is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

POOL = "pool"
USER = "user"
PRIMARY_TEAM = "primary_practitioner_team"
ORDERING = "ordering_practitioner"
TARGET_KINDS = (POOL, USER, PRIMARY_TEAM, ORDERING)

FALLBACK_POOL = "front_desk"
PRIORITIES = ("routine", "urgent", "critical")
MAX_DELEGATION_DEPTH = 20


@dataclass(frozen=True)
class Target:
    kind: str
    value: str = ""  # the pool key for POOL, the user id for USER; empty for the practitioner-relative kinds


@dataclass(frozen=True)
class Item:
    """What routing looks at."""

    category: str
    priority: str = "routine"
    primary_practitioner_id: int | None = None
    ordering_practitioner_id: int | None = None
    location_id: int | None = None
    created_at: datetime | None = None
    critical: bool = False  # e.g. a lab result with a critical (panic) flag


@dataclass(frozen=True)
class Rule:
    """Matches when every criterion that is set equals the item's ("" / None match anything)."""

    target: Target
    category: str = ""
    location_id: int | None = None
    priority: str = ""
    sla_minutes: int | None = None
    escalation: Target | None = None
    active: bool = True
    number: int = 0  # its place on the practice's rules page (inactive rules count there); 0: its place here


@dataclass(frozen=True)
class Span:
    """``user_id`` holds ``key`` (a pool, for on-call) or hands over to ``delegate_id`` (an absence) in [start, end)."""

    user_id: int
    start: datetime
    end: datetime
    key: str = ""
    delegate_id: int | None = None

    def covers(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass(frozen=True)
class Context:
    pools: Mapping[str, frozenset[int]] = field(default_factory=dict)  # pool key → member user ids
    practitioner_users: Mapping[int, int] = field(default_factory=dict)  # practitioner id → their login
    practitioner_teams: Mapping[int, str] = field(default_factory=dict)  # practitioner id → their team pool key
    on_call: Sequence[Span] = ()  # key = pool
    absences: Sequence[Span] = ()  # delegate_id may be None: away, nobody covers
    fallback_pool: str = FALLBACK_POOL


@dataclass(frozen=True)
class Decision:
    assignee_user: int | None
    pool: str | None
    rule_index: int | None  # None: the fallback
    reasons: tuple[str, ...]
    priority: str = "routine"
    escalate_at: datetime | None = None


@dataclass(frozen=True)
class Pending:
    """An item waiting to be picked up, as escalation sees it."""

    item_id: int
    status: str
    escalate_at: datetime | None
    escalation: Target | None = None
    escalated: bool = False


@dataclass(frozen=True)
class Escalation:
    item_id: int
    target: Target
    reason: str


def effective_priority(item: Item) -> str:
    """A critical flag makes the item at least urgent."""
    priority = item.priority if item.priority in PRIORITIES else "routine"
    if item.critical and PRIORITIES.index(priority) < PRIORITIES.index("urgent"):
        return "urgent"
    return priority


def resolve_delegate(user_id: int, ctx: Context, now: datetime) -> tuple[int | None, tuple[str, ...]]:
    """Follow absences from ``user_id`` to someone present; None when the chain ends in nobody or loops."""
    seen = [user_id]
    reasons: list[str] = []
    current = user_id
    while True:
        absence = next((a for a in ctx.absences if a.user_id == current and a.covers(now)), None)
        if absence is None:
            return current, tuple(reasons)
        if absence.delegate_id is None:
            reasons.append(f"user {current} is away with no delegate")
            return None, tuple(reasons)
        if absence.delegate_id in seen or len(seen) > MAX_DELEGATION_DEPTH:
            reasons.append("delegation cycle: " + " → ".join(str(u) for u in [*seen, absence.delegate_id]))
            return None, tuple(reasons)
        reasons.append(f"user {current} is away; delegated to user {absence.delegate_id}")
        current = absence.delegate_id
        seen.append(current)


def resolve_target(target: Target, item: Item | None, ctx: Context,
                   now: datetime) -> tuple[int | None, str | None, tuple[str, ...]]:
    """(user, pool, reasons); (None, None, reasons) when the target resolves to nobody."""
    if target.kind == PRIMARY_TEAM:
        practitioner = item.primary_practitioner_id if item else None
        if practitioner is None:
            return None, None, ("no primary practitioner",)
        team = ctx.practitioner_teams.get(practitioner)
        if team is not None:
            return resolve_target(Target(POOL, team), item, ctx, now)
        user = ctx.practitioner_users.get(practitioner)
        if user is None:
            return None, None, (f"practitioner {practitioner} has no team and no login",)
        return resolve_target(Target(USER, str(user)), item, ctx, now)
    if target.kind == ORDERING:
        practitioner = item.ordering_practitioner_id if item else None
        if practitioner is None:
            return None, None, ("no ordering practitioner",)
        user = ctx.practitioner_users.get(practitioner)
        if user is None:
            return None, None, (f"ordering practitioner {practitioner} has no login",)
        return resolve_target(Target(USER, str(user)), item, ctx, now)
    if target.kind == POOL:
        if target.value not in ctx.pools:
            return None, None, (f"unknown pool {target.value!r}",)
        on_call = next((s for s in ctx.on_call if s.key == target.value and s.covers(now)), None)
        if on_call is None:
            return None, target.value, (f"pool {target.value}",)
        user, reasons = resolve_delegate(on_call.user_id, ctx, now)
        found = (f"pool {target.value}, on call: user {on_call.user_id}", *reasons)
        return user, target.value, found  # an unreachable on-call person leaves it with the pool
    if target.kind == USER:
        try:
            wanted = int(target.value)
        except ValueError:
            return None, None, (f"bad user target {target.value!r}",)
        user, reasons = resolve_delegate(wanted, ctx, now)
        return user, None, (f"user {wanted}", *reasons)
    return None, None, (f"unknown target kind {target.kind!r}",)


def matches(rule: Rule, item: Item, priority: str) -> bool:
    return (rule.active
            and (not rule.category or rule.category == item.category)
            and (rule.location_id is None or rule.location_id == item.location_id)
            and (not rule.priority or rule.priority == priority))


def decide(item: Item, rules: Sequence[Rule], ctx: Context, now: datetime) -> Decision:
    priority = effective_priority(item)
    reasons: list[str] = []
    if priority != item.priority:
        reasons.append(f"critical flag: priority {item.priority} → {priority}")
    start = item.created_at or now
    for index, rule in enumerate(rules):
        if not matches(rule, item, priority):
            continue
        user, pool, found = resolve_target(rule.target, item, ctx, now)
        number = rule.number or index + 1  # as on the rules page
        if user is None and pool is None:
            reasons.append(f"rule {number} matched but skipped: " + "; ".join(found))
            continue
        reasons.append(f"rule {number} ({rule.target.kind})")
        reasons.extend(found)
        escalate_at = start + timedelta(minutes=rule.sla_minutes) if rule.sla_minutes else None
        return Decision(user, pool, index, tuple(reasons), priority, escalate_at)
    reasons.append(f"no rule applied: fallback pool {ctx.fallback_pool}")
    return Decision(None, ctx.fallback_pool, None, tuple(reasons), priority, None)


def escalations(items: Iterable[Pending], now: datetime, ctx: Context | None = None) -> list[Escalation]:
    """Items still new at or after their deadline, not yet escalated, with where each goes now."""
    fallback = Target(POOL, ctx.fallback_pool if ctx else FALLBACK_POOL)
    found = []
    for item in items:
        if item.status != "new" or item.escalated or item.escalate_at is None or now < item.escalate_at:
            continue
        target = item.escalation or fallback
        if ctx is not None:
            user, pool, _ = resolve_target(target, None, ctx, now)
            if user is None and pool is None:
                target = fallback
        late = int((now - item.escalate_at).total_seconds() // 60)
        found.append(Escalation(item.item_id, target,
                                f"not picked up within SLA (due {item.escalate_at.isoformat()}, {late} min late)"))
    return found
