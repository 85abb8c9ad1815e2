"""Group commit: frames from several connections stored and filed in one transaction, each with its own ACK."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from clinicdesk.inbox.models import InboxItem
from clinicdesk.integrations.mllp import MLLPServer
from clinicdesk.integrations.mllp.server import hl7_listener
from clinicdesk.labs import filer
from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder, ResultMatch
from clinicdesk.labs.services import hl7_receive, hl7_receive_many
from clinicdesk.practice.models import Organization
from tests.labs.conftest import BROKEN, Client, msa
from tests.labs.test_filing import CMP, bob

PEER = "10.0.0.7:4000"


def cmp(control_id: str) -> bytes:
    return CMP.replace(b"|LC20250314-0042|", f"|{control_id}|".encode())


def _filed(control_id: str) -> bool:
    message = InboundMessage.objects.get(control_id=control_id)
    return message.status == InboundStatus.PROCESSED and LabOrder.objects.filter(inbound=message).count() == 1


def test_a_bad_message_among_good_ones_gets_its_own_ae_and_the_others_are_filed(org: Organization) -> None:
    bob(org)
    answers = hl7_receive_many([(cmp("G1"), PEER), (BROKEN, PEER), (cmp("G2"), "10.0.0.8:1"), (b"junk", PEER)])
    codes = [msa(a)[1] if isinstance(a, bytes) else a for a in answers]
    assert codes == ["AA", "AE", "AA", "AR"]
    assert [msa(a)[2] for a in answers[:3] if isinstance(a, bytes)] == ["G1", BROKEN.split(b"|")[9].decode(), "G2"]
    assert InboundMessage.objects.count() == 4
    assert _filed("G1") and _filed("G2")
    assert InboundMessage.objects.get(ack_code="AE").status == InboundStatus.REJECTED
    assert InboxItem.objects.filter(kind="lab_result").count() == 2


def test_the_same_message_twice_in_one_group_is_stored_once_with_one_ack(org: Organization) -> None:
    bob(org)
    first, again = hl7_receive_many([(cmp("D1"), PEER), (cmp("D1"), PEER)])
    assert first == again and msa(first)[1] == "AA"  # type: ignore[arg-type]
    assert InboundMessage.objects.filter(control_id="D1").count() == 1
    assert ResultMatch.objects.count() == 1


def test_a_resend_of_a_stored_message_in_a_group_gets_the_stored_ack_and_the_rest_are_stored(
        org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    bob(org)
    with django_capture_on_commit_callbacks(execute=True):  # the one-at-a-time path files after each commit
        stored = hl7_receive(raw=cmp("R1"), peer=PEER)
        answers = hl7_receive_many([(cmp("R2"), PEER), (cmp("R1"), PEER), (cmp("R3"), PEER)])
    assert answers[1] == stored
    assert [msa(a)[1:3] for a in answers if isinstance(a, bytes)] == [["AA", "R2"], ["AA", "R1"], ["AA", "R3"]]
    assert InboundMessage.objects.filter(control_id__in=["R1", "R2", "R3"]).count() == 3
    assert all(_filed(c) for c in ("R1", "R2", "R3"))
    assert LabOrder.objects.count() == 3


def test_a_filing_failure_leaves_that_message_received_and_acknowledged_the_others_filed(
        org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    real = filer._order_row

    def fussy(organization: Organization, inbound: InboundMessage, *args: Any) -> Any:
        if inbound.control_id == "F2":
            raise RuntimeError("disk full")
        return real(organization, inbound, *args)

    monkeypatch.setattr(filer, "_order_row", fussy)
    answers = hl7_receive_many([(cmp("F1"), PEER), (cmp("F2"), PEER), (cmp("F3"), PEER)])
    assert [msa(a)[1] for a in answers if isinstance(a, bytes)] == ["AA", "AA", "AA"]
    assert _filed("F1") and _filed("F3")
    assert InboundMessage.objects.get(control_id="F2").status == InboundStatus.RECEIVED  # for a retry
    assert not LabOrder.objects.filter(inbound__control_id="F2").exists()


def test_the_writer_groups_frames_from_several_connections_and_answers_each_its_own(transactional_db: Any) -> None:
    sizes: list[int] = []

    def slow_store(frames: Sequence[tuple[bytes, str]]) -> list[bytes | BaseException]:
        sizes.append(len(frames))
        time.sleep(0.05)  # a commit: the other connections' frames wait and go together next
        return [b"ACK " + raw if raw != b"bad" else ValueError("not stored") for raw, _ in frames]

    server = MLLPServer(("127.0.0.1", 0), lambda **_: b"", on_batch=slow_store)
    server.start_in_thread()
    got: dict[int, list[bytes | None]] = {}

    def sender(n: int) -> None:
        client = Client(server.port)
        got[n] = []
        try:
            for k in range(3):
                client.send(f"m{n}-{k}".encode())
                got[n].append(client.reader.next_frame())
        finally:
            client.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert got == {n: [f"ACK m{n}-{k}".encode() for k in range(3)] for n in range(4)}
        assert max(sizes) > 1 and sum(sizes) == 12

        bad = Client(server.port)  # a frame not stored: no ACK, the connection is closed
        bad.send(b"bad")
        assert bad.reader.next_frame() is None
        bad.close()
    finally:
        server.stop()


def test_four_connections_through_the_real_listener_each_get_their_own_acks(transactional_db: Any) -> None:
    org = Organization.objects.create(name="Lakeside Family Practice", timezone="America/Chicago", mrn_prefix="LS")
    bob(org)
    server = hl7_listener("127.0.0.1", 0, idle_timeout=5.0)
    server.start_in_thread()
    codes: dict[int, list[list[str]]] = {}

    def sender(n: int) -> None:
        client = Client(server.port)
        try:
            codes[n] = [msa(client.exchange(raw))[1:3] for raw in (cmp(f"C{n}-1"), BROKEN if n == 2 else
                                                                   cmp(f"C{n}-2"), cmp(f"C{n}-3"))]
        finally:
            client.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        server.stop()
    broken_id = BROKEN.split(b"|")[9].decode()
    for n in range(4):
        middle = ["AE", broken_id] if n == 2 else ["AA", f"C{n}-2"]
        assert codes[n] == [["AA", f"C{n}-1"], middle, ["AA", f"C{n}-3"]]
    good = [f"C{n}-{k}" for n in range(4) for k in (1, 2, 3) if (n, k) != (2, 2)]
    assert InboundMessage.objects.filter(control_id__in=good).count() == 11
    assert all(_filed(c) for c in good)
    assert InboundMessage.objects.filter(ack_code="AE").count() == 1
