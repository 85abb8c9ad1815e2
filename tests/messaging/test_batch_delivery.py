"""Batch delivery (the reminder sweep's path): one task and one SMTP connection for many messages, each message still
claimed on its own, a refusal or a dropped connection touching only its own message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import DELIVERY_BATCH, message_deliver, message_deliver_many, message_enqueue_batches
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import SmtpServer, free_port, queue_email


class CountingServer(SmtpServer):
    """Also notes the client connection each message came over."""

    peers: list[Any]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            self.peers.append(session.peer)
        return reply


@pytest.fixture
def counting_server(settings: Any) -> Iterator[CountingServer]:
    server = CountingServer(port=free_port())
    server.peers = []
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.CLINICDESK_EMAIL_URL = server.url
    try:
        yield server
    finally:
        controller.stop()


def _queue(patient: Patient, count: int) -> list[OutboundMessage]:
    return [queue_email(patient, key=f"batch:{n}", enqueue=False) for n in range(count)]


@pytest.mark.django_db
def test_a_batch_goes_out_over_one_connection(counting_server: CountingServer, consenting_patient: Patient) -> None:
    messages = _queue(consenting_patient, 5)

    outcome = message_deliver_many([m.pk for m in messages])

    assert outcome == {MessageStatus.SENT: 5}
    assert len(counting_server.received) == 5
    assert len(set(counting_server.peers)) == 1  # one SMTP connection for the five
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}


@pytest.mark.django_db
def test_a_refusal_inside_a_batch_touches_only_its_message(counting_server: CountingServer,
                                                           consenting_patient: Patient) -> None:
    messages = _queue(consenting_patient, 4)
    counting_server.data_replies = ["550 5.7.1 Rejected"]

    outcome = message_deliver_many([m.pk for m in messages])

    assert outcome == {MessageStatus.FAILED: 1, MessageStatus.SENT: 3}
    statuses = [OutboundMessage.objects.get(pk=m.pk).status for m in messages]
    assert statuses == [MessageStatus.FAILED, MessageStatus.SENT, MessageStatus.SENT, MessageStatus.SENT]
    assert len(counting_server.received) == 3


@pytest.mark.django_db
def test_messages_already_sent_or_claimed_are_skipped_not_sent_again(counting_server: CountingServer,
                                                                     consenting_patient: Patient) -> None:
    first, second, third = _queue(consenting_patient, 3)
    assert message_deliver(first.pk) == MessageStatus.SENT
    OutboundMessage.objects.filter(pk=second.pk).update(status=MessageStatus.SENDING)  # another worker has it

    outcome = message_deliver_many([first.pk, second.pk, third.pk, 999_999])

    assert outcome == {"skipped": 2, MessageStatus.SENT: 1, "missing": 1}
    assert len(counting_server.received) == 2  # first (before) and third


@pytest.mark.django_db(transaction=True)
def test_batches_are_enqueued_after_commit_and_run_by_the_worker(counting_server: CountingServer,
                                                                  consenting_patient: Patient) -> None:
    messages = _queue(consenting_patient, DELIVERY_BATCH + 3)

    message_enqueue_batches([m.pk for m in messages])  # autocommit: enqueued at once

    tasks = DBTaskResult.objects.filter(task_path="clinicdesk.messaging.tasks.deliver_messages")
    assert sorted(len(t.args_kwargs["args"][0]) for t in tasks) == [3, DELIVERY_BATCH]
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0", verbosity=0)
    assert OutboundMessage.objects.filter(status=MessageStatus.SENT).count() == DELIVERY_BATCH + 3
    assert len(counting_server.received) == DELIVERY_BATCH + 3
