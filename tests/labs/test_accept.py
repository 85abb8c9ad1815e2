"""The listener's side of filing behind the ACK (``services.hl7_accept_many``), outside any larger transaction:
an accepted result or demographics message of an organization is stored ``queued`` with no audit event (the
filer records its receipt); a group of only those is one INSERT with no transaction around it (no BEGIN/COMMIT on
PostgreSQL). A group holding anything else (AE/AR, no organization) is written in one atomic block, and only its
non-queued messages get their receipt event. ``notify()`` is called after the commit, only when something was
queued. The connection is left idle either way. Both databases alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.labs import queue, services
from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder
from clinicdesk.labs.services import hl7_accept_many
from clinicdesk.lib import rows
from clinicdesk.practice.models import Organization
from tests.labs.conftest import BROKEN, msa, oru
from tests.labs.results_helpers import bob
from tests.labs.test_adt import A08

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRES = "postgresql"
PEER = "10.0.0.7:4000"


@pytest.fixture(autouse=True)
def _configured(org: Organization, settings: Any) -> None:
    """The practice the listener stores for, configured (as a deployment does): no look-up per group."""
    settings.CLINICDESK_HL7_ORGANIZATION = org.pk


def _idle() -> bool:
    """No transaction left open on the connection (PostgreSQL's own view of it)."""
    if connection.vendor != POSTGRES:
        return not connection.in_atomic_block
    from psycopg.pq import TransactionStatus

    connection.ensure_connection()
    return connection.connection.info.transaction_status == TransactionStatus.IDLE


def _codes(answers: list[bytes | BaseException]) -> list[object]:
    return [msa(a)[1] if isinstance(a, bytes) else type(a) for a in answers]


def _receipts(message: InboundMessage) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="InboundMessage", object_id=str(message.pk)))


