"""Inbox services and selectors against the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.inbox.models import Absence, InboxComment, InboxItem, OnCall, Pool, RoutingRule
from clinicdesk.inbox.selectors import inbox_counts, items_for_user
from clinicdesk.inbox.services import (
    inbox_escalate,
    item_comment,
    item_create,
    item_reassign,
    item_update_status,
)
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.roles import Role
from tests.conftest import actor_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org: Organization, frontdesk: User, billing: User, clinician: User, manager: User,
          practitioner: Practitioner, patient: Patient) -> dict[str, Pool]:
    practitioner.user = clinician
    practitioner.save()
    patient.primary_practitioner = practitioner
    patient.save()
    front = Pool.objects.create(organization=org, key="front_desk", name="Front desk")
    front.members.add(frontdesk)
    bill = Pool.objects.create(organization=org, key="billing", name="Billing")
    bill.members.add(billing)
    team = Pool.objects.create(organization=org, key="lindqvist_team", name="Dr. Lindqvist's nurses",
                               practitioner=practitioner)
    RoutingRule.objects.create(organization=org, order=10, category="billing_question", target_kind="pool",
                               target_value="billing", sla_minutes=60, escalation_kind="user",
                               escalation_value=str(manager.pk))
    RoutingRule.objects.create(organization=org, order=20, category="refill_request",
                               target_kind="primary_practitioner_team", sla_minutes=240)
    RoutingRule.objects.create(organization=org, order=30, category="results", target_kind="ordering_practitioner")
    return {"front": front, "billing": bill, "team": team}


def test_create_routes_by_category_and_audits(setup: dict[str, Pool], frontdesk: User, billing: User,
                                              org: Organization, patient: Patient) -> None:
    item = item_create(actor=actor_for(frontdesk), organization=org, kind="phone_message",
                       category="billing_question", title="Question about statement", patient=patient)
    assert (item.assigned_pool, item.assigned_user, item.status) == (setup["billing"], None, "new")
    assert item.escalate_at == item.created_at + timedelta(minutes=60)
    assert item.routing_rule is not None and item.routing_rule.order == 10
    event = AuditEvent.objects.filter(object_type="inbox.InboxItem", object_id=str(item.pk)).get()
    assert (event.action, event.patient_id) == ("create", patient.pk)
    assert list(items_for_user(billing)) == [item]
    assert list(items_for_user(frontdesk)) == []


def test_refill_to_team_results_to_ordering_practitioner(setup: dict[str, Pool], frontdesk: User, clinician: User,
                                                        org: Organization, patient: Patient,
                                                        practitioner: Practitioner) -> None:
    refill = item_create(actor=actor_for(frontdesk), organization=org, kind="task", category="refill_request",
                         title="Refill lisinopril", patient=patient)
    assert refill.assigned_pool == setup["team"]
    result = item_create(actor=Actor.system(via="hl7"), organization=org, kind="lab_result", category="results",
                         title="Potassium 6.8", patient=patient, ordering_practitioner=practitioner, critical=True,
                         source="labs.ResultMatch:12")
    assert (result.assigned_user, result.assigned_pool, result.priority) == (clinician, None, "urgent")
    assert list(items_for_user(clinician)) == [result]


def test_fallback_pool_created_when_missing(org: Organization, frontdesk: User) -> None:
    item = item_create(actor=actor_for(frontdesk), organization=org, kind="alert", title="Fax line down")
    assert item.assigned_pool is not None and item.assigned_pool.key == "front_desk"
    assert item.routing_rule is None and item.escalate_at is None


def test_delegation_and_on_call_applied(setup: dict[str, Pool], org: Organization, frontdesk: User,
                                        clinician: User, manager: User, patient: Patient,
                                        practitioner: Practitioner) -> None:
    now = timezone.now()
    nurse = make_user(org, Role.CLINICIAN)
    Absence.objects.create(user=clinician, delegate=nurse, start=now - timedelta(hours=1),
                           end=now + timedelta(days=1))
    result = item_create(actor=actor_for(frontdesk), organization=org, kind="lab_result", category="results",
                         title="CBC", patient=patient, ordering_practitioner=practitioner, now=now)
    assert result.assigned_user == nurse
    assert any("delegated" in reason for reason in result.routing_reasons)

    OnCall.objects.create(pool=setup["team"], user=manager, start=now - timedelta(hours=1),
                          end=now + timedelta(hours=1))
    refill = item_create(actor=actor_for(frontdesk), organization=org, kind="task", category="refill_request",
                         title="Refill", patient=patient, now=now)
    assert (refill.assigned_user, refill.assigned_pool) == (manager, setup["team"])


def test_escalation_reroutes_and_flags(setup: dict[str, Pool], org: Organization, frontdesk: User,
                                       manager: User, patient: Patient) -> None:
    start = timezone.now() - timedelta(hours=2)
    late = item_create(actor=actor_for(frontdesk), organization=org, kind="phone_message",
                       category="billing_question", title="Billing?", patient=patient, now=start)
    taken = item_create(actor=actor_for(frontdesk), organization=org, kind="phone_message",
                        category="billing_question", title="Billing too?", now=start)
    item_update_status(actor=actor_for(frontdesk), item=taken, status="in_progress")
    refill = item_create(actor=actor_for(frontdesk), organization=org, kind="task", category="refill_request",
                         title="Refill", patient=patient, now=start)

    assert inbox_escalate() == 1
    late.refresh_from_db()
    assert (late.assigned_user, late.assigned_pool, late.flagged_escalated) == (manager, None, True)
    taken.refresh_from_db()
    refill.refresh_from_db()
    assert not taken.flagged_escalated and not refill.flagged_escalated
    assert AuditEvent.objects.filter(object_id=str(late.pk), action="update", via="task").exists()
    assert inbox_escalate() == 0  # flagged once only
    assert inbox_counts(manager)["escalated"] == 1

    assert inbox_escalate(now=timezone.now() + timedelta(hours=3)) == 1  # the refill's 4 h SLA, to the fallback
    refill.refresh_from_db()
    assert (refill.assigned_pool, refill.flagged_escalated) == (setup["front"], True)


def test_counts_status_comment_reassign(setup: dict[str, Pool], org: Organization, frontdesk: User,
                                        billing: User, patient: Patient) -> None:
    actor = actor_for(frontdesk)
    first = item_create(actor=actor, organization=org, kind="phone_message", title="Call back", patient=patient)
    item_create(actor=actor, organization=org, kind="task", title="Scan", priority="urgent")
    assert inbox_counts(frontdesk) == {"total": 2, "new": 2, "in_progress": 0, "waiting": 0, "mine": 0,
                                       "urgent": 1, "escalated": 0}
    item_update_status(actor=actor, item=first, status="waiting")
    comment = item_comment(actor=actor, item=first, text="  Left voicemail ")
    assert InboxComment.objects.get(pk=comment.pk).text == "Left voicemail"
    item_reassign(actor=actor, item=first, user=billing, reason="billing question after all")
    first.refresh_from_db()
    assert (first.assigned_user, first.assigned_pool, first.status) == (billing, None, "waiting")
    assert inbox_counts(frontdesk)["total"] == 1
    assert inbox_counts(billing)["mine"] == 1
    item_update_status(actor=actor, item=first, status="done")
    assert inbox_counts(billing)["total"] == 0
    assert list(items_for_user(billing, include_done=True)) == [first]
    assert AuditEvent.objects.filter(object_type="inbox.InboxItem", object_id=str(first.pk)).count() == 4


def test_refuses_bad_input(setup: dict[str, Pool], org: Organization, frontdesk: User, outsider: User,
                           other_org: Organization) -> None:
    actor = actor_for(frontdesk)
    with pytest.raises(ValidationError):
        item_create(actor=actor, organization=org, kind="pigeon", title="?")
    item = item_create(actor=actor, organization=org, kind="task", title="t")
    with pytest.raises(ValidationError):
        item_update_status(actor=actor, item=item, status="lost")
    with pytest.raises(ValidationError):
        item_comment(actor=actor, item=item, text="   ")
    with pytest.raises(ValidationError):
        item_reassign(actor=actor, item=item, user=outsider)
    assert list(items_for_user(outsider)) == []
    assert InboxItem.objects.filter(organization=other_org).count() == 0


def test_routing_reasons_number_rules_as_the_rules_page_does_inactive_ones_included(
        setup: dict[str, Pool], org: Organization, frontdesk: User, patient: Patient) -> None:
    """The rules page lists inactive rules in their place; "rule 2" in an item's reasons is the second row there."""
    RoutingRule.objects.filter(organization=org, order=10).update(active=False)
    item = item_create(actor=actor_for(frontdesk), organization=org, kind="phone_message",
                       category="refill_request", title="Refill", patient=patient)
    assert item.routing_rule is not None and item.routing_rule.order == 20
    assert (item.assigned_pool, item.assigned_user) == (setup["team"], None)
    assert any(reason.startswith("rule 2 ") for reason in item.routing_reasons), item.routing_reasons
    assert not any(reason.startswith("rule 1 ") for reason in item.routing_reasons)
