"""Temporary failures come back later with backoff; permanent ones fail; a dead worker's message is recovered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import (
    MAX_ATTEMPTS,
    backoff,
    message_deliver,
    message_recover_stuck,
    message_requeue_lost,
)
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import SmtpServer, free_port, queue_email

pytestmark = pytest.mark.django_db


def make_due(message: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_451_requeues_with_backoff_then_succeeds(smtp_server: SmtpServer, consenting_patient: Patient,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    smtp_server.data_replies = ["451 4.3.0 Mailbox temporarily unavailable"]
    message = queue_email(consenting_patient)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert message_deliver(message.pk) == MessageStatus.QUEUED

    message.refresh_from_db()
    assert message.attempts == 1
    assert "451" in message.last_error
    assert before + timedelta(seconds=59) < message.next_attempt_at < before + timedelta(minutes=2)
    retry_task = DBTaskResult.objects.get(task_path="clinicdesk.messaging.tasks.deliver_message")
    assert retry_task.run_after == message.next_attempt_at
    assert message_deliver(message.pk) == MessageStatus.QUEUED  # not due yet: nothing is tried
    assert message.attempts == OutboundMessage.objects.get(pk=message.pk).attempts

    make_due(message)
    assert message_deliver(message.pk) == MessageStatus.SENT
    assert len(smtp_server.received) == 1
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 2


def test_a_refused_connection_is_temporary(settings: Any, consenting_patient: Patient) -> None:
    settings.CLINICDESK_EMAIL_URL = f"smtp://127.0.0.1:{free_port()}"
    message = queue_email(consenting_patient)
    assert message_deliver(message.pk) == MessageStatus.QUEUED
    message.refresh_from_db()
    assert "ConnectionRefusedError" in message.last_error
    assert message.sent_at is None


def test_a_550_fails_for_good_with_the_server_text(smtp_server: SmtpServer, consenting_patient: Patient) -> None:
    smtp_server.rcpt_reply = "550 5.1.1 No such user here"
    message = queue_email(consenting_patient)
    assert message_deliver(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.last_error == "550 5.1.1 No such user here"
    assert smtp_server.received == []


def test_backoff_doubles_up_to_six_hours() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(hours=6)


def test_temporary_failures_give_up_after_the_last_attempt(smtp_server: SmtpServer,
                                                           consenting_patient: Patient) -> None:
    smtp_server.data_replies = ["421 4.7.0 Try again later"] * MAX_ATTEMPTS
    message = queue_email(consenting_patient)
    for _ in range(MAX_ATTEMPTS):
        make_due(message)
        status = message_deliver(message.pk)
    assert status == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts: 421")


def test_a_message_stuck_in_sending_is_requeued_and_then_sent(smtp_server: SmtpServer,
                                                              consenting_patient: Patient) -> None:
    message = queue_email(consenting_patient)
    long_ago = timezone.now() - timedelta(minutes=11)
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=long_ago,
                                                         attempts=1)
    fresh = queue_email(consenting_patient, key="other")
    OutboundMessage.objects.filter(pk=fresh.pk).update(status=MessageStatus.SENDING, claimed_at=timezone.now())

    assert message_recover_stuck() == 1

    assert OutboundMessage.objects.get(pk=fresh.pk).status == MessageStatus.SENDING  # still being sent
    assert message_deliver(message.pk) == MessageStatus.SENT
    assert len(smtp_server.received) == 1
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 2


def test_a_queued_message_whose_task_was_lost_gets_a_new_one(consenting_patient: Patient,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    message = queue_email(consenting_patient)  # its after-commit enqueue never runs in this test
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert message_requeue_lost() == 1
    assert DBTaskResult.objects.filter(task_path="clinicdesk.messaging.tasks.deliver_message").count() == 1
    assert message_requeue_lost() == 0  # due again only after another grace period
