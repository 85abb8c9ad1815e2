"""The MLLP listener: one thread does the I/O of every connection and the storing, in a ``selectors`` loop.

Why one thread: the unit of work (``hl7_receive_many``) is synchronous Django ORM code that must commit before
the ACK goes out, and it is where nearly all the time goes. A thread per connection plus a writer thread cost
about a millisecond of CPU per frame in hand-offs (queues, events, the GIL passing between threads); one loop
that reads what is readable, stores what is complete and writes the answers has none of that.

Each turn of the loop: accept new connections; read whatever is readable (non-blocking) and cut it into frames
(``FrameReader``: split frames, several per read, garbage between frames, a restart byte, the size limit); take
the next frame of every connection that has one (at most one in flight per connection, so each connection's
messages are handled strictly in order: its next frame is not stored before the ACK of the one before has been
handed to the socket) and pass them all to ``on_batch`` together — group commit: one transaction, one answer per
frame (its ACK, or the exception that kept it from being stored). Only then are the ACKs written, so nothing is
acknowledged before it is committed. Writes are non-blocking and buffered per connection: a sender that does not
read its ACKs stalls only itself (it is read no further and its frames wait), never the others. Without
``on_batch``, ``on_message`` is called for each frame in the same place.

Failures: ``on_message`` raising, or ``on_batch`` raising or answering an exception (database down) → nothing is
answered and that connection is closed, so the sender resends later; a frame over ``max_bytes`` →
``on_oversize``'s answer (AR), then close; no byte read or written for ``idle_timeout`` seconds → close. The
loop's database connections are closed after a failure (to start the next batch afresh) and when it stops.

Several processes can listen on one port (``reuse_port``: SO_REUSEPORT, Linux; see ``processes.py``), each with
its own loop and database connection: the kernel spreads new connections over them.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .framing import CHUNK, DEFAULT_MAX_BYTES, FrameReader, FrameTooLarge, frame

log = logging.getLogger(__name__)

OnMessage = Callable[..., bytes]  # (*, raw: bytes, peer: str) -> ACK bytes
OnOversize = Callable[..., bytes]  # (*, head: bytes, size: int, limit: int, peer: str) -> ACK bytes
OnBatch = Callable[[Sequence[tuple[bytes, str]]], Sequence[bytes | BaseException]]  # (raw, peer) each → answers
MAX_BATCH = 64  # frames per transaction at most
READ_AHEAD = 256 * 1024  # bytes read past the frame in hand; beyond that a connection waits for its ACK to go
ACCEPT_AT_ONCE = 16
ACCEPT_PAUSE = 0.5  # seconds without accepting after accept() failed (out of file descriptors)
# Group commit waits at most GATHER seconds for the next frame of a connection answered less than SIBLING
# seconds ago: senders answer an ACK with their next message within a fraction of a millisecond, and without the
# wait the first of them would be stored alone, then the next, each paying a transaction (PostgreSQL's
# commit_delay, for the same reason). A lone sender never waits.
GATHER = 0.001
SIBLING = 0.005
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE
_WAKE = "wake"


class _Connection:
    """One sender: what was read and not yet stored, what was answered and not yet sent."""

    __slots__ = ("answered", "closed", "closing", "eof", "events", "last", "out", "peer", "pending", "reader", "sock")

    def __init__(self, sock: socket.socket, peer: str, max_bytes: int, now: float) -> None:
        self.sock, self.peer = sock, peer
        self.reader = FrameReader(sock, max_bytes)
        self.pending: bytes | None = None  # its next frame to store
        self.out = bytearray()  # answers the socket has not taken yet
        self.eof = False  # the sender closed its side: answer what was read, then close
        self.closing = False  # answered for the last time (oversize): close once ``out`` is sent
        self.closed = False
        self.events = 0  # what the selector watches for
        self.last = now  # the last byte read or sent, for the idle timeout
        self.answered = float("-inf")  # when its last answer was queued (its next frame is likely to follow)


class MLLPServer:
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], on_message: OnMessage, *, on_oversize: OnOversize | None = None,
                 on_batch: OnBatch | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 idle_timeout: float = 300.0, reuse_port: bool = False) -> None:
        self.on_message = on_message
        self.on_batch = on_batch
        self.on_oversize = on_oversize
        self.max_bytes = max_bytes
        self.idle_timeout = idle_timeout
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            self.socket.bind(address)
            self.socket.listen(self.request_queue_size)
            self.socket.setblocking(False)
        except BaseException:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._connections: set[_Connection] = set()
        self._next_idle_check = float("inf")
        self._accept_again = float("inf")  # when accepting paused (out of descriptors): when to resume
        self._gather_until = float("inf")  # the ready frames wait for others until then (see GATHER)
        self._stopping = False
        self._stopped = threading.Event()
        self._stopped.set()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    # Running and stopping ---------------------------------------------------------------------------------------

    def start_in_thread(self) -> threading.Thread:
        self._stopped.clear()  # so that a stop() right away waits for the loop
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="mllp-listener",
                                  daemon=True)
        thread.start()
        return thread

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Run the loop in this thread until :meth:`shutdown` (or an exception: SIGTERM's SystemExit)."""
        from django.db import connections

        self._stopped.clear()
        try:
            if self._stopping:
                return
            self._selector.register(self.socket, READ, None)
            self._selector.register(self._wake_r, READ, _WAKE)
            while not self._stopping:
                self._turn(poll_interval)
        finally:
            for connection in list(self._connections):
                self._close(connection)
            for sock in (self.socket, self._wake_r):
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(sock)
            connections.close_all()  # this thread's
            self._stopped.set()

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the loop (from another thread) and wait for it to close its connections."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        for sock in (self.socket, self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    # The loop ---------------------------------------------------------------------------------------------------

    def _turn(self, poll_interval: float) -> None:
        now = time.monotonic()
        busy = any(c.pending is not None and not c.out for c in self._connections)
        if busy and self._gathering(now):
            timeout = max(0.0, self._gather_until - now)
        else:
            timeout = 0.0 if busy else max(0.0, min(poll_interval, self._next_idle_check - now,
                                                     self._accept_again - now))
        for key, mask in self._selector.select(timeout):
            target = key.data
            if target is None:
                self._accept()
            elif target is _WAKE:
                self._drain_wake()
            elif not target.closed:
                if mask & WRITE:
                    self._flush(target)
                if mask & READ and not target.closed:
                    self._read(target)
        ready = [c for c in self._connections if c.pending is not None and not c.out]
        if ready and not self._gathering(time.monotonic()):
            self._gather_until = float("inf")
            for first in range(0, len(ready), MAX_BATCH):
                self._store(ready[first:first + MAX_BATCH])
        now = time.monotonic()
        if now >= self._next_idle_check:
            self._expire(now)
        if now >= self._accept_again:
            self._accept_again = float("inf")
            self._selector.register(self.socket, READ, None)

    def _gathering(self, now: float) -> bool:
        """Whether the frames ready wait a moment for those of connections answered just now (see GATHER)."""
        if not any(c.pending is None and not c.out and not c.eof and now - c.answered < SIBLING
                   for c in self._connections):
            return False
        if self._gather_until == float("inf"):
            self._gather_until = now + GATHER
        return now < self._gather_until

    def _accept(self) -> None:
        for _ in range(ACCEPT_AT_ONCE):
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of file descriptors, …: the connection waits in the backlog
                # The listening socket stays readable while it waits: stop watching it for a moment, or the loop
                # would spin on it (and log each turn) until a descriptor is free.
                log.warning("MLLP: accept failed (%s); new connections wait %.1f s", exc, ACCEPT_PAUSE)
                self._selector.unregister(self.socket)
                self._accept_again = time.monotonic() + ACCEPT_PAUSE
                return
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            now = time.monotonic()
            connection = _Connection(sock, f"{address[0]}:{address[1]}", self.max_bytes, now)
            self._connections.add(connection)
            self._next_idle_check = min(self._next_idle_check, now + self.idle_timeout)
            self._watch(connection)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(64):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _read(self, connection: _Connection) -> None:
        try:
            data = connection.sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # reset by the peer
            log.info("MLLP %s: connection lost (%s)", connection.peer, exc)
            self._close(connection)
            return
        if data:
            connection.last = time.monotonic()
            connection.reader.feed(data)
        else:
            connection.eof = True
        if connection.pending is None:
            self._next_frame(connection)
        self._watch(connection)

    def _next_frame(self, connection: _Connection) -> None:
        """Take the connection's next complete frame from what was read, if there is one."""
        try:
            connection.pending = connection.reader.pop()
        except FrameTooLarge as big:
            self._oversize(connection, big)
        except Exception:  # a bug in framing must cost this connection only, never the loop
            log.exception("MLLP %s: unreadable stream, connection closed", connection.peer)
            connection.pending, connection.closing = None, True

    def _oversize(self, connection: _Connection, big: FrameTooLarge) -> None:
        connection.pending, connection.closing = None, True
        log.warning("MLLP %s: frame over %d bytes, rejected and closed", connection.peer, big.limit)
        if self.on_oversize is None:
            return
        try:
            answer = self.on_oversize(head=big.head, size=big.size, limit=big.limit, peer=connection.peer)
        except Exception:
            from django.db import connections

            log.exception("MLLP %s: oversize frame not recorded, closed without ACK", connection.peer)
            connections.close_all()
            return
        connection.out += frame(answer)

    def _store(self, batch: list[_Connection]) -> None:
        """Store the frames of ``batch`` (one per connection) together, then queue each connection's answer."""
        answers = self._answers([(c.pending or b"", c.peer) for c in batch])
        failed = False
        now = time.monotonic()
        for connection, answer in zip(batch, answers, strict=True):
            connection.pending = None
            if isinstance(answer, BaseException):  # not stored: no answer, the sender will resend
                failed = True
                log.info("MLLP %s: message not stored, connection closed without ACK", connection.peer)
                self._close(connection)
                continue
            connection.out += frame(answer)
            connection.last = connection.answered = now
            self._next_frame(connection)  # one it sent already, for the next batch
            self._flush(connection)
        if failed:
            from django.db import connections

            connections.close_all()  # a broken database connection is opened afresh for the next batch

    def _answers(self, frames: list[tuple[bytes, str]]) -> Sequence[bytes | BaseException]:
        if self.on_batch is None:
            answers: list[bytes | BaseException] = []
            for raw, peer in frames:
                try:
                    answers.append(self.on_message(raw=raw, peer=peer))
                except Exception as exc:
                    log.exception("MLLP %s: message not stored", peer)
                    answers.append(exc)
            return answers
        try:
            batch_answers = self.on_batch(frames)
            if len(batch_answers) != len(frames):
                raise RuntimeError(f"{len(batch_answers)} answers for {len(frames)} frames")
            return batch_answers
        except Exception as exc:  # nothing stored: every sender will resend
            log.exception("MLLP: %d frames not stored", len(frames))
            return [exc] * len(frames)

    def _flush(self, connection: _Connection) -> None:
        if connection.out:
            try:
                sent = connection.sock.send(connection.out)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:  # broken pipe, reset
                log.info("MLLP %s: connection lost (%s)", connection.peer, exc)
                self._close(connection)
                return
            if sent:
                del connection.out[:sent]
                connection.last = time.monotonic()
        self._watch(connection)

    def _watch(self, connection: _Connection) -> None:
        """Close a connection that is done; otherwise watch it for what it now needs (read, write, both, none)."""
        if connection.closed:
            return
        if not connection.out and (connection.closing or (connection.eof and connection.pending is None)):
            self._close(connection)
            return
        events = WRITE if connection.out else 0
        if not (connection.closing or connection.eof) and (
                connection.pending is None or len(connection.reader.buffer) < READ_AHEAD):
            events |= READ
        if events == connection.events:
            return
        if not connection.events:
            self._selector.register(connection.sock, events, connection)
        elif not events:
            self._selector.unregister(connection.sock)
        else:
            self._selector.modify(connection.sock, events, connection)
        connection.events = events

    def _expire(self, now: float) -> None:
        limit, next_check = now - self.idle_timeout, float("inf")
        for connection in list(self._connections):
            if connection.last <= limit:
                log.info("MLLP %s: idle for %ss, closed", connection.peer, self.idle_timeout)
                self._close(connection)
            else:
                next_check = min(next_check, connection.last + self.idle_timeout)
        self._next_idle_check = next_check

    def _close(self, connection: _Connection) -> None:
        if connection.closed:
            return
        connection.closed = True
        self._connections.discard(connection)
        if connection.events:
            with contextlib.suppress(KeyError, ValueError, RuntimeError):  # a selector closed by a late stop()
                self._selector.unregister(connection.sock)
            connection.events = 0
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_WR)
        connection.sock.close()

    # One frame, outside the loop ----------------------------------------------------------------------------------

    def answer(self, raw: bytes, peer: str) -> bytes:
        """The ACK for one frame once stored, computed in the calling thread; raises if it was not stored."""
        answer = self._answers([(raw, peer)])[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def hl7_listener(host: str, port: int, *, notify: Callable[[], None] | None = None, **options: Any) -> MLLPServer:
    """The listener wired to the HL7 v2 unit of work: each group filed before its ACKs (``hl7_receive_many``),
    or, with ``notify``, acknowledged once stored and left to a filer that ``notify()`` wakes
    (``hl7_accept_many``; see ``labs.queue``)."""
    from functools import partial

    from clinicdesk.labs.services import hl7_accept_many, hl7_receive, hl7_receive_many, hl7_receive_oversize

    on_batch = hl7_receive_many if notify is None else partial(hl7_accept_many, notify=notify)
    return MLLPServer((host, port), hl7_receive, on_oversize=hl7_receive_oversize, on_batch=on_batch, **options)
