"""The demo practice starts with the standard pools, sensible routing rules and a few open items."""

from __future__ import annotations

from typing import Any

import pytest

from clinicdesk.demo.generate import generate_demo
from clinicdesk.inbox.models import InboxItem, Pool, RoutingRule

pytestmark = pytest.mark.django_db


def test_the_demo_has_pools_rules_and_routed_phone_messages(db: Any) -> None:
    demo = generate_demo(seed=1, patients=30, appointments=0)
    org = demo.organization
    keys = set(Pool.objects.filter(organization=org).values_list("key", flat=True))
    assert {"front_desk", "billing", "nurses"} <= keys
    assert Pool.objects.filter(organization=org, practitioner__isnull=False).count() == 8  # one team each
    assert RoutingRule.objects.filter(organization=org, category="billing_question", target_value="billing").exists()
    items = list(InboxItem.objects.filter(organization=org))
    assert len(items) == 6 and all(i.assigned_pool_id or i.assigned_user_id for i in items)
    billing = next(i for i in items if i.category == "billing_question")
    assert billing.assigned_pool is not None and billing.assigned_pool.key == "billing"
    refill = next(i for i in items if i.category == "refill_request")
    assert refill.assigned_pool is not None and refill.assigned_pool.key in keys - {"front_desk", "billing"}
