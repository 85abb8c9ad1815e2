"""Reminders carry absolute signed confirm/cancel/new-time links under CLINICDESK_PUBLIC_URL (merge fields), and
those links work once; without the setting the message goes out without links (and says so in the preview)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from clinicdesk.messaging.models import MessageTemplate, OutboundMessage, ReminderPolicy, ReminderStep
from clinicdesk.messaging.reminder_services import reminders_sweep
from clinicdesk.scheduling.models import Appointment, Status
from tests.conftest import make_patient
from tests.messaging.ui_helpers import book
from tests.scheduling.conftest import Clinic

pytestmark = pytest.mark.django_db
BODY = ("Hi {patient_first_name}. Confirm: {confirm_link} Cancel: {cancel_link} "
        "New time: {reschedule_link}")


@pytest.fixture
def booked(clinic: Clinic, monday: date) -> Appointment:
    template = MessageTemplate.objects.create(organization=clinic.org, key="reminder", channel="email",
                                              subject="Your visit", body=BODY)
    policy = ReminderPolicy.objects.create(organization=clinic.org, name="Standard")
    ReminderStep.objects.create(policy=policy, offset_minutes=1440, channel="email", template=template)
    patient = make_patient(clinic.org, family_name="Okafor", given_name="Chidi", email="chidi@example.org",
                           consent_email=True)
    appointment = book(clinic, patient, monday)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=timezone.now() - timedelta(days=30))
    return appointment


def sweep_at(appointment: Appointment) -> OutboundMessage:
    reminders_sweep(now=appointment.start - timedelta(hours=23))
    return OutboundMessage.objects.get(appointment=appointment)


def test_reminder_carries_absolute_signed_links_that_work_once(settings: Any, booked: Appointment) -> None:
    settings.CLINICDESK_PUBLIC_URL = "https://desk.example.org"
    message = sweep_at(booked)
    links = re.findall(r"https://desk\.example\.org(/m/[^\s]+/)", message.body)
    assert len(links) == 3 and "[[clinicdesk-link" not in message.body
    confirm, cancel, _new_time = links
    client = Client()
    assert "Confirm your appointment" in client.get(confirm).content.decode()
    assert client.post(confirm).status_code == 200
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED
    assert client.post(confirm).status_code == 410  # replay
    assert client.post(cancel).status_code == 410  # one answer per reminder
    # The sweep again: the same message, the same links (idempotent).
    reminders_sweep(now=booked.start - timedelta(hours=22))
    assert OutboundMessage.objects.get(appointment=booked).body == message.body


def test_without_public_url_the_links_are_left_out(settings: Any, booked: Appointment) -> None:
    settings.CLINICDESK_PUBLIC_URL = ""
    message = sweep_at(booked)
    assert message.body == "Hi Chidi. Confirm:  Cancel:  New time: "
