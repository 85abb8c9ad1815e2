"""Task: work-inbox items the caller may open, read and searched by patient, status, owner, date and kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.task import Task as FhirTask

from clinicdesk.audit.models import AuditEvent
from clinicdesk.inbox.models import InboxComment, InboxItem, Pool
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome

SEARCH = "/fhir/r4/Task"
CHICAGO = ZoneInfo("America/Chicago")


def item(org: Organization, **fields: Any) -> InboxItem:
    values: dict[str, Any] = {"organization": org, "kind": "task", "title": "Call back about the referral"}
    return InboxItem.objects.create(**(values | fields))


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _see_all(user: User) -> User:
    """Give ``user`` inbox.view_all_inboxitem (the permission the inbox app declares for managers)."""
    perm, _ = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(InboxItem), codename="view_all_inboxitem",
        defaults={"name": "Can see every item of the practice, in every pool"})
    user.user_permissions.add(perm)
    return User.objects.get(pk=user.pk)


def test_an_item_reads_as_a_valid_r4_task(org: Organization, frontdesk: User, patient: Patient,
                                          practitioner: Practitioner) -> None:
    Practitioner.objects.filter(pk=practitioner.pk).update(user=frontdesk)
    due = datetime(2026, 12, 1, 17, 0, tzinfo=CHICAGO)
    it = item(org, patient=patient, assigned_user=frontdesk, priority="critical", status="waiting", due_at=due,
              body="Patient asks for a call before noon.", flagged_escalated=True, source="labs.ResultMatch:3")
    InboxComment.objects.create(item=it, author=frontdesk, text="Left a voicemail.")
    body = ok(get(fhir_client(frontdesk), f"/Task/{it.pk}"))
    FhirTask.model_validate(body)
    assert (body["status"], body["intent"], body["priority"]) == ("on-hold", "order", "stat")
    assert body["code"]["coding"][0] == {"system": "urn:clinicdesk:inbox-kind", "code": "task", "display": "Task"}
    assert body["for"] == {"reference": f"Patient/{patient.pk}"}
    assert body["owner"]["reference"] == f"Practitioner/{practitioner.pk}"
    assert body["restriction"]["period"]["end"] == "2026-12-01T17:00:00.000-06:00"
    assert [n["text"] for n in body["note"]] == ["Patient asks for a call before noon.", "Left a voicemail."]
    assert body["businessStatus"]["coding"][0]["code"] == "escalated"


def test_statuses_map_to_fhir_task_statuses(org: Organization, frontdesk: User) -> None:
    client = fhir_client(frontdesk)
    expected = {"new": "requested", "in_progress": "in-progress", "waiting": "on-hold", "done": "completed"}
    made = {status: item(org, status=status, assigned_user=frontdesk) for status in expected}
    for status, fhir_status in expected.items():
        assert ok(get(client, f"/Task/{made[status].pk}"))["status"] == fhir_status
        assert _ids(ok(client.get(SEARCH, {"status": fhir_status}))) == [str(made[status].pk)]
    outcome(client.get(SEARCH, {"status": "finished"}), 400)


def test_search_by_patient_owner_date_and_kind(org: Organization, frontdesk: User, patient: Patient) -> None:
    pool = Pool.objects.create(organization=org, key="nurses", name="Nurses")
    pool.members.add(frontdesk)
    mine = item(org, patient=patient, assigned_user=frontdesk, kind="phone_message")
    pooled = item(org, assigned_pool=pool, kind="lab_result")
    old = item(org, assigned_user=frontdesk, created_at=datetime(2025, 1, 5, 12, tzinfo=CHICAGO))
    client = fhir_client(frontdesk)
    bundle = ok(client.get(SEARCH))
    Bundle.model_validate(bundle)
    assert bundle["total"] == 3
    assert _ids(ok(client.get(SEARCH, {"patient": f"Patient/{patient.pk}"}))) == [str(mine.pk)]
    assert _ids(ok(client.get(SEARCH, {"owner": "urn:clinicdesk:inbox-pool|nurses"}))) == [str(pooled.pk)]
    assert set(_ids(ok(client.get(SEARCH, {"owner": f"urn:clinicdesk:user|{frontdesk.pk}"})))) == {
        str(mine.pk), str(old.pk)}
    assert _ids(ok(client.get(SEARCH, {"code": "lab_result"}))) == [str(pooled.pk)]
    assert _ids(ok(client.get(SEARCH, {"authored-on": "2025-01-05"}))) == [str(old.pk)]
    assert _ids(ok(client.get(SEARCH, {"date": "lt2025-02"}))) == [str(old.pk)]
    outcome(client.get(SEARCH, {"code": "pizza"}), 400)


def test_only_items_the_caller_may_open_are_served(org: Organization, frontdesk: User, manager: User) -> None:
    others = item(org, assigned_user=manager)
    own = item(org, assigned_user=frontdesk)
    client = fhir_client(frontdesk)
    assert _ids(ok(client.get(SEARCH))) == [str(own.pk)]
    outcome(get(client, f"/Task/{others.pk}"), 404)
    boss = fhir_client(_see_all(manager))
    assert set(_ids(ok(boss.get(SEARCH)))) == {str(own.pk), str(others.pk)}


def test_reads_are_audited_and_other_practices_see_nothing(org: Organization, frontdesk: User, outsider: User,
                                                          patient: Patient) -> None:
    it = item(org, patient=patient, assigned_user=frontdesk)
    ok(get(fhir_client(frontdesk), f"/Task/{it.pk}"))
    event = AuditEvent.objects.get(user_id=frontdesk.pk, object_type="InboxItem")
    assert (event.patient_id, event.via) == (patient.pk, "fhir")
    outsider = _see_all(outsider)
    outcome(get(fhir_client(outsider), f"/Task/{it.pk}"), 404)
    assert ok(fhir_client(outsider).get(SEARCH))["total"] == 0


def test_a_user_without_inbox_permission_is_refused(org: Organization) -> None:
    nobody = make_user(org, None)
    nobody.user_permissions.add(Permission.objects.get(codename="use_api"))
    outcome(get(fhir_client(User.objects.get(pk=nobody.pk)), "/Task"), 403)


def test_items_created_moments_ago_are_found_by_today(org: Organization, frontdesk: User) -> None:
    it = item(org, assigned_user=frontdesk)
    today = (it.created_at.astimezone(CHICAGO)).date().isoformat()
    assert _ids(ok(fhir_client(frontdesk).get(SEARCH, {"authored-on": today}))) == [str(it.pk)]
    tomorrow = (it.created_at.astimezone(CHICAGO) + timedelta(days=1)).date().isoformat()
    assert ok(fhir_client(frontdesk).get(SEARCH, {"authored-on": f"ge{tomorrow}"}))["total"] == 0
