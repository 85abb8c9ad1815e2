"""The unit of work: every message stored with its outcome, resends stored once, the practice it belongs to."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import InboundMessage, InboundStatus
from clinicdesk.labs.services import hl7_receive, hl7_receive_oversize
from clinicdesk.practice.models import Organization
from tests.labs.conftest import BROKEN, msa, oru


def test_an_accepted_result_is_stored_raw_with_its_ack_and_audited(org: Organization) -> None:
    raw = oru("C1")
    ack = hl7_receive(raw=raw, peer="10.0.0.7:40000")

    assert msa(ack)[1:3] == ["AA", "C1"]
    message = InboundMessage.objects.get()
    assert bytes(message.raw) == raw and bytes(message.ack) == ack
    assert (message.organization, message.sending_application, message.sending_facility, message.control_id,
            message.message_type, message.version, message.peer, message.ack_code, message.status) == (
        org, "LAB", "QUESTLIKE", "C1", "ORU^R01", "2.3.1", "10.0.0.7:40000", "AA", InboundStatus.RECEIVED)
    event = AuditEvent.objects.get(object_type="InboundMessage")
    assert (event.via, event.ip, event.object_id, event.organization_id, event.outcome) == (
        "hl7", "10.0.0.7", str(message.pk), org.pk, "success")


def test_a_resend_gets_the_original_ack_and_is_not_stored_again(org: Organization) -> None:
    first = hl7_receive(raw=oru("C2"), peer="10.0.0.7:1")
    again = hl7_receive(raw=oru("C2"), peer="10.0.0.7:2")
    assert again == first
    assert InboundMessage.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="InboundMessage").count() == 1


def test_a_broken_message_is_answered_ae_with_err_and_still_kept(org: Organization) -> None:
    ack = hl7_receive(raw=BROKEN, peer="10.0.0.7:1")
    fields = msa(ack)
    assert fields[1] == "AE" and "OBX-3" in ack.decode() and b"\rERR|" in ack
    message = InboundMessage.objects.get()
    assert (message.status, message.ack_code, bytes(message.raw)) == (InboundStatus.REJECTED, "AE", BROKEN)
    assert "OBX-3" in message.ack_text
    assert AuditEvent.objects.get(object_type="InboundMessage").outcome == "failure"


def test_bytes_without_a_header_are_rejected_and_each_copy_kept(org: Organization) -> None:
    """No MSH-10, no key: nothing to recognise a resend by, so each copy is a row."""
    for _ in range(2):
        assert msa(hl7_receive(raw=b"not hl7 at all", peer="p:1"))[1:3] == ["AR", ""]
    assert list(InboundMessage.objects.values_list("control_id", "status")) == [("", "rejected")] * 2


def test_an_oversize_message_is_rejected_with_its_head_kept(org: Organization) -> None:
    head = oru("BIG1")[:200]
    ack = hl7_receive_oversize(head=head, size=11_000_000, limit=10_485_760, peer="p:1")
    assert msa(ack)[1:3] == ["AR", "BIG1"] and b"too large" in ack
    assert bytes(InboundMessage.objects.get(control_id="BIG1").raw) == head


@pytest.mark.parametrize("configured", [False, True])
def test_with_several_practices_messages_belong_to_the_configured_one_or_none(
        org: Organization, other_org: Organization, configured: bool) -> None:
    with override_settings(CLINICDESK_HL7_ORGANIZATION=other_org.pk if configured else None):
        hl7_receive(raw=oru("C3"), peer="p:1")
        hl7_receive(raw=oru("C3"), peer="p:1")  # a resend is recognised without an organization too
    assert list(InboundMessage.objects.values_list("organization", flat=True)) == [
        other_org.pk if configured else None]


def test_the_same_control_id_from_another_sender_is_another_message(org: Organization, db: Any) -> None:
    hl7_receive(raw=oru("C4"), peer="p:1")
    hl7_receive(raw=oru("C4").replace(b"MSH|^~\\&|LAB|", b"MSH|^~\\&|OTHERLAB|"), peer="p:1")
    assert sorted(InboundMessage.objects.values_list("sending_application", flat=True)) == ["LAB", "OTHERLAB"]
