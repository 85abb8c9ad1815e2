"""POST /hl7/batch: a batch over HTTP with an API token, answered with the batch ACK."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.labs import batch as batch_module
from clinicdesk.labs.models import InboundMessage
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_create
from tests.conftest import make_user
from tests.protocols.hl7v2.helpers import ack_fields, fixture
from tests.protocols.hl7v2.test_batch import batch_fixture

URL = "/hl7/batch"
BATCH = fixture("batch_fhs_bhs_231.hl7")


def token_client(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(actor=Actor.system(), user=user)}"})


def post(client: Client, body: bytes) -> Any:
    return client.post(URL, body, content_type="application/hl7-v2")


def test_a_batch_is_stored_and_answered_with_the_batch_ack(admin_user: User, org: Organization,
                                                           other_org: Organization) -> None:
    response = post(token_client(admin_user), BATCH)
    assert response.status_code == 200 and response["Content-Type"] == "application/hl7-v2"
    fields = ack_fields(response.content.decode())
    assert fields["BTS"][1:] == ["2", "2 messages: 1 AA, 1 AE"] and fields["FHS"][11] == "BATCH-FILE-1"
    # two practices share the database: the messages belong to the token user's
    assert set(InboundMessage.objects.values_list("organization_id", "control_id")) == {
        (org.pk, "QB-1"), (org.pk, "QB-2")}
    event = AuditEvent.objects.get(object_type="HL7Batch")
    assert (event.user_id, event.via, event.ip) == (admin_user.pk, "hl7-http", "127.0.0.1")


def test_the_same_batch_posted_again_is_stored_once(admin_user: User) -> None:
    client = token_client(admin_user)
    assert post(client, batch_fixture("bare_messages_lf.hl7")).status_code == 200
    assert post(client, batch_fixture("bare_messages_lf.hl7")).status_code == 200
    assert InboundMessage.objects.count() == 3


def test_without_a_valid_token_nothing_is_stored(admin_user: User) -> None:
    for client in (Client(), Client(headers={"Authorization": "Bearer not-a-token"})):
        response = post(client, BATCH)
        assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("role", ["frontdesk", "clinician", "manager", None])
def test_a_token_without_the_permission_is_refused(org: Organization, role: str | None) -> None:
    assert post(token_client(make_user(org, role)), BATCH).status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_body_without_any_message_is_a_clear_400(admin_user: User) -> None:
    client = token_client(admin_user)
    for body in (b"", batch_fixture("not_hl7.txt"), batch_fixture("empty_batch.hl7")):
        response = post(client, body)
        assert response.status_code == 400 and b"no MSH segment" in response.content
    assert not InboundMessage.objects.exists()


def test_only_post_is_allowed(admin_user: User) -> None:
    assert token_client(admin_user).get(URL).status_code == 405


def test_a_database_failure_is_503_so_the_sender_resends(admin_user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(**kwargs: Any) -> bytes:
        raise DatabaseError("down")

    client = token_client(admin_user)
    monkeypatch.setattr(batch_module, "hl7_receive", down)
    response = post(client, BATCH)
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_a_batch_over_the_upload_limit_is_413(admin_user: User, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    assert post(token_client(admin_user), BATCH).status_code == 413
    assert not InboundMessage.objects.exists()
