"""Filing behind the ACK (``labs.queue``): ``hl7_accept_many`` stores accepted messages ``queued`` and answers;
``hl7_file_waiting`` takes them oldest first and, in one transaction, records each one's receipt (exactly once)
and files it, with the same result as filing before the ACK (``hl7_receive_many``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.inbox.models import InboxItem
from clinicdesk.labs import queue
from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder, MatchStatus, ResultMatch
from clinicdesk.labs.services import hl7_accept_many, hl7_receive_many
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.labs.conftest import BROKEN, msa
from tests.labs.results_helpers import CBC, CMP, alice, bob
from tests.labs.test_adt import A08, casey, proposals
from tests.labs.test_filer import _outcome

pytestmark = pytest.mark.django_db
PEER = "10.0.0.7:4000"


def with_id(raw: bytes, control_id: str) -> bytes:
    """``raw`` with MSH-10 set to ``control_id``."""
    head, _, rest = raw.partition(b"\r")
    fields = head.split(b"|")
    fields[9] = control_id.encode()
    return b"|".join(fields) + b"\r" + rest


def cmp(control_id: str) -> bytes:
    return with_id(CMP, control_id).replace(b"LC-99002", f"LC-{control_id}".encode())


def status(control_id: str) -> str:
    return InboundMessage.objects.get(control_id=control_id).status


def filed(control_id: str) -> bool:
    message = InboundMessage.objects.get(control_id=control_id)
    return message.status == InboundStatus.PROCESSED and LabOrder.objects.filter(inbound=message).count() == 1 \
        and ResultMatch.objects.filter(inbound=message).count() == 1


def receipts(control_id: str) -> list[AuditEvent]:
    message = InboundMessage.objects.get(control_id=control_id)
    return list(AuditEvent.objects.filter(object_type="InboundMessage", object_id=str(message.pk)))


def codes(answers: list[bytes | BaseException]) -> list[object]:
    return [msa(a)[1] if isinstance(a, bytes) else type(a) for a in answers]


def accept(*control_ids: str) -> None:
    assert codes(hl7_accept_many([(cmp(c), PEER) for c in control_ids])) == ["AA"] * len(control_ids)
    assert all(status(c) == InboundStatus.QUEUED for c in control_ids)


def chains_intact() -> bool:
    return all(not breaks for breaks in audit_verify_all().values())


def test_accepting_answers_as_receiving_does_and_queues_what_it_would_file(org: Organization) -> None:
    bob(org)
    accepted = hl7_accept_many([(cmp("A1"), PEER), (with_id(BROKEN, "A-BAD"), PEER),
                                (with_id(A08, "A-ADT"), PEER), (b"junk", PEER)])
    received = hl7_receive_many([(cmp("R1"), PEER), (with_id(BROKEN, "R-BAD"), PEER),
                                 (with_id(A08, "R-ADT"), PEER), (b"junk again", PEER)])
    assert codes(accepted) == codes(received) == ["AA", "AE", "AA", "AR"]
    for a, r in zip(accepted, received, strict=True):  # the same text and error details, each its own MSH-10
        assert isinstance(a, bytes) and isinstance(r, bytes)
        assert msa(a)[3:] == msa(r)[3:]
    assert [msa(a)[2] for a in accepted[:3] if isinstance(a, bytes)] == ["A1", "A-BAD", "A-ADT"]
    assert status("A1") == status("A-ADT") == InboundStatus.QUEUED
    assert status("A-BAD") == status("R-BAD") == InboundStatus.REJECTED
    assert status("R1") == status("R-ADT") == InboundStatus.PROCESSED
    for control_id in ("A1", "A-ADT"):  # nothing filed, no receipt yet
        assert not ResultMatch.objects.filter(inbound__control_id=control_id).exists()
        assert not LabOrder.objects.filter(inbound__control_id=control_id).exists()
        assert receipts(control_id) == []
    assert [e.outcome for e in receipts("A-BAD")] == ["failure"]
    assert InboxItem.objects.count() == 2  # R1's and R-ADT's: A1 and A-ADT wait for the filer


def test_the_filer_files_as_filing_before_the_ack_does_and_records_each_receipt(org: Organization) -> None:
    patient = bob(org)
    alice(org)
    Practitioner.objects.create(organization=org, family_name="Welby", given_name="Marcus", npi="1234567893")
    stranger = CMP.replace(b"SYNTHETIC^BOB", b"NOBODY^KNOWN").replace(b"LS000042", b"ZZ999").replace(
        b"19650701", b"19990101")
    kinds = {"CMP": CMP, "CBC": CBC, "UNK": stranger}
    assert codes(hl7_accept_many([(with_id(raw, f"W-{kind}"), PEER) for kind, raw in kinds.items()])) == ["AA"] * 3
    assert ResultMatch.objects.count() == 0
    hl7_receive_many([(with_id(raw, f"B-{kind}"), PEER) for kind, raw in kinds.items()])
    last = AuditEvent.objects.order_by("pk").last()
    assert last is not None

    assert queue.hl7_file_waiting() == 3
    for kind in kinds:
        behind, before_ack = _outcome(f"W-{kind}"), _outcome(f"B-{kind}")
        assert behind[0] == before_ack[0] == InboundStatus.PROCESSED
        assert behind[1:] == before_ack[1:] and len(behind[3]) == 1  # matches, orders, one inbox item alike
        (receipt,), (before,) = receipts(f"W-{kind}"), receipts(f"B-{kind}")
        message = InboundMessage.objects.get(control_id=f"W-{kind}")
        assert receipt.detail == {**before.detail, "control_id": f"W-{kind}", "queued": True,
                                  "received_at": message.received_at.isoformat()}
        assert [(e.action, e.via, e.ip, e.outcome, e.organization_id) for e in (receipt, before)] == [
            ("create", "hl7", "10.0.0.7", "success", org.pk)] * 2
    assert LabOrder.objects.get(inbound__control_id="W-CMP").patient_id == patient.pk
    assert _outcome("W-CMP")[1][0][0] == MatchStatus.MATCHED
    assert _outcome("W-UNK")[1][0][0] == MatchStatus.NEEDS_REVIEW and _outcome("W-UNK")[3][0][1] is None
    new = list(AuditEvent.objects.filter(pk__gt=last.pk))
    matches = {str(pk) for pk in ResultMatch.objects.filter(inbound__control_id__startswith="W-")
               .values_list("pk", flat=True)}
    items = {str(pk) for pk in InboxItem.objects.filter(source__in=[f"labs.ResultMatch:{m}" for m in matches])
             .values_list("pk", flat=True)}
    assert {e.object_id for e in new if e.object_type == "ResultMatch"} == matches
    assert {e.object_id for e in new if e.object_type == "inbox.InboxItem"} == items
    assert len([e for e in new if e.object_type == "InboundMessage"]) == 3
    assert queue.hl7_file_waiting() == 0
    assert chains_intact()


def test_demographics_are_filed_by_the_filer_too(org: Organization) -> None:
    patient = casey(org)
    bob(org)
    assert codes(hl7_accept_many([(A08, "10.0.0.9:1"), (cmp("D-CMP"), PEER)])) == ["AA", "AA"]
    assert proposals(patient) == {} and status("ADT-0002") == InboundStatus.QUEUED
    assert queue.hl7_file_waiting() == 2
    assert proposals(patient) == {"line1": "9 OAK ST", "phone_mobile": "+12175550102"}
    inbound = InboundMessage.objects.get(control_id="ADT-0002")
    match = ResultMatch.objects.get(inbound=inbound)
    assert (match.status, match.candidate_id, inbound.status) == (MatchStatus.MATCHED, patient.pk,
                                                                 InboundStatus.PROCESSED)
    item = InboxItem.objects.get(source=f"labs.ResultMatch:{match.pk}")
    assert (item.category, item.patient_id) == ("demographics", patient.pk)
    (receipt,) = receipts("ADT-0002")
    assert (receipt.ip, receipt.detail["queued"], receipt.detail["message_type"]) == ("10.0.0.9", True, "ADT^A08")
    assert filed("D-CMP") and len(receipts("D-CMP")) == 1
    assert queue.hl7_file_waiting() == 0
    assert ResultMatch.objects.filter(inbound=inbound).count() == 1
    assert chains_intact()


def test_each_organizations_messages_are_filed_and_audited_for_it(org: Organization, other_org: Organization) -> None:
    bob(org)
    with override_settings(CLINICDESK_HL7_ORGANIZATION=org.pk):
        accept("O-1")
    with override_settings(CLINICDESK_HL7_ORGANIZATION=other_org.pk):
        accept("O-2")
    with override_settings(CLINICDESK_HL7_ORGANIZATION=org.pk):
        accept("O-3")
    assert queue.hl7_file_waiting() == 3
    assert all(filed(c) for c in ("O-1", "O-2", "O-3"))
    assert [receipts(c)[0].organization_id for c in ("O-1", "O-2", "O-3")] == [org.pk, other_org.pk, org.pk]
    assert {m.organization_id for m in ResultMatch.objects.filter(inbound__control_id="O-2")} == {other_org.pk}
    assert ResultMatch.objects.get(inbound__control_id="O-1").status == MatchStatus.MATCHED
    assert ResultMatch.objects.get(inbound__control_id="O-2").status == MatchStatus.NEEDS_REVIEW  # not its patient
    assert chains_intact()


def test_a_message_another_filer_took_meanwhile_is_not_filed_twice(org: Organization,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("C1", "C2")
    real = queue._parsed
    raced: list[int] = []

    def racing(message: InboundMessage) -> Any:
        if message.control_id == "C1" and not raced:  # read as queued here, then taken by another filer
            raced.append(-1)
            raced[0] = queue.hl7_file_waiting(limit=1)
        return real(message)

    monkeypatch.setattr(queue, "_parsed", racing)
    queue.hl7_file_waiting()
    assert raced == [1]
    assert filed("C1") and filed("C2")
    assert len(receipts("C1")) == len(receipts("C2")) == 1
    assert AuditEvent.objects.filter(object_type="ResultMatch").count() == 2
    assert InboxItem.objects.count() == 2
    assert chains_intact()


def test_a_message_claimed_elsewhere_before_the_claim_is_left_alone(org: Organization,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("K1", "K2")
    real = queue._parsed

    def claimed_elsewhere(message: InboundMessage) -> Any:
        if message.control_id == "K1":
            InboundMessage.objects.filter(pk=message.pk).update(status=InboundStatus.PROCESSED)
        return real(message)

    monkeypatch.setattr(queue, "_parsed", claimed_elsewhere)
    queue.hl7_file_waiting()
    assert not ResultMatch.objects.filter(inbound__control_id="K1").exists() and receipts("K1") == []
    assert filed("K2") and len(receipts("K2")) == 1
    assert status("K1") == InboundStatus.PROCESSED
    assert queue.hl7_file_waiting() == 0


def test_a_message_that_no_longer_parses_leaves_the_queue_received_and_audited(org: Organization) -> None:
    bob(org)
    accept("P1", "P2")
    InboundMessage.objects.filter(control_id="P1").update(raw=b"no longer HL7")
    assert queue.hl7_file_waiting() == 2
    assert status("P1") == InboundStatus.RECEIVED and filed("P2")
    assert not ResultMatch.objects.filter(inbound__control_id="P1").exists()
    assert [(e.detail["queued"], e.outcome) for e in receipts("P1")] == [(True, "success")]
    assert queue.hl7_file_waiting() == 0
    assert len(receipts("P1")) == 1
    assert chains_intact()


def test_limit_and_received_before_take_the_oldest_first(org: Organization) -> None:
    bob(org)
    for n in range(5):
        accept(f"L{n}")
    now = timezone.now()
    for n in range(5):  # L0 the oldest
        InboundMessage.objects.filter(control_id=f"L{n}").update(received_at=now - timedelta(minutes=10 - n))
    assert queue.hl7_file_waiting(limit=2) == 2
    assert [status(f"L{n}") for n in range(5)] == [InboundStatus.PROCESSED] * 2 + [InboundStatus.QUEUED] * 3
    assert queue.hl7_file_waiting(received_before=now - timedelta(minutes=7, seconds=30)) == 1  # L2 only
    assert [status(f"L{n}") for n in range(5)] == [InboundStatus.PROCESSED] * 3 + [InboundStatus.QUEUED] * 2
    assert queue.hl7_file_waiting(received_before=now - timedelta(minutes=20)) == 0
    assert queue.hl7_file_waiting(limit=2) == 2
    assert all(filed(f"L{n}") for n in range(5))
    assert queue.hl7_file_waiting(limit=2) == 0
    assert all(len(receipts(f"L{n}")) == 1 for n in range(5))
