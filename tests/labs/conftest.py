"""HL7 messages to send and an MLLP client that reads ACKs back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from clinicdesk.integrations.mllp import FrameReader, MLLPServer, frame
from clinicdesk.integrations.mllp.server import hl7_listener
from tests.protocols.hl7v2.helpers import ack_fields, fixture

ORU = fixture("quest_231_cbc.hl7")  # ORU^R01 v2.3.1, MSH-10 Q0000123456, sent by LAB
BROKEN = fixture("broken_missing_obx3.hl7")  # AE: OBX-3 missing


def oru(control_id: str) -> bytes:
    return ORU.replace(b"|Q0000123456|", f"|{control_id}|".encode())


def msa(ack: bytes) -> list[str]:
    """MSA fields: [MSA, code, their control id, text…]."""
    return ack_fields(ack.decode("latin-1"))["MSA"]


class Client:
    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.reader = FrameReader(self.sock)

    def send(self, *payloads: bytes) -> None:
        self.sock.sendall(b"".join(frame(p) for p in payloads))

    def ack(self) -> bytes:
        ack = self.reader.next_frame()
        assert ack is not None, "connection closed without an ACK"
        return ack

    def exchange(self, payload: bytes) -> bytes:
        self.send(payload)
        return self.ack()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(transactional_db: Any) -> Iterator[MLLPServer]:
    """The real listener on a free port, in a thread; rows it commits are visible to the test (transactional)."""
    server = hl7_listener("127.0.0.1", 0, idle_timeout=5.0)
    server.start_in_thread()
    yield server
    server.stop()


@pytest.fixture
def client(listener: MLLPServer) -> Iterator[Client]:
    c = Client(listener.port)
    yield c
    c.close()
