"""The listener's one loop serving many connections: each gets its own answers in order, and no sender — one
that pipelines, one that never reads, one that sends half a frame — holds up another."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from clinicdesk.integrations.mllp import FrameReader, MLLPServer, frame
from clinicdesk.labs.models import InboundMessage
from tests.labs.conftest import Client, msa, oru


class Recorder:
    """A stand-in ``on_batch``: answers ``ACK <frame>`` (an exception for ``bad``), remembering every batch."""

    def __init__(self, answer_size: int = 0) -> None:
        self.batches: list[list[tuple[bytes, str]]] = []
        self.answer_size = answer_size
        self.lock = threading.Lock()

    def __call__(self, frames: Sequence[tuple[bytes, str]]) -> list[bytes | BaseException]:
        with self.lock:
            self.batches.append(list(frames))
        return [ValueError("not stored") if raw == b"bad" else b"ACK " + raw + b"." * self.answer_size
                for raw, _ in frames]

    def stored(self, prefix: bytes) -> list[bytes]:
        with self.lock:
            return [raw for batch in self.batches for raw, _ in batch if raw.startswith(prefix)]


def serve(recorder: Recorder, **options: float) -> MLLPServer:
    server = MLLPServer(("127.0.0.1", 0), lambda **_: b"", on_batch=recorder, **options)  # type: ignore[arg-type]
    server.start_in_thread()
    return server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[MLLPServer]:
    server = serve(recorder, idle_timeout=10.0)
    yield server
    server.stop()


def test_interleaved_frames_on_several_connections_each_get_their_own_acks_in_order(
        server: MLLPServer, recorder: Recorder) -> None:
    clients = [Client(server.port) for _ in range(3)]
    streams = [b"".join(frame(f"c{n}-{k}".encode()) for k in range(4)) for n in range(3)]
    try:
        for offset in range(0, max(map(len, streams)), 5):  # 5 bytes of each connection in turn
            for client, stream in zip(clients, streams, strict=True):
                client.sock.sendall(stream[offset:offset + 5])
        for n, client in enumerate(clients):
            assert [client.ack() for _ in range(4)] == [f"ACK c{n}-{k}".encode() for k in range(4)]
    finally:
        for client in clients:
            client.close()
    for batch in recorder.batches:  # one frame in flight per connection: never two of one sender in a batch
        assert len({peer for _, peer in batch}) == len(batch)
    for n in range(3):
        assert recorder.stored(f"c{n}-".encode()) == [f"c{n}-{k}".encode() for k in range(4)]


def test_pipelined_messages_on_several_connections_are_stored_once_and_acknowledged_in_order(
        listener: MLLPServer) -> None:
    clients = [Client(listener.port) for _ in range(3)]
    try:
        for n, client in enumerate(clients):
            client.send(*(oru(f"IL{n}-{k}") for k in range(3)))
        for n, client in enumerate(clients):
            assert [msa(client.ack())[1:3] for _ in range(3)] == [["AA", f"IL{n}-{k}"] for k in range(3)]
    finally:
        for client in clients:
            client.close()
    assert InboundMessage.objects.filter(control_id__startswith="IL").count() == 9


def test_a_sender_that_never_reads_its_acks_does_not_block_another_connection() -> None:
    recorder = Recorder(answer_size=512 * 1024)  # large answers fill the socket buffers quickly
    server = serve(recorder, idle_timeout=20.0)
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog.settimeout(10)
    hog.connect(("127.0.0.1", server.port))
    other = Client(server.port)
    try:
        hog.sendall(b"".join(frame(f"hog-{k}".encode()) for k in range(40)))  # and reads nothing
        deadline = time.monotonic() + 10
        while len(recorder.stored(b"hog-")) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        for k in range(5):
            assert other.exchange(f"other-{k}".encode()).startswith(f"ACK other-{k}.".encode())
        assert len(recorder.stored(b"hog-")) < 40  # the hog's frames wait for it to read, not the others'
        reader = FrameReader(hog, max_bytes=1024 * 1024)
        for k in range(40):  # once it reads, it gets every answer, in order
            assert (reader.next_frame() or b"").startswith(f"ACK hog-{k}.".encode())
    finally:
        hog.close()
        other.close()
        server.stop()


def test_a_partial_frame_on_one_connection_does_not_block_others(server: MLLPServer, recorder: Recorder) -> None:
    slow, other = Client(server.port), Client(server.port)
    try:
        data = frame(b"slow one")
        slow.sock.sendall(data[:4])
        for k in range(3):
            assert other.exchange(f"quick-{k}".encode()) == f"ACK quick-{k}".encode()
        slow.sock.sendall(data[4:-1])  # all but the last byte of the end marker
        assert other.exchange(b"quick-3") == b"ACK quick-3"
        slow.sock.sendall(data[-1:])
        assert slow.ack() == b"ACK slow one"
    finally:
        slow.close()
        other.close()
    assert recorder.stored(b"slow") == [b"slow one"]


def test_a_frame_not_stored_closes_only_its_own_connection(server: MLLPServer) -> None:
    bad, good = Client(server.port), Client(server.port)
    try:
        bad.send(b"bad")
        good.send(b"good")
        assert bad.reader.next_frame() is None  # closed without an answer: the sender will resend
        assert good.ack() == b"ACK good"
        assert good.exchange(b"still here") == b"ACK still here"
    finally:
        bad.close()
        good.close()


def test_a_sender_that_closes_its_side_after_sending_still_gets_its_acks(server: MLLPServer) -> None:
    client = Client(server.port)
    try:
        client.send(b"one", b"two")
        client.sock.shutdown(socket.SHUT_WR)
        assert [client.ack(), client.ack()] == [b"ACK one", b"ACK two"]
        assert client.reader.next_frame() is None
    finally:
        client.close()


def test_on_message_mode_answers_each_frame_and_closes_on_failure() -> None:
    def on_message(*, raw: bytes, peer: str) -> bytes:
        if raw == b"bad":
            raise RuntimeError("database is down")
        return b"ACK " + raw

    server = MLLPServer(("127.0.0.1", 0), on_message)
    server.start_in_thread()
    first, second = Client(server.port), Client(server.port)
    try:
        first.send(b"a", b"b")
        assert second.exchange(b"c") == b"ACK c"
        assert [first.ack(), first.ack()] == [b"ACK a", b"ACK b"]
        second.send(b"bad")
        assert second.reader.next_frame() is None
        assert first.exchange(b"d") == b"ACK d"
    finally:
        first.close()
        second.close()
        server.stop()


def test_stop_closes_open_connections(recorder: Recorder) -> None:
    server = serve(recorder)
    client = Client(server.port)
    try:
        assert client.exchange(b"x") == b"ACK x"
        server.stop()
        assert client.reader.next_frame() is None
        with pytest.raises(OSError):
            Client(server.port, timeout=2)
    finally:
        client.close()


class _OutOfDescriptors:
    """The listening socket, whose ``accept`` fails for ``seconds`` as when the process has no descriptor left."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.sock, self.until, self.calls = sock, time.monotonic() + seconds, 0

    def accept(self) -> tuple[socket.socket, object]:
        self.calls += 1
        if time.monotonic() < self.until:
            raise OSError(24, "Too many open files")
        return self.sock.accept()

    def __getattr__(self, name: str) -> object:
        return getattr(self.sock, name)


