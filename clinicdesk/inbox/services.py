"""Every write to the inbox: keyword-only, atomic, audited. Routing itself is ``inbox.routing`` (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.inbox import routing, routingcache
from clinicdesk.inbox.models import (
    Absence,
    InboxComment,
    InboxItem,
    ItemStatus,
    Kind,
    OnCall,
    Pool,
    Priority,
    RoutingRule,
)
from clinicdesk.lib import rows
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location, Organization
from clinicdesk.staff.models import Practitioner, User

FALLBACK_POOL_NAME = "Front desk"


def routing_context(*, organization: Organization, now: datetime) -> routing.Context:
    """The practice's pools, practitioners' logins and teams, and the on-call and absence spans around ``now``."""
    pools: dict[str, set[int]] = {key: set() for key in
                                  Pool.objects.filter(organization=organization).values_list("key", flat=True)}
    for key, user_id in Pool.members.through.objects.filter(pool__organization=organization).values_list(
            "pool__key", "user_id"):
        pools[key].add(user_id)
    practitioner_users = dict(Practitioner.objects.filter(organization=organization, user__isnull=False)
                              .values_list("pk", "user_id"))
    teams = dict(Pool.objects.filter(organization=organization, practitioner__isnull=False)
                 .order_by("-pk").values_list("practitioner_id", "key"))
    on_call = [routing.Span(user_id=user_id, start=start, end=end, key=key) for key, user_id, start, end in
               OnCall.objects.filter(pool__organization=organization, start__lte=now, end__gt=now)
               .order_by("start", "pk").values_list("pool__key", "user_id", "start", "end")]
    absences = [routing.Span(user_id=user_id, start=start, end=end, delegate_id=delegate_id)
                for user_id, delegate_id, start, end in
                Absence.objects.filter(user__organization=organization, start__lte=now, end__gt=now)
                .order_by("start", "pk").values_list("user_id", "delegate_id", "start", "end")]
    return routing.Context(pools={k: frozenset(v) for k, v in pools.items()}, practitioner_users=practitioner_users,
                           practitioner_teams=teams, on_call=on_call, absences=absences)


def kernel_rule(rule: RoutingRule, number: int = 0) -> routing.Rule:
    escalation = routing.Target(rule.escalation_kind, rule.escalation_value) if rule.escalation_kind else None
    return routing.Rule(target=routing.Target(rule.target_kind, rule.target_value), category=rule.category,
                        location_id=rule.location_id, priority=rule.priority, sla_minutes=rule.sla_minutes,
                        escalation=escalation, active=rule.active, number=number)


def _fallback_pool(organization: Organization) -> Pool:
    pool, _ = Pool.objects.get_or_create(organization=organization, key=routing.FALLBACK_POOL,
                                         defaults={"name": FALLBACK_POOL_NAME})
    return pool


def item_create(*, actor: Actor, organization: Organization, kind: str, category: str = "", title: str,
                body: str = "", patient: Patient | None = None, priority: str = Priority.ROUTINE,
                critical: bool = False, due_at: datetime | None = None, location: Location | None = None,
                ordering_practitioner: Practitioner | None = None, source: str = "",
                now: datetime | None = None, ordering_practitioner_id: int | None = None,
                audit: list[Entry] | None = None) -> InboxItem:
    """Route the item through the practice's rules and save it.

    ``audit``: a list the caller records (``audit_record_many``, same actor, same transaction) — a batch's
    events in one append; None: the event is recorded here."""
    _check_item(organization, kind, priority, patient)  # before the transaction: bad input leaves it usable
    # No savepoint of its own when called inside a transaction: a failing insert fails the caller's block anyway.
    with transaction.atomic(savepoint=False):
        draft = item_draft(organization=organization, kind=kind, category=category, title=title, body=body,
                           patient=patient, priority=priority, critical=critical, due_at=due_at,
                           location=location, ordering_practitioner=ordering_practitioner, source=source,
                           now=now, ordering_practitioner_id=ordering_practitioner_id, created_by=actor.user)
        (item,) = items_save(actor=actor, organization=organization, drafts=[draft], audit=audit)
    return item


def _check_item(organization: Organization, kind: str, priority: str, patient: Patient | None) -> None:
    if kind not in Kind.values:
        raise ValidationError({"kind": f"unknown kind {kind!r}"})
    if priority not in Priority.values:
        raise ValidationError({"priority": f"unknown priority {priority!r}"})
    if patient is not None and patient.organization_id != organization.pk:
        raise ValidationError({"patient": "patient belongs to another practice"})


Draft = tuple[InboxItem, dict[str, Any]]
"""An item routed but not saved yet, and the detail of its audit event."""


def item_draft(*, organization: Organization, kind: str, category: str = "", title: str, body: str = "",
               patient: Patient | None = None, priority: str = Priority.ROUTINE, critical: bool = False,
               due_at: datetime | None = None, location: Location | None = None,
               ordering_practitioner: Practitioner | None = None, source: str = "", now: datetime | None = None,
               ordering_practitioner_id: int | None = None, created_by: User | None = None) -> Draft:
    """An item checked and routed (``item_create``'s first half), for ``items_save`` to write with others in one
    statement. Call inside the transaction that saves it, or just before it (the HL7 filer routes a group before
    its transaction); the fallback pool, created here the first time a practice needs it, then commits on its
    own."""
    _check_item(organization, kind, priority, patient)
    now = now or timezone.now()
    practice = routingcache.practice_routing(organization_id=organization.pk, now=now)
    decision = routing.decide(
        routing.Item(category=category, priority=priority, critical=critical, created_at=now,
                     primary_practitioner_id=patient.primary_practitioner_id if patient else None,
                     ordering_practitioner_id=(ordering_practitioner.pk if ordering_practitioner
                                               else ordering_practitioner_id),
                     location_id=location.pk if location else None),
        practice.rules, practice.context, now)
    user_id = decision.assignee_user if decision.assignee_user in practice.active_users else None
    pool_id = practice.pool_ids.get(decision.pool) if decision.pool else None
    if user_id is None and pool_id is None:
        pool_id = practice.pool_ids.get(routing.FALLBACK_POOL) or _fallback_pool(organization).pk
    item = InboxItem(
        organization=organization, kind=kind, category=category, patient=patient, location=location,
        title=title, body=body, priority=decision.priority, due_at=due_at, assigned_user_id=user_id,
        assigned_pool_id=pool_id,
        routing_rule_id=practice.rule_ids[decision.rule_index] if decision.rule_index is not None else None,
        routing_reasons=list(decision.reasons), escalate_at=decision.escalate_at, created_at=now,
        created_by=created_by, source=source)
    return item, {"kind": kind, "category": category, "assigned_user": user_id,
                  "assigned_pool": _pool_key(practice, pool_id), "reasons": list(decision.reasons)}


def items_save(*, actor: Actor, organization: Organization, drafts: list[Draft],
               audit: list[Entry] | None = None) -> list[InboxItem]:
    """Insert drafted items (one statement for all) with an audit event each; ``audit`` as in ``item_create``."""
    with transaction.atomic(savepoint=False):
        items = [item for item, _ in drafts]
        rows.insert(items)
        entries = [Entry(action=Action.CREATE, object_type="inbox.InboxItem", object_id=str(item.pk),
                         patient_id=item.patient_id, detail=detail) for item, detail in drafts]
        if audit is None:
            audit_record_many(actor=actor, entries=entries, organization_id=organization.pk)
        else:
            audit.extend(entries)
    return items


def _pool_key(practice: routingcache.PracticeRouting, pool_id: int | None) -> str | None:
    if pool_id is None:
        return None
    return next((key for key, pk in practice.pool_ids.items() if pk == pool_id), routing.FALLBACK_POOL)


def _resolve(organization: Organization, user_id: int | None, pool_key: str | None) -> tuple[User | None, Pool | None]:
    user = User.objects.filter(pk=user_id, organization=organization, is_active=True).first() if user_id else None
    pool = Pool.objects.filter(organization=organization, key=pool_key).first() if pool_key else None
    if user is None and pool is None:
        pool = _fallback_pool(organization)
    return user, pool


def _audit_change(actor: Actor, item: InboxItem, detail: dict[str, Any]) -> None:
    audit_record(actor=actor, action=Action.UPDATE, object_type="inbox.InboxItem", object_id=item.pk,
                 patient_id=item.patient_id, organization_id=item.organization_id, detail=detail)


def item_update_status(*, actor: Actor, item: InboxItem, status: str) -> InboxItem:
    if status not in ItemStatus.values:
        raise ValidationError({"status": f"unknown status {status!r}"})
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        if item.status == status:
            return item
        before, item.status = item.status, status
        item.save(update_fields=["status"])
        _audit_change(actor, item, {"status": [before, status]})
    return item


def item_comment(*, actor: Actor, item: InboxItem, text: str) -> InboxComment:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "a comment needs text"})
    with transaction.atomic():
        comment = InboxComment.objects.create(item=item, author=actor.user, text=text)
        audit_record(actor=actor, action=Action.CREATE, object_type="inbox.InboxComment", object_id=comment.pk,
                     patient_id=item.patient_id, organization_id=item.organization_id, detail={"item": item.pk})
    return comment


def item_set_patient(*, actor: Actor, item: InboxItem, patient: Patient) -> InboxItem:
    """Attach the patient the item turned out to be about (a document filed, a result matched by hand)."""
    if patient.organization_id != item.organization_id:
        raise ValidationError("the patient belongs to another practice")
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        if item.patient_id == patient.pk:
            return item
        before, item.patient = item.patient_id, patient
        item.save(update_fields=["patient"])
        _audit_change(actor, item, {"patient": [before, patient.pk]})
    return item


def item_reassign(*, actor: Actor, item: InboxItem, user: User | None = None, pool: Pool | None = None,
                  reason: str = "") -> InboxItem:
    """Hand the item to a person and/or a pool by hand (no rules, no delegation: the person chose)."""
    if user is None and pool is None:
        raise ValidationError("reassign to a user or a pool")
    if (user is not None and user.organization_id != item.organization_id) or (
            pool is not None and pool.organization_id != item.organization_id):
        raise ValidationError("assignee belongs to another practice")
    with transaction.atomic():
        item = InboxItem.objects.select_for_update().get(pk=item.pk)
        before = {"assigned_user": item.assigned_user_id, "assigned_pool": item.assigned_pool_id}
        item.assigned_user, item.assigned_pool = user, pool
        item.save(update_fields=["assigned_user", "assigned_pool"])
        _audit_change(actor, item, {"reassigned_from": before, "assigned_user": user.pk if user else None,
                                    "assigned_pool": pool.pk if pool else None, "reason": reason})
    return item


def inbox_escalate(*, now: datetime | None = None) -> int:
    """The periodic job: every item still new past its SLA goes to its escalation target and is flagged."""
    now = now or timezone.now()
    due = (InboxItem.objects.filter(status=ItemStatus.NEW, flagged_escalated=False, escalate_at__lte=now)
           .select_related("routing_rule", "organization"))
    by_org: dict[int, list[InboxItem]] = {}
    for item in due:
        by_org.setdefault(item.organization_id, []).append(item)
    actor = Actor.system(via="task")
    count = 0
    for items in by_org.values():
        organization = items[0].organization
        with transaction.atomic():
            ctx = routing_context(organization=organization, now=now)
            pending = [routing.Pending(item_id=i.pk, status=i.status, escalate_at=i.escalate_at,
                                       escalated=i.flagged_escalated, escalation=_escalation_target(i))
                       for i in items]
            entries = []
            for found in routing.escalations(pending, now, ctx):
                user_id, pool_key, reasons = routing.resolve_target(found.target, None, ctx, now)
                user, pool = _resolve(organization, user_id, pool_key)
                updated = InboxItem.objects.filter(
                    Q(pk=found.item_id), status=ItemStatus.NEW, flagged_escalated=False).update(
                    assigned_user=user, assigned_pool=pool, flagged_escalated=True)
                if not updated:  # picked up meanwhile
                    continue
                count += 1
                item = next(i for i in items if i.pk == found.item_id)
                entries.append(Entry(action=Action.UPDATE, object_type="inbox.InboxItem", object_id=str(item.pk),
                                     patient_id=item.patient_id,
                                     detail={"escalated": found.reason, "assigned_user": user.pk if user else None,
                                             "assigned_pool": pool.key if pool else None,
                                             "reasons": list(reasons)}))
            audit_record_many(actor=actor, entries=entries, organization_id=organization.pk)
    return count


def _escalation_target(item: InboxItem) -> routing.Target | None:
    rule = item.routing_rule
    if rule is None or not rule.escalation_kind:
        return None
    return routing.Target(rule.escalation_kind, rule.escalation_value)