def _sent(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def _queued(*control_ids: str) -> None:
    """Each stored once, ``queued``, with no audit event (the filer records its receipt)."""
    for control_id in control_ids:
        (message,) = InboundMessage.objects.filter(control_id=control_id)
        assert message.status == InboundStatus.QUEUED, control_id
        assert _receipts(message) == [], control_id


@pytest.fixture
def inserts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Each ``rows.insert`` of inbound messages the listener makes: (rows, inside an atomic block)."""
    seen: list[tuple[int, bool]] = []
    real = rows.insert

    def spy(instances: Any, **kwargs: Any) -> None:
        if instances and isinstance(instances[0], InboundMessage):
            seen.append((len(instances), connection.in_atomic_block))
        real(instances, **kwargs)

    monkeypatch.setattr(services.rows, "insert", spy)
    return seen


@pytest.mark.parametrize("size", [1, 3, rows.COPY_FROM - 1])
def test_a_group_of_accepted_results_is_one_insert_with_no_transaction(size: int,
                                                                       inserts: list[tuple[int, bool]]) -> None:
    ids = [f"T{size}-{n}" for n in range(size)]
    with CaptureQueriesContext(connection) as captured:
        answers = hl7_accept_many([(oru(i), PEER) for i in ids])
    assert [msa(a)[1:3] for a in answers if isinstance(a, bytes)] == [["AA", i] for i in ids]
    sent = _sent(captured)
    assert len(sent) == 1, sent
    assert sent[0].startswith('INSERT INTO "labs_inboundmessage"')
    assert not any(word in sent[0].upper() for word in ("BEGIN", "COMMIT", "SAVEPOINT"))
    assert inserts == [(size, False)]
    assert _idle()
    _queued(*ids)
    stored = list(InboundMessage.objects.filter(control_id__in=ids).order_by("pk"))
    assert [m.control_id for m in stored] == ids  # keys in the group's order
    assert [bytes(m.ack) for m in stored] == answers
    assert {(m.organization_id, m.ack_code, m.message_type, m.peer) for m in stored} == {
        (stored[0].organization_id, "AA", "ORU^R01", PEER)}
    assert AuditEvent.objects.count() == 0


def test_many_accepted_results_go_in_at_once_too(inserts: list[tuple[int, bool]]) -> None:
    ids = [f"C{n}" for n in range(rows.COPY_FROM + 2)]  # a COPY on PostgreSQL
    answers = hl7_accept_many([(oru(i), PEER) for i in ids])
    assert _codes(answers) == ["AA"] * len(ids)
    assert inserts == [(len(ids), False)]
    assert _idle()
    _queued(*ids)
    assert [m.control_id for m in InboundMessage.objects.order_by("pk")] == ids


def test_demographics_are_queued_like_results(inserts: list[tuple[int, bool]]) -> None:
    with CaptureQueriesContext(connection) as captured:
        answers = hl7_accept_many([(A08, PEER), (oru("Q1"), PEER)])
    assert _codes(answers) == ["AA", "AA"] and len(_sent(captured)) == 1
    _queued("ADT-0002", "Q1")
    assert InboundMessage.objects.get(control_id="ADT-0002").message_type.startswith("ADT")


def test_a_rejected_message_makes_the_group_one_atomic_block_and_only_it_is_audited(
        inserts: list[tuple[int, bool]]) -> None:
    answers = hl7_accept_many([(oru("B1"), PEER), (BROKEN, "10.0.0.8:1"), (b"junk", PEER), (oru("B2"), PEER)])
    assert _codes(answers) == ["AA", "AE", "AR", "AA"]
    assert inserts == [(4, True)]  # all four rows in one statement, inside the block
    assert _idle()
    _queued("B1", "B2")
    broken = InboundMessage.objects.get(ack_code="AE")
    junk = InboundMessage.objects.get(ack_code="AR")
    assert broken.status == junk.status == InboundStatus.REJECTED
    for message, ip in ((broken, "10.0.0.8"), (junk, "10.0.0.7")):
        (event,) = _receipts(message)
        assert (event.action, event.via, event.ip, event.outcome) == ("create", "hl7", ip, "failure")
        assert event.detail["ack_code"] == message.ack_code and "queued" not in event.detail
    assert AuditEvent.objects.count() == 2
    assert all(not breaks for breaks in audit_verify_all().values())


def test_a_group_of_only_rejected_messages_is_audited_and_nobody_is_woken() -> None:
    calls: list[str] = []
    answers = hl7_accept_many([(BROKEN, PEER), (b"junk", PEER)], notify=lambda: calls.append("x"))
    assert _codes(answers) == ["AE", "AR"] and calls == []
    assert {m.status for m in InboundMessage.objects.all()} == {InboundStatus.REJECTED}
    assert AuditEvent.objects.filter(object_type="InboundMessage").count() == 2
    assert _idle()


def test_without_an_organization_messages_are_received_audited_and_nobody_is_woken(
        settings: Any, other_org: Organization, inserts: list[tuple[int, bool]]) -> None:
    settings.CLINICDESK_HL7_ORGANIZATION = None  # two practices, none configured
    calls: list[str] = []
    answers = hl7_accept_many([(oru("O1"), PEER), (A08, PEER)], notify=lambda: calls.append("x"))
    assert _codes(answers) == ["AA", "AA"] and calls == []
    assert inserts == [(2, True)]
    for control_id in ("O1", "ADT-0002"):
        message = InboundMessage.objects.get(control_id=control_id)
        assert (message.organization_id, message.status) == (None, InboundStatus.RECEIVED)
        (event,) = _receipts(message)
        assert (event.outcome, event.organization_id) == ("success", None)
    assert _idle()


def test_notify_is_called_once_after_the_commit_with_the_rows_stored() -> None:
    seen: list[tuple[bool, int]] = []

    def notify() -> None:
        seen.append((_idle(), InboundMessage.objects.filter(status=InboundStatus.QUEUED).count()))

    hl7_accept_many([(oru("W1"), PEER), (oru("W2"), "10.0.0.8:1")], notify=notify)
    assert seen == [(True, 2)]
    hl7_accept_many([(oru("W3"), PEER), (BROKEN, PEER)], notify=notify)  # something queued among a rejection
    assert seen == [(True, 2), (True, 3)]


def test_a_repeat_inside_a_group_is_stored_once_in_the_one_insert(inserts: list[tuple[int, bool]]) -> None:
    with CaptureQueriesContext(connection) as captured:
        first, again, other = hl7_accept_many([(oru("D1"), PEER), (oru("D1"), PEER), (oru("D2"), PEER)])
    assert first == again and _codes([first, other]) == ["AA", "AA"]
    assert len(_sent(captured)) == 1 and inserts == [(2, False)]
    assert _idle()
    _queued("D1", "D2")


@pytest.mark.parametrize("size", [3, rows.COPY_FROM + 1])
def test_a_resend_across_groups_gets_the_stored_ack_and_the_rest_are_stored_one_at_a_time(size: int) -> None:
    calls: list[str] = []
    (stored,) = hl7_accept_many([(oru("R1"), PEER)])
    ids = [f"R{n}" for n in range(2, size + 1)]
    frames = [(oru(i), PEER) for i in ids]
    frames.insert(1, (oru("R1"), PEER))
    answers = hl7_accept_many(frames, notify=lambda: calls.append("x"))
    assert answers[1] == stored
    assert [msa(a)[2] for a in answers if isinstance(a, bytes)] == [ids[0], "R1", *ids[1:]]
    assert _codes(answers) == ["AA"] * size and calls == ["x"]
    assert _idle()
    _queued("R1", *ids)
    assert InboundMessage.objects.count() == size
    assert hl7_accept_many([(oru(ids[0]), PEER)]) == [answers[0]]  # a resend alone, in a group of its own
    assert _idle()
    assert InboundMessage.objects.count() == size and AuditEvent.objects.count() == 0
    assert _codes(hl7_accept_many([(oru("AFTER"), PEER)])) == ["AA"]  # the connection is usable as before
    _queued("AFTER")


def test_a_resend_of_a_rejected_message_gets_its_stored_ae_and_no_second_event() -> None:
    (first,) = hl7_accept_many([(BROKEN, PEER)])
    answers = hl7_accept_many([(oru("E1"), PEER), (BROKEN, PEER)])
    assert answers[1] == first and _codes(answers) == ["AA", "AE"]
    assert InboundMessage.objects.filter(ack_code="AE").count() == 1
    assert AuditEvent.objects.filter(object_type="InboundMessage").count() == 1
    _queued("E1")
    assert _idle()


def test_a_resend_of_a_filed_message_gets_the_same_ack_and_nothing_new(org: Organization) -> None:
    bob(org)
    first, same_group = hl7_accept_many([(oru("S1"), PEER), (oru("S1"), PEER)])
    assert first == same_group and _codes([first]) == ["AA"]
    again = hl7_accept_many([(oru("S2"), PEER), (oru("S1"), PEER)])  # across groups: the stored ACK
    assert again[1] == first and _codes(again) == ["AA", "AA"]
    assert queue.hl7_file_waiting() == 2
    assert hl7_accept_many([(oru("S1"), PEER)]) == [first]  # filed meanwhile: still the same ACK, nothing new
    assert queue.hl7_file_waiting() == 0
    assert _idle()
    for control_id in ("S1", "S2"):
        (message,) = InboundMessage.objects.filter(control_id=control_id)
        assert message.status == InboundStatus.PROCESSED and LabOrder.objects.filter(inbound=message).count() == 1
        assert [e.detail["queued"] for e in _receipts(message)] == [True]
    assert all(not breaks for breaks in audit_verify_all().values())


def test_inside_a_callers_transaction_a_resend_still_gets_its_stored_ack_and_the_rest_are_stored() -> None:
    """``hl7_receive_many``'s promise (a resend never costs another message its ACK) holds in a caller's
    transaction too: there the group's INSERT needs a savepoint, or on PostgreSQL the unique key's error aborts
    the caller's transaction and every message after it."""
    (stored,) = hl7_accept_many([(oru("I1"), PEER)])
    with transaction.atomic():
        answers = hl7_accept_many([(oru("I2"), PEER), (oru("I1"), PEER)])
        assert answers[1] == stored and _codes(answers) == ["AA", "AA"]
        assert InboundMessage.objects.count() == 2  # the caller's transaction is usable still
    _queued("I1", "I2")
