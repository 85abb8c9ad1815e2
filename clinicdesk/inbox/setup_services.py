"""Writes of the routing setup: rules (ordered), pools, absences, on-call spans. Audited, validated, atomic."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.inbox import routing
from clinicdesk.inbox.models import Absence, OnCall, Pool, RoutingRule
from clinicdesk.practice.services import structure_save
from clinicdesk.staff.models import User

RULE_FIELDS = frozenset({"category", "location", "priority", "target_kind", "target_value", "sla_minutes",
                         "escalation_kind", "escalation_value"})


def _check_target(organization_id: int, kind: str, value: str, field: str) -> dict[str, str]:
    if kind == routing.POOL and not Pool.objects.filter(organization_id=organization_id, key=value).exists():
        return {field: "Choose one of this practice's pools."}
    if kind == routing.USER and not (value.isdigit() and User.objects.filter(
            pk=int(value), organization_id=organization_id, is_active=True).exists()):
        return {field: "Choose an active person of this practice."}
    return {}


def rule_save(*, actor: Actor, rule: RoutingRule, fields: dict[str, Any]) -> RoutingRule:
    """Create (``rule.pk`` is None; it goes last) or change a rule. Pool and person targets must exist."""
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    org_id = rule.organization_id
    kind, value = fields.get("target_kind", rule.target_kind), fields.get("target_value", rule.target_value) or ""
    errors = _check_target(org_id, kind, value, "target_value")
    esc_kind, esc_value = (fields.get("escalation_kind", rule.escalation_kind) or "",
                           fields.get("escalation_value", rule.escalation_value) or "")
    if esc_kind:
        errors |= _check_target(org_id, esc_kind, esc_value, "escalation_value")
        if not fields.get("sla_minutes", rule.sla_minutes):
            errors["sla_minutes"] = "An escalation needs a time limit (minutes)."
    location = fields.get("location")
    if location is not None and location.organization_id != org_id:
        errors["location"] = "Choose one of this practice's locations."
    if kind in (routing.PRIMARY_TEAM, routing.ORDERING):
        fields["target_value"] = ""
    if errors:
        raise ValidationError(errors)
    if rule.pk is None:
        last = RoutingRule.objects.filter(organization_id=org_id).aggregate(m=Max("order"))["m"]
        rule.order = (last or 0) + 10
    return structure_save(actor=actor, instance=rule, fields=fields, organization_id=org_id)


def rule_move(*, actor: Actor, rule: RoutingRule, direction: str) -> None:
    """Swap the rule with its neighbour above ("up") or below ("down"); renumbers the list 10, 20, 30…"""
    if direction not in ("up", "down"):
        raise ValidationError("Move a rule up or down.")
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().filter(organization_id=rule.organization_id)
                     .order_by("order", "pk"))
        at = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        other = at - 1 if direction == "up" else at + 1
        if not 0 <= other < len(rules):
            return
        rules[at], rules[other] = rules[other], rules[at]
        for index, each in enumerate(rules):
            if each.order != (index + 1) * 10:
                each.order = (index + 1) * 10
                each.save(update_fields=["order"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="RoutingRule", object_id=rule.pk,
                     organization_id=rule.organization_id, detail={"moved": direction, "position": other + 1})


def rule_set_active(*, actor: Actor, rule: RoutingRule, active: bool) -> RoutingRule:
    return structure_save(actor=actor, instance=rule, fields={"active": active}, organization_id=rule.organization_id)


def pool_save(*, actor: Actor, pool: Pool, fields: dict[str, Any]) -> Pool:
    """Create or change a pool; members and the practitioner must be of the same practice."""
    org_id = pool.organization_id
    if any(m.organization_id != org_id for m in fields.get("members", [])):
        raise ValidationError({"members": "Choose people of this practice."})
    practitioner = fields.get("practitioner")
    if practitioner is not None and practitioner.organization_id != org_id:
        raise ValidationError({"practitioner": "Choose a practitioner of this practice."})
    return structure_save(actor=actor, instance=pool, fields=fields, organization_id=org_id)


def _check_span(org_id: int, start: datetime, end: datetime, people: dict[str, User | None]) -> None:
    errors = {name: "Choose a person of this practice." for name, person in people.items()
              if person is not None and person.organization_id != org_id}
    if start and end and end <= start:
        errors["end"] = "The end must be after the start."
    if errors:
        raise ValidationError(errors)


def absence_save(*, actor: Actor, absence: Absence, organization_id: int, user: User, delegate: User | None,
                 start: datetime, end: datetime) -> Absence:
    """Out of office: while it lasts, routing hands the person's new items to ``delegate``."""
    _check_span(organization_id, start, end, {"user": user, "delegate": delegate})
    if delegate is not None and delegate.pk == user.pk:
        raise ValidationError({"delegate": "Choose someone else to cover."})
    fields = {"user": user, "delegate": delegate, "start": start, "end": end}
    return structure_save(actor=actor, instance=absence, fields=fields, organization_id=organization_id)


def on_call_save(*, actor: Actor, span: OnCall, organization_id: int, pool: Pool, user: User,
                 start: datetime, end: datetime) -> OnCall:
    """While it lasts, the pool's new items go to ``user`` (the pool keeps them too)."""
    _check_span(organization_id, start, end, {"user": user})
    if pool.organization_id != organization_id:
        raise ValidationError({"pool": "Choose one of this practice's pools."})
    fields = {"pool": pool, "user": user, "start": start, "end": end}
    return structure_save(actor=actor, instance=span, fields=fields, organization_id=organization_id)


def span_end(*, actor: Actor, span: Absence | OnCall, organization_id: int, now: datetime | None = None) -> None:
    """End an absence or on-call span now (a future one is ended before it starts: it never applies)."""
    now = now or timezone.now()
    if span.end <= now:
        return
    end = max(now, span.start + timedelta(microseconds=1))
    structure_save(actor=actor, instance=span, fields={"end": end}, organization_id=organization_id)
