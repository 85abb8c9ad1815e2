"""A real SMTP server on loopback (aiosmtpd), and a patient who agreed to e-mail."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from clinicdesk.audit.services import Actor
from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.messaging.services import message_queue
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient

FROM = "office@lakeside.example"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message


@dataclass
class SmtpServer:
    """What the server received, and the replies it is told to give instead of accepting."""

    port: int
    received: list[Received] = field(default_factory=list)
    rcpt_reply: str = ""  # e.g. "550 5.1.1 No such user": refuse every recipient
    data_replies: list[str] = field(default_factory=list)  # answers to the next DATA commands, then accept
    data_delay: float = 0.0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from={FROM}"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.data_delay)
        if self.data_replies:
            return self.data_replies.pop(0)
        message = message_from_bytes(envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A running SMTP server on 127.0.0.1, named by CLINICDESK_EMAIL_URL for this test."""
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.CLINICDESK_EMAIL_URL = server.url
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def consenting_patient(org: Organization) -> Patient:
    return make_patient(org, family_name="Okafor", given_name="Chidi", email="chidi@example.org", consent_email=True)


def queue_email(patient: Patient, key: str = "reminder:1:48h", **overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "actor": Actor.system(via="test"), "organization": patient.organization, "patient": patient,
        "channel": "email", "to": patient.email, "template": "reminder.48h",
        "subject": "Your appointment on Monday", "body": "See you Monday at 10:00.", "idempotency_key": key,
    }
    values.update(overrides)
    return message_queue(**values)
