"""Communication: phone messages taken (phone-<id>) and messages sent to patients (message-<id>)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication as FhirCommunication

from clinicdesk.audit.models import AuditEvent
from clinicdesk.inbox.models import InboxItem
from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome

SEARCH = "/fhir/r4/Communication"
CHICAGO = ZoneInfo("America/Chicago")


def phone(org: Organization, user: User, patient: Patient | None = None, **fields: Any) -> InboxItem:
    values: dict[str, Any] = {"organization": org, "kind": "phone_message", "title": "Refill request: lisinopril",
                              "body": "Callback (217) 555-0142 after 3pm.", "patient": patient,
                              "assigned_user": user, "category": "refill"}
    return InboxItem.objects.create(**(values | fields))


def sent(org: Organization, patient: Patient, status: str = "sent", **fields: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "organization": org, "patient": patient, "channel": "email", "to_address": "chidi@example.org",
        "template": "reminder.48h", "subject": "Your visit on Tuesday", "body": "See you at 9:30.", "status": status,
        "idempotency_key": f"k-{OutboundMessage.objects.count()}",
        "sent_at": datetime(2026, 11, 20, 9, tzinfo=CHICAGO) if status in ("sent", "delivered") else None}
    return OutboundMessage.objects.create(**(values | fields))


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_a_phone_message_reads_as_a_completed_phone_communication(org: Organization, frontdesk: User,
                                                                 patient: Patient) -> None:
    it = phone(org, frontdesk, patient)
    body = ok(get(fhir_client(frontdesk), f"/Communication/phone-{it.pk}"))
    FhirCommunication.model_validate(body)
    assert (body["status"], body["subject"]["reference"]) == ("completed", f"Patient/{patient.pk}")
    assert body["medium"][0]["coding"][0]["code"] == "PHONE"
    assert body["partOf"] == [{"reference": f"Task/{it.pk}"}]
    assert [p["contentString"] for p in body["payload"]] == ["Refill request: lisinopril",
                                                             "Callback (217) 555-0142 after 3pm."]


def test_a_message_sent_to_a_patient_reads_with_its_delivery_status(org: Organization, frontdesk: User,
                                                                   patient: Patient) -> None:
    ok_message = sent(org, patient)
    failed = sent(org, patient, status="bounced", status_reason="Mailbox does not exist", channel="sms",
                  to_address="+12175550142")
    client = fhir_client(frontdesk)
    body = ok(get(client, f"/Communication/message-{ok_message.pk}"))
    FhirCommunication.model_validate(body)
    assert (body["status"], body["sent"]) == ("completed", "2026-11-20T09:00:00.000-06:00")
    assert body["recipient"] == [{"reference": f"Patient/{patient.pk}"}]
    assert body["medium"][0]["coding"][0]["code"] == "EMAILWRIT"
    bounced = ok(get(client, f"/Communication/message-{failed.pk}"))
    FhirCommunication.model_validate(bounced)
    assert (bounced["status"], bounced["statusReason"]["text"]) == ("not-done", "Mailbox does not exist")
    assert bounced["medium"][0]["text"] == "SMS"


def test_queued_messages_are_in_preparation(org: Organization, frontdesk: User, patient: Patient) -> None:
    queued = sent(org, patient, status="queued")
    body = ok(get(fhir_client(frontdesk), f"/Communication/message-{queued.pk}"))
    assert body["status"] == "preparation" and "sent" not in body


def test_search_by_patient_status_and_sent_date_over_both_sources_with_paging(org: Organization, frontdesk: User,
                                                                              patient: Patient) -> None:
    other = Patient.objects.create(organization=org, mrn="LSX1", family_name="Else", given_name="Someone",
                                   birth_date=datetime(1990, 1, 1).date())
    call = phone(org, frontdesk, patient, created_at=datetime(2026, 11, 19, 10, tzinfo=CHICAGO))
    message = sent(org, patient)
    queued = sent(org, patient, status="queued")
    sent(org, other)
    client = fhir_client(frontdesk)
    bundle = ok(client.get(SEARCH, {"patient": f"Patient/{patient.pk}"}))
    Bundle.model_validate(bundle)
    assert bundle["total"] == 3 and _ids(bundle)[0] == f"phone-{call.pk}"
    assert set(_ids(bundle)) == {f"phone-{call.pk}", f"message-{message.pk}", f"message-{queued.pk}"}
    assert _ids(ok(client.get(SEARCH, {"patient": patient.pk, "status": "preparation"}))) == [
        f"message-{queued.pk}"]
    assert _ids(ok(client.get(SEARCH, {"sent": "2026-11-19"}))) == [f"phone-{call.pk}"]
    assert ok(client.get(SEARCH, {"sent": "2026-11-20"}))["total"] == 2
    pages = [_ids(ok(client.get(SEARCH, {"_count": 2, "_offset": offset}))) for offset in (0, 2, 4)]
    assert [len(p) for p in pages] == [2, 2, 0] and len({i for p in pages for i in p}) == 4
    assert _ids(ok(client.get(SEARCH, {"_id": f"message-{message.pk}"}))) == [f"message-{message.pk}"]
    outcome(client.get(SEARCH, {"status": "delivered"}), 400)


def test_each_communication_returned_is_audited(org: Organization, frontdesk: User, patient: Patient) -> None:
    phone(org, frontdesk, patient)
    sent(org, patient)
    ok(fhir_client(frontdesk).get(SEARCH))
    kinds = set(AuditEvent.objects.filter(user_id=frontdesk.pk, action="view", via="fhir")
                .values_list("object_type", "patient_id"))
    assert kinds == {("InboxItem", patient.pk), ("OutboundMessage", patient.pk)}


def test_permissions_pick_the_sources_and_practices_stay_apart(org: Organization, billing: User, outsider: User,
                                                               frontdesk: User, patient: Patient) -> None:
    call = phone(org, frontdesk, patient)
    message = sent(org, patient)
    outcome(get(fhir_client(outsider), f"/Communication/message-{message.pk}"), 404)
    assert ok(fhir_client(outsider).get(SEARCH))["total"] == 0
    outcome(get(fhir_client(billing), f"/Communication/phone-{call.pk}"), 404)  # not routed to billing
    for bad in ("phone-x", "message-0", "42", "phone-99999999999999999999"):
        outcome(get(fhir_client(frontdesk), f"/Communication/{bad}"), 404)
    no_role = make_user(org, None)
    outcome(get(fhir_client(no_role), "/Communication"), 403)


def test_a_phone_message_names_the_caller_and_the_callback(org: Organization, frontdesk: User,
                                                          patient: Patient) -> None:
    from clinicdesk.inbox import models as inbox_models

    details = getattr(inbox_models, "PhoneMessage", None)
    if details is None:
        pytest.skip("the inbox keeps no call details yet")
    it = phone(org, frontdesk, patient)
    details.objects.create(item=it, caller_name="Ada Okafor (daughter)", callback_number="+12175550142",
                           best_time="after 3pm")
    body = ok(get(fhir_client(frontdesk), f"/Communication/phone-{it.pk}"))
    FhirCommunication.model_validate(body)
    assert body["sender"] == {"display": "Ada Okafor (daughter)"}
    assert body["payload"][-1] == {"contentString": "Call back on +12175550142 (after 3pm)"}
