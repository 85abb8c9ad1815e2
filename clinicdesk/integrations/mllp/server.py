"""A threaded MLLP listener: one thread per connection, each frame handed to ``on_message``, its answer framed back.

Why ``socketserver.ThreadingTCPServer`` rather than asyncio: the unit of work (``hl7_receive``) is synchronous
Django ORM code that must commit before the ACK goes out, so an event loop would only hand every frame to a
thread pool anyway; senders hold few, long-lived connections (usually one per lab interface), for which a thread
each is cheap, simple to reason about and easy to stop. Messages on one connection are handled strictly in
order: the ACK for one is written before the next frame is read.

Failures: ``on_message`` raising (database down) → nothing is answered and the connection is closed, so the sender
resends later; a frame over ``max_bytes`` → ``on_oversize``'s answer (AR), then close; no byte for
``idle_timeout`` seconds → close. Each connection thread closes its database connections when it ends.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

from .framing import DEFAULT_MAX_BYTES, FrameReader, FrameTooLarge, frame

log = logging.getLogger(__name__)

OnMessage = Callable[..., bytes]  # (*, raw: bytes, peer: str) -> ACK bytes
OnOversize = Callable[..., bytes]  # (*, head: bytes, size: int, limit: int, peer: str) -> ACK bytes


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
                sock.sendall(frame(self.server.on_message(raw=raw, peer=peer)))
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
                 max_bytes: int = DEFAULT_MAX_BYTES, idle_timeout: float = 300.0) -> None:
        self.on_message = on_message
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

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def hl7_listener(host: str, port: int, **options: Any) -> MLLPServer:
    """The listener wired to the HL7 v2 unit of work."""
    from clinicdesk.labs.services import hl7_receive, hl7_receive_oversize

    return MLLPServer((host, port), hl7_receive, on_oversize=hl7_receive_oversize, **options)
