"""Queue → deliver against a real SMTP server on loopback; idempotency; no server, no consent."""

from __future__ import annotations

from typing import Any

import pytest

from clinicdesk.audit.models import AuditEvent
from clinicdesk.messaging.email import NOT_CONFIGURED
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import NO_EMAIL_CONSENT, message_deliver, message_id_header
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import FROM, SmtpServer, queue_email

pytestmark = pytest.mark.django_db


def test_a_queued_message_is_delivered_once_with_its_message_id(smtp_server: SmtpServer,
                                                                 consenting_patient: Patient) -> None:
    message = queue_email(consenting_patient)
    assert message.status == MessageStatus.QUEUED

    assert message_deliver(message.pk) == MessageStatus.SENT

    [received] = smtp_server.received
    assert received.rcpt_tos == ["chidi@example.org"]
    assert received.mail_from == FROM
    assert received.message["Subject"] == "Your appointment on Monday"
    assert received.message["Message-ID"] == message_id_header(message, FROM)
    assert "See you Monday at 10:00." in received.message.get_payload()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None
    assert message.provider_message_id == received.message["Message-ID"]


def test_delivering_a_sent_message_again_sends_nothing(smtp_server: SmtpServer, consenting_patient: Patient) -> None:
    message = queue_email(consenting_patient)
    message_deliver(message.pk)
    assert message_deliver(message.pk) == MessageStatus.SENT
    assert len(smtp_server.received) == 1


def test_the_same_key_twice_gives_one_row_and_one_email(smtp_server: SmtpServer, consenting_patient: Patient,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_email(consenting_patient, key="reminder:7:48h")
        again = queue_email(consenting_patient, key="reminder:7:48h", body="A different rendering")
    assert again.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="message.queue").count() == 1
    message_deliver(first.pk)
    message_deliver(again.pk)
    assert len(smtp_server.received) == 1
    assert "See you Monday" in smtp_server.received[0].message.get_payload()


def test_with_no_server_configured_the_message_waits_as_not_sent_with_the_reason(
        settings: Any, consenting_patient: Patient) -> None:
    settings.CLINICDESK_EMAIL_URL = ""
    message = queue_email(consenting_patient)

    assert message_deliver(message.pk) == MessageStatus.NOT_SENT

    message.refresh_from_db()
    assert message.status_reason == NOT_CONFIGURED == "No e-mail server is configured (CLINICDESK_EMAIL_URL)"
    assert message.sent_at is None
    assert message.provider_message_id == ""
    assert not OutboundMessage.objects.filter(status=MessageStatus.SENT).exists()


def test_an_unreadable_server_url_is_not_sent_and_says_so(settings: Any, consenting_patient: Patient) -> None:
    settings.CLINICDESK_EMAIL_URL = "http://mail.example.org"
    message = queue_email(consenting_patient)
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert "CLINICDESK_EMAIL_URL cannot be used" in message.status_reason


def test_a_patient_without_email_consent_is_not_emailed(smtp_server: SmtpServer, patient: Patient) -> None:
    assert not patient.consent_email
    message = queue_email(patient)
    assert message_deliver(message.pk) == MessageStatus.NOT_SENT
    message.refresh_from_db()
    assert message.status_reason == NO_EMAIL_CONSENT
    assert smtp_server.received == []


def test_queueing_is_audited_and_delivery_enqueues_a_task_after_commit(
        consenting_patient: Patient, django_capture_on_commit_callbacks: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue_email(consenting_patient)
    assert not DBTaskResult.objects.exists()  # nothing runs before the row is committed
    for callback in callbacks:
        callback()
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "clinicdesk.messaging.tasks.deliver_message"
    assert task.args_kwargs == {"args": [message.pk], "kwargs": {}}
    event = AuditEvent.objects.get(action="message.queue")
    assert (event.patient_id, event.object_id) == (consenting_patient.pk, str(message.pk))


def test_a_bad_address_is_refused_at_queue_time(consenting_patient: Patient) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        queue_email(consenting_patient, to="not an address")
    assert not OutboundMessage.objects.exists()


def test_a_patient_of_another_practice_is_refused(consenting_patient: Patient, other_org: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        queue_email(consenting_patient, organization=other_org)
    assert not OutboundMessage.objects.exists()
