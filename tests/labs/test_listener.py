"""The MLLP listener through a real TCP socket on 127.0.0.1: ACKs, storage, framing as senders really do it."""

from __future__ import annotations

from clinicdesk.integrations.mllp import MLLPServer, frame
from clinicdesk.integrations.mllp.server import hl7_listener
from clinicdesk.labs.models import InboundMessage
from tests.labs.conftest import BROKEN, Client, msa, oru


def test_a_valid_result_is_acknowledged_aa_and_stored(client: Client) -> None:
    ack = client.exchange(oru("T1"))
    assert msa(ack)[1:3] == ["AA", "T1"]
    assert bytes(InboundMessage.objects.get(control_id="T1").raw) == oru("T1")


def test_a_broken_message_gets_ae_with_its_error_and_is_kept(client: Client) -> None:
    ack = client.exchange(BROKEN)
    assert msa(ack)[1] == "AE" and b"\rERR|" in ack and b"OBX-3" in ack
    assert bytes(InboundMessage.objects.get(status="rejected").raw) == BROKEN


def test_garbage_alone_gets_ar(client: Client) -> None:
    assert msa(client.exchange(b"hello?"))[1] == "AR"


def test_a_resend_on_a_new_connection_gets_the_same_ack_and_one_row(listener: MLLPServer, client: Client) -> None:
    first = client.exchange(oru("T2"))
    other = Client(listener.port)
    try:
        assert other.exchange(oru("T2")) == first
    finally:
        other.close()
    assert InboundMessage.objects.filter(control_id="T2").count() == 1


def test_two_frames_in_one_write_get_two_acks_in_order(client: Client) -> None:
    client.send(oru("T3"), oru("T4"))
    assert [msa(client.ack())[2] for _ in range(2)] == ["T3", "T4"]
    assert InboundMessage.objects.filter(control_id__in=["T3", "T4"]).count() == 2


def test_a_frame_split_across_writes_and_garbage_before_it(client: Client) -> None:
    data = b"\r\n\x00junk" + frame(oru("T5"))
    for i in range(0, len(data), 7):
        client.sock.sendall(data[i:i + 7])
    assert msa(client.ack())[1:3] == ["AA", "T5"]


def test_an_oversize_frame_gets_ar_and_the_connection_is_closed(transactional_db: object) -> None:
    server = hl7_listener("127.0.0.1", 0, max_bytes=4096)
    server.start_in_thread()
    c = Client(server.port)
    try:
        c.sock.sendall(b"\x0b" + oru("T6") + b"x" * 5000)
        assert msa(c.ack())[1:3] == ["AR", "T6"]
        assert c.reader.next_frame() is None  # closed by the listener
        assert InboundMessage.objects.get(control_id="T6").ack_code == "AR"
    finally:
        c.close()
        server.stop()


def test_an_idle_connection_is_closed(transactional_db: object) -> None:
    server = hl7_listener("127.0.0.1", 0, idle_timeout=0.3)
    server.start_in_thread()
    c = Client(server.port, timeout=5)
    try:
        c.sock.sendall(b"\x0bMSH|^~\\&|half")  # an unfinished frame does not keep it open either
        assert c.sock.recv(10) == b""
    except ConnectionResetError:
        pass
    finally:
        c.close()
        server.stop()


def test_when_storing_fails_nothing_is_acknowledged(transactional_db: object) -> None:
    def broken(*, raw: bytes, peer: str) -> bytes:
        raise RuntimeError("database is down")

    server = MLLPServer(("127.0.0.1", 0), broken)
    server.start_in_thread()
    c = Client(server.port)
    try:
        c.send(oru("T7"))
        assert c.sock.recv(10) == b""  # closed, no ACK: the sender will send it again
    finally:
        c.close()
        server.stop()
