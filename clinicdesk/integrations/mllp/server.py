"""A threaded MLLP listener: one thread per connection, each frame handed to ``on_message``, its answer framed back.

Why ``socketserver.ThreadingTCPServer`` rather than asyncio: the unit of work (``hl7_receive``) is synchronous
Django ORM code that must commit before the ACK goes out, so an event loop would only hand every frame to a
thread pool anyway; senders hold few, long-lived connections (usually one per lab interface), for which a thread
each is cheap, simple to reason about and easy to stop. Messages on one connection are handled strictly in
order: the ACK for one is written before the next frame is read.

Group commit (``on_batch``, what ``hl7_listener`` uses): the connection threads only read frames and write ACKs;
one writer thread takes every frame waiting, from all connections, and hands them to ``on_batch`` together, which
stores them in one transaction and returns one answer per frame (an ACK, or the exception that kept that frame
from being stored). Each connection gets its own answer once the writer has it — after the commit, so nothing is
acknowledged before it is stored — and still strictly in order (one frame in flight per connection). With one
sender a batch is one frame; with several, a commit and the per-transaction work are shared.

Failures: ``on_message`` raising, or ``on_batch`` answering an exception (database down) → nothing is answered
and the connection is closed, so the sender resends later; a frame over ``max_bytes`` → ``on_oversize``'s answer
(AR), then close; no byte for ``idle_timeout`` seconds → close. Each thread (connection or writer) closes its
database connections when it ends; the writer also after a failure, to start the next batch afresh.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Sequence
from queue import Empty, SimpleQueue
from typing import Any

from .framing import DEFAULT_MAX_BYTES, FrameReader, FrameTooLarge, frame

log = logging.getLogger(__name__)

OnMessage = Callable[..., bytes]  # (*, raw: bytes, peer: str) -> ACK bytes
OnOversize = Callable[..., bytes]  # (*, head: bytes, size: int, limit: int, peer: str) -> ACK bytes
OnBatch = Callable[[Sequence[tuple[bytes, str]]], Sequence[bytes | BaseException]]  # (raw, peer) each → answers
MAX_BATCH = 64  # frames per transaction at most


class _Pending:
    """One frame waiting for the writer, and its answer once there is one."""

    __slots__ = ("answer", "done", "peer", "raw")

    def __init__(self, raw: bytes, peer: str) -> None:
        self.raw, self.peer = raw, peer
        self.answer: bytes | BaseException = RuntimeError("not answered")
        self.done = threading.Event()


class _Writer:
    """The one thread that stores frames, a batch at a time: all that are waiting, up to ``MAX_BATCH``."""

    def __init__(self, on_batch: OnBatch) -> None:
        self.on_batch = on_batch
        self.waiting: SimpleQueue[_Pending | None] = SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="mllp-writer", daemon=True)
        self.thread.start()

    def submit(self, raw: bytes, peer: str) -> bytes:
        pending = _Pending(raw, peer)
        self.waiting.put(pending)
        pending.done.wait()
        if isinstance(pending.answer, BaseException):
            raise pending.answer
        return pending.answer

    def stop(self) -> None:
        self.waiting.put(None)
        self.thread.join(10)

    def _run(self) -> None:
        from django.db import connections

        try:
            while True:
                first = self.waiting.get()
                if first is None:
                    return
                batch = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        more = self.waiting.get_nowait()
                    except Empty:
                        break
                    if more is None:
                        self.waiting.put(None)  # stop after this batch
                        break
                    batch.append(more)
                self._store(batch)
        finally:
            connections.close_all()  # this thread's connections

    def _store(self, batch: list[_Pending]) -> None:
        from django.db import connections

        try:
            answers: Sequence[bytes | BaseException] = self.on_batch([(p.raw, p.peer) for p in batch])
            if len(answers) != len(batch):
                raise RuntimeError(f"{len(answers)} answers for {len(batch)} frames")
        except Exception as exc:  # nothing stored: every sender will resend
            log.exception("MLLP: %d frames not stored", len(batch))
            answers = [exc] * len(batch)
        if any(isinstance(answer, BaseException) for answer in answers):
            connections.close_all()  # a broken connection is opened afresh for the next batch
        for pending, answer in zip(batch, answers, strict=True):
            pending.answer = answer
            pending.done.set()


class _Connection(socketserver.BaseRequestHandler):
    server: MLLPServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        host, port = self.client_address[:2]
        peer = f"{host}:{port}"
        sock.settimeout(self.server.idle_timeout)
        reader = FrameReader(sock, self.server.max_bytes)
        try:
            while True:
                raw = reader.next_frame()
                if raw is None:
                    return
                sock.sendall(frame(self.server.answer(raw, peer)))
        except FrameTooLarge as big:
            log.warning("MLLP %s: frame over %d bytes, rejected and closed", peer, big.limit)
            if self.server.on_oversize:
                try:
                    sock.sendall(frame(self.server.on_oversize(head=big.head, size=big.size, limit=big.limit,
                                                                peer=peer)))
                except Exception:
                    log.exception("MLLP %s: oversize frame not recorded, closed without ACK", peer)
        except TimeoutError:
            log.info("MLLP %s: idle for %ss, closed", peer, self.server.idle_timeout)
        except OSError as exc:  # reset by the peer, broken pipe
            log.info("MLLP %s: connection lost (%s)", peer, exc)
        except Exception:  # storing failed: no ACK, the sender will resend
            log.exception("MLLP %s: message not stored, connection closed without ACK", peer)

    def finish(self) -> None:
        from django.db import connections

        connections.close_all()  # this thread's connections only: Django keeps them per thread


class MLLPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True  # a hung sender must not keep the process alive at shutdown
    block_on_close = False

    def __init__(self, address: tuple[str, int], on_message: OnMessage, *, on_oversize: OnOversize | None = None,
                 on_batch: OnBatch | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 idle_timeout: float = 300.0) -> None:
        self.on_message = on_message
        self.on_batch = on_batch
        self._writer: _Writer | None = None
        self._writer_lock = threading.Lock()
        self.on_oversize = on_oversize
        self.max_bytes = max_bytes
        self.idle_timeout = idle_timeout
        super().__init__(address, _Connection)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="mllp-listener",
                                  daemon=True)
        thread.start()
        return thread

    def answer(self, raw: bytes, peer: str) -> bytes:
        """The ACK for one frame, once stored: through the writer (group commit) or ``on_message`` directly."""
        if self.on_batch is None:
            return self.on_message(raw=raw, peer=peer)
        with self._writer_lock:
            if self._writer is None:
                self._writer = _Writer(self.on_batch)
            writer = self._writer
        return writer.submit(raw, peer)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        with self._writer_lock:
            if self._writer is not None:
                self._writer.stop()
                self._writer = None


def hl7_listener(host: str, port: int, **options: Any) -> MLLPServer:
    """The listener wired to the HL7 v2 unit of work."""
    from clinicdesk.labs.services import hl7_receive, hl7_receive_many, hl7_receive_oversize

    return MLLPServer((host, port), hl7_receive, on_oversize=hl7_receive_oversize, on_batch=hl7_receive_many,
                      **options)