def test_out_of_descriptors_pauses_accepting_instead_of_spinning_then_resumes(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    server = MLLPServer(("127.0.0.1", 0), lambda **_: b"", on_batch=recorder)  # type: ignore[arg-type]
    failing = _OutOfDescriptors(server.socket, seconds=0.3)
    server.socket = failing  # type: ignore[assignment]
    server.start_in_thread()
    try:
        client = Client(server.port)
        client.send(b"waited")
        assert client.ack() == b"ACK waited"  # accepted once the pause (0.5 s) was over
        assert failing.calls <= 3  # one failure, then the accept that worked 0.5 s later: not one per loop turn
        assert sum("accept failed" in r.getMessage() for r in caplog.records) == 1
        client.close()
    finally:
        server.stop()


def test_a_batch_waits_a_moment_only_for_connections_just_answered() -> None:
    """Group commit: a ready frame waits (at most GATHER) for the next frame of a connection answered just now,
    which is about to send it; a lone sender, or one whose neighbours are quiet, never waits."""
    from clinicdesk.integrations.mllp import server as module

    listener = MLLPServer(("127.0.0.1", 0), lambda **_: b"", on_batch=Recorder())  # type: ignore[arg-type]
    try:
        now = 1000.0
        ready = module._Connection(socket.socket(), "a:1", 1024, now)
        ready.pending, ready.answered = b"frame", now - 0.0002
        listener._connections = {ready}
        assert not listener._gathering(now)  # alone: stored at once
        quiet = module._Connection(socket.socket(), "b:1", 1024, now)
        quiet.answered = now - 10  # answered long ago: not expected to send now
        listener._connections = {ready, quiet}
        assert not listener._gathering(now)
        sibling = module._Connection(socket.socket(), "c:1", 1024, now)
        sibling.answered = now - 0.0003  # its next frame is on its way
        listener._connections = {ready, quiet, sibling}
        assert listener._gathering(now) and listener._gathering(now + module.GATHER / 2)
        assert not listener._gathering(now + module.GATHER)  # the wait is bounded
        listener._gather_until = float("inf")
        sibling.pending = b"arrived"  # everyone expected has sent: no reason to wait
        assert not listener._gathering(now)
        for connection in (ready, quiet, sibling):
            connection.sock.close()
    finally:
        listener.server_close()
