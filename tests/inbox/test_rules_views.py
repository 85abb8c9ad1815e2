"""The managers' routing setup: ordered rules, pools, out of office and on call, with clear form errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.inbox.models import Absence, OnCall, Pool, RoutingRule
from clinicdesk.inbox.services import item_create
from tests.conftest import actor_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing_pool(org: Any, billing: Any) -> Pool:
    pool = Pool.objects.create(organization=org, key="billing", name="Billing")
    pool.members.add(billing)
    return pool


def _local(dt: Any) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_manager_adds_a_rule_and_new_items_follow_it(manager: Any, billing_pool: Pool, org: Any,
                                                       frontdesk: Any) -> None:
    client = client_for(manager)
    response = client.post(reverse("inbox:rule_new"), {
        "category": "billing_question", "target_kind": "pool", "target_pool": "billing", "sla_minutes": "30",
        "escalation_kind": "user", "escalation_user": manager.pk})
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.target_value, rule.escalation_value, rule.order) == ("billing", str(manager.pk), 10)
    assert AuditEvent.objects.filter(object_type="RoutingRule", object_id=str(rule.pk), action="create").exists()
    item = item_create(actor=actor_for(frontdesk), organization=org, kind="task", category="billing_question",
                       title="Statement")
    assert item.assigned_pool == billing_pool
    page = client.get(reverse("inbox:rules")).content.decode()
    assert "billing_question" in page and "Pool: Billing" in page and "30 min" in page


def test_rule_form_errors_are_next_to_the_fields(manager: Any, billing_pool: Pool) -> None:
    client = client_for(manager)
    response = client.post(reverse("inbox:rule_new"), {"target_kind": "pool", "escalation_kind": "user"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the pool." in page and "Choose the person." in page
    response = client.post(reverse("inbox:rule_new"), {"target_kind": "pool", "target_pool": "nope"})
    assert "Select a valid choice" in response.content.decode()
    response = client.post(reverse("inbox:rule_new"), {"target_kind": "pool", "target_pool": "billing",
                                                       "escalation_kind": "pool", "escalation_pool": "billing"})
    assert "An escalation needs a time limit" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_rules_move_up_and_down_and_deactivate(manager: Any, org: Any, billing_pool: Pool) -> None:
    first = RoutingRule.objects.create(organization=org, order=10, category="a", target_kind="pool",
                                       target_value="billing")
    second = RoutingRule.objects.create(organization=org, order=20, category="b", target_kind="pool",
                                        target_value="billing")
    client = client_for(manager)
    client.post(reverse("inbox:rule_move", args=[second.pk, "up"]))
    assert list(RoutingRule.objects.order_by("order").values_list("category", flat=True)) == ["b", "a"]
    client.post(reverse("inbox:rule_move", args=[second.pk, "up"]))  # already first: nothing happens
    client.post(reverse("inbox:rule_move", args=[second.pk, "sideways"]))
    assert list(RoutingRule.objects.order_by("order").values_list("category", flat=True)) == ["b", "a"]
    client.post(reverse("inbox:rule_active", args=[first.pk]))
    first.refresh_from_db()
    assert not first.active
    response = client.get(reverse("inbox:rule_edit", args=[second.pk]))
    assert response.status_code == 200 and 'value="b"' in response.content.decode()


def test_pools_are_created_with_members_and_keys_are_unique(manager: Any, org: Any, frontdesk: Any,
                                                            practitioner: Any, billing_pool: Pool) -> None:
    client = client_for(manager)
    response = client.post(reverse("inbox:pool_new"), {"name": "Nurses", "key": "nurses",
                                                       "members": [frontdesk.pk], "practitioner": practitioner.pk})
    assert response.status_code == 302
    pool = Pool.objects.get(key="nurses")
    assert list(pool.members.all()) == [frontdesk] and pool.practitioner == practitioner
    response = client.post(reverse("inbox:pool_new"), {"name": "Billing 2", "key": "billing"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    response = client.post(reverse("inbox:pool_new"), {"name": "Bad", "key": "not a slug"})
    assert response.status_code == 400
    assert "Nurses" in client.get(reverse("inbox:pools")).content.decode()


def test_out_of_office_hands_items_to_the_delegate_and_ends(manager: Any, org: Any, clinician: Any,
                                                            frontdesk: Any) -> None:
    now = timezone.now()
    client = client_for(manager)
    response = client.post(reverse("inbox:absences"), {
        "user": clinician.pk, "delegate": manager.pk, "start": _local(now - timedelta(hours=1)),
        "end": _local(now + timedelta(days=2))})
    assert response.status_code == 302
    absence = Absence.objects.get()
    RoutingRule.objects.create(organization=org, order=10, category="x", target_kind="user",
                               target_value=str(clinician.pk))
    item = item_create(actor=actor_for(frontdesk), organization=org, kind="task", category="x", title="T")
    assert item.assigned_user == manager
    client.post(reverse("inbox:absence_end", args=[absence.pk]))
    absence.refresh_from_db()
    assert absence.end <= timezone.now()


def test_absence_errors_are_clear(manager: Any, clinician: Any) -> None:
    now = timezone.now()
    response = client_for(manager).post(reverse("inbox:absences"), {
        "user": clinician.pk, "delegate": clinician.pk, "start": _local(now), "end": _local(now - timedelta(hours=1))})
    page = response.content.decode()
    assert response.status_code == 400 and "The end must be after the start." in page
    response = client_for(manager).post(reverse("inbox:absences"), {
        "user": clinician.pk, "delegate": clinician.pk, "start": _local(now), "end": _local(now + timedelta(hours=1))})
    assert "Choose someone else to cover." in response.content.decode()
    response = client_for(manager).post(reverse("inbox:absences"), {"user": clinician.pk, "start": "yesterday"})
    assert response.status_code == 400 and "Enter a valid date/time." in response.content.decode()
    assert not Absence.objects.exists()


def test_on_call_roster(manager: Any, org: Any, billing_pool: Pool, clinician: Any) -> None:
    now = timezone.now()
    client = client_for(manager)
    client.post(reverse("inbox:on_call"), {"pool": billing_pool.pk, "user": clinician.pk,
                                           "start": _local(now - timedelta(minutes=5)),
                                           "end": _local(now + timedelta(hours=8))})
    span = OnCall.objects.get()
    assert clinician.display_name in client.get(reverse("inbox:on_call")).content.decode()
    response = client.get(reverse("inbox:on_call_edit", args=[span.pk]))
    assert response.status_code == 200
    client.post(reverse("inbox:on_call_end", args=[span.pk]))
    span.refresh_from_db()
    assert span.end <= timezone.now()


def test_only_managers_reach_the_setup_and_other_practices_get_404(frontdesk: Any, outsider: Any, org: Any,
                                                                    billing_pool: Pool) -> None:
    rule = RoutingRule.objects.create(organization=org, order=10, target_kind="pool", target_value="billing")
    for name in ("inbox:rules", "inbox:rule_new", "inbox:pools", "inbox:absences", "inbox:on_call"):
        assert client_for(frontdesk).get(reverse(name)).status_code == 403, name
    assert client_for(outsider).get(reverse("inbox:rule_edit", args=[rule.pk])).status_code == 404
    assert client_for(outsider).post(reverse("inbox:rule_active", args=[rule.pk])).status_code == 404
    assert client_for(outsider).get(reverse("inbox:pool_edit", args=[billing_pool.pk])).status_code == 404
