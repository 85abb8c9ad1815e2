"""A batch sent over MLLP as one frame: each message stored once, answered with one batch ACK."""

from __future__ import annotations

from clinicdesk.labs.models import InboundMessage
from clinicdesk.practice.models import Organization
from tests.labs.conftest import Client
from tests.protocols.hl7v2.helpers import ack_fields, fixture
from tests.protocols.hl7v2.test_batch import batch_fixture


def test_a_batch_frame_gets_a_batch_ack_and_each_message_is_stored(org: Organization, client: Client) -> None:
    ack = client.exchange(fixture("batch_fhs_bhs_231.hl7")).decode()
    assert ack.startswith("FHS|") and "MSA|AA|QB-1" in ack and "MSA|AE|QB-2" in ack
    assert ack_fields(ack)["BTS"][1] == "2"
    assert sorted(InboundMessage.objects.values_list("control_id", "organization_id")) == [
        ("QB-1", org.pk), ("QB-2", org.pk)]


def test_a_resent_batch_frame_stores_nothing_new(org: Organization, client: Client) -> None:
    raw = batch_fixture("fhs_two_batches_crlf.hl7")
    first, again = client.exchange(raw), client.exchange(raw)
    inner = b"".join(bytes(m.ack) for m in InboundMessage.objects.order_by("pk"))
    assert inner in first and inner in again and InboundMessage.objects.count() == 3


def test_an_envelope_without_messages_is_kept_and_answered_ar(org: Organization, client: Client) -> None:
    ack = client.exchange(batch_fixture("empty_batch.hl7"))
    assert b"MSA|AR|" in ack and not ack.startswith(b"FHS")
    assert InboundMessage.objects.get().status == "rejected"
