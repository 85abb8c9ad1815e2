"""The per-process routing cache: used while nothing routing reads has changed, rebuilt the moment anything has."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinicdesk.inbox import routingcache
from clinicdesk.inbox.models import Absence, InboxItem, OnCall, Pool, RoutingRule, RoutingStamp
from clinicdesk.inbox.services import item_create
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pools(org: Organization, frontdesk: User, billing: User) -> dict[str, Pool]:
    RoutingStamp.objects.get_or_create(pk=1)  # a transactional test elsewhere may have flushed the migration's row
    routingcache.clear()
    front = Pool.objects.create(organization=org, key="front_desk", name="Front desk")
    bill = Pool.objects.create(organization=org, key="billing", name="Billing")
    RoutingRule.objects.create(organization=org, order=1, category="billing_question", target_kind="pool",
                               target_value="billing")
    return {"front": front, "billing": bill}


def _route(org: Organization, user: User, **values: object) -> InboxItem:
    return item_create(actor=actor_for(user), organization=org, kind="task", category="billing_question",
                       title="Statement question", **values)  # type: ignore[arg-type]


def test_the_second_item_routes_from_the_cache_with_one_stamp_read(pools: dict[str, Pool], org: Organization,
                                                                   frontdesk: User) -> None:
    assert _route(org, frontdesk).assigned_pool == pools["billing"]
    with CaptureQueriesContext(connection) as queries:
        item = _route(org, frontdesk)
    assert item.assigned_pool == pools["billing"]
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert [sql for sql in reads if "inbox_" in sql and "routingstamp" not in sql] == []
    assert any("inbox_routingstamp" in sql for sql in reads)


def test_a_rule_change_is_seen_by_the_next_item(pools: dict[str, Pool], org: Organization, frontdesk: User,
                                                billing: User) -> None:
    assert _route(org, frontdesk).assigned_pool == pools["billing"]
    before = RoutingStamp.objects.get(pk=1).value
    RoutingRule.objects.filter(organization=org).update(target_kind="user", target_value=str(billing.pk))
    assert RoutingStamp.objects.get(pk=1).value != before  # the trigger, not the service
    item = _route(org, frontdesk)
    assert (item.assigned_user, item.assigned_pool) == (billing, None)


def test_absences_on_call_and_deactivated_users_are_seen_at_once(pools: dict[str, Pool], org: Organization,
                                                                 frontdesk: User, billing: User,
                                                                 manager: User) -> None:
    now = timezone.now()
    RoutingRule.objects.filter(organization=org).update(target_kind="user", target_value=str(billing.pk))
    assert _route(org, frontdesk).assigned_user == billing
    Absence.objects.create(user=billing, delegate=manager, start=now - timedelta(hours=1),
                           end=now + timedelta(hours=1))
    assert _route(org, frontdesk).assigned_user == manager
    User.objects.filter(pk=manager.pk).update(is_active=False)
    item = _route(org, frontdesk)
    assert (item.assigned_user, item.assigned_pool) == (None, pools["front"])  # nobody left: the fallback pool

    RoutingRule.objects.filter(organization=org).update(target_kind="pool", target_value="billing")
    OnCall.objects.create(pool=pools["billing"], user=frontdesk, start=now + timedelta(hours=2),
                          end=now + timedelta(hours=3))
    assert _route(org, frontdesk).assigned_user is None  # not on call yet: a span the cache holds for later
    later = _route(org, frontdesk, now=now + timedelta(hours=2, minutes=30))
    assert (later.assigned_user, later.assigned_pool) == (frontdesk, pools["billing"])


def test_a_moment_before_the_cache_was_built_is_read_from_the_database(pools: dict[str, Pool], org: Organization,
                                                                       frontdesk: User, billing: User) -> None:
    now = timezone.now()
    RoutingRule.objects.filter(organization=org).update(target_kind="user", target_value=str(billing.pk))
    Absence.objects.create(user=billing, start=now - timedelta(days=2), end=now - timedelta(days=1))
    assert _route(org, frontdesk).assigned_user == billing  # cached now, without the past absence
    back_then = _route(org, frontdesk, now=now - timedelta(days=1, hours=12))
    assert back_then.assigned_user is None and back_then.assigned_pool == pools["front"]  # away, no delegate
