"""Two workers delivering one message at the same moment send exactly one e-mail, on both databases."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import message_deliver
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import SmtpServer, queue_email

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_deliveries_send_one_email(smtp_server: SmtpServer, consenting_patient: Patient) -> None:
    smtp_server.data_delay = 0.2  # keep the first sender inside its SMTP conversation while the second tries
    message = queue_email(consenting_patient)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            barrier.wait()
            outcomes.append(message_deliver(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(smtp_server.received) == 1
    assert outcomes.count(MessageStatus.SENT) >= 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert OutboundMessage.objects.count() == 1
