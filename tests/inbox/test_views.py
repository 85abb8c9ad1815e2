"""The inbox lists and the item page through HTTP: views, counts, filters, status, comments, reassign, bulk."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.inbox.models import InboxComment, InboxItem, Pool
from clinicdesk.inbox.services import item_create
from clinicdesk.inbox.sources import register_source, unregister_source
from tests.conftest import actor_for, client_for, make_patient
from tests.inbox.inbox_fixtures import standard_pools

pytestmark = pytest.mark.django_db


@pytest.fixture
def pools(org: Any, frontdesk: Any, billing: Any, clinician: Any, practitioner: Any, patient: Any) -> dict[str, Pool]:
    return standard_pools(org, frontdesk=frontdesk, billing=billing, clinician=clinician,
                          practitioner=practitioner, patient=patient)


def _item(actor_user: Any, org: Any, **kwargs: Any) -> InboxItem:
    values = {"kind": "phone_message", "category": "appointment", "title": "Wants to move Tuesday"}
    values.update(kwargs)
    return item_create(actor=actor_for(actor_user), organization=org, **values)


def test_my_inbox_lists_my_pools_items_with_counts_and_the_nav_badge(pools: Any, frontdesk: Any, org: Any,
                                                                     patient: Any) -> None:
    _item(frontdesk, org, patient=patient)
    _item(frontdesk, org, title="Statement question", category="billing_question")
    page = client_for(frontdesk).get(reverse("inbox:mine")).content.decode()
    assert "Wants to move Tuesday" in page and "Statement question" not in page
    assert 'Mine <span class="badge">1</span>' in page
    assert 'id="inbox-count"' in page and "1<span class=\"visually-hidden\"> open items" in page
    assert "All open" not in page  # front desk is not a manager
    assert AuditEvent.objects.filter(action="search_hit", patient_id=patient.pk, user_id=frontdesk.pk).exists()


def test_a_pool_view_shows_only_that_pool_and_members_only(pools: Any, frontdesk: Any, billing: Any,
                                                           org: Any) -> None:
    _item(frontdesk, org, title="Statement question", category="billing_question")
    assert "Statement question" in client_for(billing).get(reverse("inbox:pool", args=["billing"])).content.decode()
    assert client_for(frontdesk).get(reverse("inbox:pool", args=["billing"])).status_code == 404


def test_managers_see_all_open_items_and_every_pool(pools: Any, frontdesk: Any, manager: Any, org: Any) -> None:
    _item(frontdesk, org, title="Statement question", category="billing_question")
    _item(frontdesk, org)
    client = client_for(manager)
    page = client.get(reverse("inbox:all")).content.decode()
    assert "Statement question" in page and "Wants to move Tuesday" in page
    assert client.get(reverse("inbox:pool", args=["billing"])).status_code == 200
    assert client_for(frontdesk).get(reverse("inbox:all")).status_code == 403


def test_filters_by_kind_priority_status_and_patient(pools: Any, frontdesk: Any, org: Any, patient: Any) -> None:
    _item(frontdesk, org, patient=patient, title="Okafor call")
    _item(frontdesk, org, title="Urgent task", kind="task", priority="urgent")
    done = _item(frontdesk, org, title="Old call")
    done.status = "done"
    done.save()
    client = client_for(frontdesk)
    url = reverse("inbox:mine")

    def titles(**query: str) -> set[str]:
        page = client.get(url, query).content.decode()
        return {t for t in ("Okafor call", "Urgent task", "Old call") if t in page}

    assert titles() == {"Okafor call", "Urgent task"}
    assert titles(kind="task") == {"Urgent task"}
    assert titles(priority="urgent") == {"Urgent task"}
    assert titles(status="done") == {"Old call"}
    assert titles(status="any") == {"Okafor call", "Urgent task", "Old call"}
    assert titles(patient="okaf") == {"Okafor call"}
    assert client.get(url, {"kind": "nonsense"}).status_code == 200  # bad filter: ignored, never a 500


def test_urgent_critical_and_escalated_items_are_flagged_and_come_first(pools: Any, frontdesk: Any,
                                                                        org: Any) -> None:
    _item(frontdesk, org, title="Routine call")
    escalated = _item(frontdesk, org, title="Late call")
    InboxItem.objects.filter(pk=escalated.pk).update(flagged_escalated=True)
    _item(frontdesk, org, title="Chest pain call", priority="critical")
    page = client_for(frontdesk).get(reverse("inbox:mine")).content.decode()
    assert page.index("Chest pain call") < page.index("Late call") < page.index("Routine call")
    assert "‼ Critical" in page and "⚑ Escalated" in page and "row-critical" in page


def test_the_item_page_shows_body_patient_reasons_and_is_audited(pools: Any, frontdesk: Any, org: Any,
                                                                 patient: Any) -> None:
    item = _item(frontdesk, org, patient=patient, body="Needs a later time, after 3 pm")
    page = client_for(frontdesk).get(reverse("inbox:detail", args=[item.pk])).content.decode()
    assert "Needs a later time, after 3 pm" in page
    assert reverse("patients:chart", args=[patient.pk]) in page
    assert "rule 3 (pool)" in page  # the routing reasons
    assert AuditEvent.objects.filter(action="view", object_type="inbox.InboxItem", object_id=str(item.pk),
                                     patient_id=patient.pk).exists()


def test_status_changes_comments_and_reassignment(pools: Any, frontdesk: Any, billing: Any, org: Any) -> None:
    item = _item(frontdesk, org)
    client = client_for(frontdesk)
    response = client.post(reverse("inbox:status", args=[item.pk]), {"status": "in_progress"}, follow=True)
    assert "is now in progress" in response.content.decode()
    assert client.post(reverse("inbox:status", args=[item.pk]), {"status": "bogus"}).status_code == 302
    client.post(reverse("inbox:comment", args=[item.pk]), {"text": "Left a voicemail"})
    assert InboxComment.objects.get(item=item).text == "Left a voicemail"
    assert "This field is required" in client.post(reverse("inbox:comment", args=[item.pk]),
                                                   {"text": ""}).content.decode()
    response = client.post(reverse("inbox:reassign", args=[item.pk]), {"user": "", "pool": ""})
    assert response.status_code == 400 and "Choose a person or a pool." in response.content.decode()
    response = client.post(reverse("inbox:reassign", args=[item.pk]), {"pool": pools["billing"].pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.assigned_pool, item.assigned_user) == ("in_progress", pools["billing"], None)
    # frontdesk created it, so can still open it; billing sees it in their pool
    assert "Wants to move Tuesday" in client_for(billing).get(reverse("inbox:mine")).content.decode()


def test_bulk_actions_set_status_and_assign(pools: Any, frontdesk: Any, clinician: Any, org: Any) -> None:
    first, second = _item(frontdesk, org), _item(frontdesk, org, title="Second")
    client = client_for(frontdesk)
    client.post(reverse("inbox:bulk"), {"items": [first.pk, second.pk], "action": "status", "status": "done"})
    assert set(InboxItem.objects.values_list("status", flat=True)) == {"done"}
    response = client.post(reverse("inbox:bulk"), {"items": [first.pk], "action": "assign", "user": clinician.pk,
                                                   "next": "/inbox/"}, follow=True)
    assert "Assigned 1 item to" in response.content.decode()
    first.refresh_from_db()
    assert first.assigned_user == clinician
    response = client.post(reverse("inbox:bulk"), {"action": "status", "status": "done"}, follow=True)
    assert "Tick at least one item first" in response.content.decode()


def test_bulk_ignores_items_the_user_cannot_see(pools: Any, frontdesk: Any, billing: Any, org: Any) -> None:
    front_item = item_create(actor=Actor.system(), organization=org, kind="task", category="appointment",
                             title="Front desk only")
    billing_item = item_create(actor=Actor.system(), organization=org, kind="task", category="billing_question",
                               title="Billing only")
    client_for(billing).post(reverse("inbox:bulk"), {"items": [front_item.pk, billing_item.pk],
                                                     "action": "status", "status": "waiting"})
    front_item.refresh_from_db()
    billing_item.refresh_from_db()
    assert (front_item.status, billing_item.status) == ("new", "waiting")


def test_other_practices_and_other_pools_get_404(pools: Any, frontdesk: Any, billing: Any, outsider: Any,
                                                 org: Any) -> None:
    item = _item(billing, org, title="Statement question", category="billing_question")
    assert client_for(outsider).get(reverse("inbox:detail", args=[item.pk])).status_code == 404
    assert client_for(frontdesk).get(reverse("inbox:detail", args=[item.pk])).status_code == 404
    assert client_for(frontdesk).post(reverse("inbox:status", args=[item.pk]),
                                      {"status": "done"}).status_code == 404


def test_the_source_link_comes_from_the_registry(pools: Any, frontdesk: Any, org: Any) -> None:
    item = _item(frontdesk, org, source="labs.ResultMatch:12")
    register_source("labs.ResultMatch", lambda pk: f"/somewhere/{pk}/")
    try:
        page = client_for(frontdesk).get(reverse("inbox:detail", args=[item.pk])).content.decode()
        assert 'href="/somewhere/12/"' in page
        register_source("labs.ResultMatch", lambda pk: 1 / 0)  # type: ignore[arg-type, return-value]
        page = client_for(frontdesk).get(reverse("inbox:detail", args=[item.pk])).content.decode()
        assert "labs.ResultMatch:12" in page and "/somewhere/" not in page
    finally:
        unregister_source("labs.ResultMatch")


def test_the_count_fragment_and_roles_without_inbox_access(pools: Any, frontdesk: Any, org: Any,
                                                           no_role_user: Any) -> None:
    _item(frontdesk, org)
    response = client_for(frontdesk).get(reverse("inbox:count"), HTTP_HX_REQUEST="true")
    assert response.content.decode().startswith('<span class="badge badge-accent">1')
    assert client_for(no_role_user).get(reverse("inbox:mine")).status_code == 403


def test_patients_of_other_practices_are_not_listed(pools: Any, frontdesk: Any, org: Any, other_org: Any) -> None:
    stranger = make_patient(other_org, family_name="Elsewhere")
    with pytest.raises(Exception):  # noqa: B017 — the service refuses outright
        _item(frontdesk, org, patient=stranger)
