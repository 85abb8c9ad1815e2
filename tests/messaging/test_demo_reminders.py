"""Out of the box: the demo practice has reminders switched on, and its next day's appointments get them at the
first sweep — sent with a mail server, waiting in the outbox as "not sent" (and why) without one."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clinicdesk.demo.generate import generate_demo
from clinicdesk.messaging.models import MessageStatus, OutboundMessage, ReminderPolicy
from clinicdesk.messaging.reminder_services import reminders_sweep
from clinicdesk.messaging.services import message_deliver
from clinicdesk.scheduling.models import HOLDING, Appointment
from clinicdesk.staff.models import User
from tests.conftest import client_for
from tests.messaging.conftest import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> Any:
    return generate_demo(seed=3, patients=80, appointments=1500)


def test_demo_ships_an_active_policy_and_consenting_patients_with_appointments(demo: Any) -> None:
    policy = ReminderPolicy.objects.get(organization=demo.organization)
    assert policy.active
    assert {(s.offset_minutes, s.channel) for s in policy.steps.all()} == {
        (10080, "email"), (1440, "email"), (1440, "sms"), (120, "sms")}
    upcoming = Appointment.objects.filter(organization=demo.organization, status__in=HOLDING,
                                          start__gt=timezone.now())
    assert upcoming.filter(patient__consent_email=True, patient__consent_sms=True).exists()


def test_first_sweep_sends_reminders_or_keeps_them_visibly_unsent(demo: Any, smtp_server: SmtpServer,
                                                                   settings: Any) -> None:
    settings.CLINICDESK_SMS_URL = ""
    result = reminders_sweep(now=timezone.now())
    messages = list(OutboundMessage.objects.filter(organization=demo.organization))
    assert result.queued == len(messages) > 0
    outcomes = {message_deliver(m.pk) for m in messages}
    assert MessageStatus.SENT in outcomes or MessageStatus.NOT_SENT in outcomes
    emails = OutboundMessage.objects.filter(organization=demo.organization, channel="email")
    assert all(m.status == MessageStatus.SENT for m in emails)  # consenting patients, a server: all out
    assert emails.count() == len(smtp_server.received)
    texts = OutboundMessage.objects.filter(organization=demo.organization, channel="sms")
    assert all(m.status == MessageStatus.NOT_SENT and m.status_reason == "No SMS provider is configured"
               for m in texts)
    assert not OutboundMessage.objects.filter(status=MessageStatus.SENT, channel="sms").exists()
    manager = User.objects.get(username=demo.logins["manager"])
    page = client_for(manager).get(reverse("messages:outbox")).content.decode()
    if texts.exists():  # SMS has no provider here: visibly waiting, never "sent"
        assert f"{texts.count()} SMS message" in page and "waiting, not sent" in page
