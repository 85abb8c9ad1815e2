"""Signed single-use links in reminders: confirm, cancel, ask for a new time; replay, tampering and expiry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.messaging.links import SALT, link_path, link_token
from clinicdesk.messaging.models import LinkUse, OutboundMessage
from clinicdesk.messaging.responses import CANCEL_REASON, NEW_TIME_NOTE
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Reservation, Status
from clinicdesk.scheduling.services import appointment_book, appointment_cancel
from tests.conftest import make_patient
from tests.messaging.test_sms import queue_sms
from tests.scheduling.conftest import Clinic, book_kwargs, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(clinic: Clinic, monday: date) -> Appointment:
    patient = make_patient(clinic.org, family_name="Okafor", given_name="Chidi", phone_mobile="(217) 555-0142",
                           consent_sms=True)
    return appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 10)))


@pytest.fixture
def reminder(appointment: Appointment) -> OutboundMessage:
    return queue_sms(appointment.patient, key=f"reminder:{appointment.pk}:1", appointment=appointment)


def test_get_shows_the_appointment_and_changes_nothing(reminder: OutboundMessage, appointment: Appointment) -> None:
    response = Client().get(link_path(reminder, "confirm"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm your appointment" in page and "10:00 AM" in page and "Yes, I will come" in page
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and not LinkUse.objects.exists()


def test_confirm_confirms_as_the_patient_and_a_replay_is_refused(reminder: OutboundMessage,
                                                                 appointment: Appointment) -> None:
    client = Client(enforce_csrf_checks=True)
    path = link_path(reminder, "confirm")
    client.get(path)  # sets the CSRF cookie
    response = client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200 and "Appointment confirmed" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    change = AppointmentChange.objects.filter(appointment=appointment).last()
    assert change is not None and (change.via, change.user, change.to_status) == ("link", None, Status.CONFIRMED)
    assert AuditEvent.objects.filter(object_type="Appointment", object_id=str(appointment.pk), role="patient",
                                     via="link", user_id=None).exists()
    assert LinkUse.objects.get(message=reminder).action == "confirm"
    for again in (path, link_path(reminder, "cancel")):  # every link of the reminder is used up
        replay = client.post(again, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
        assert replay.status_code == 410 and "already been used" in replay.content.decode()
    assert Client().get(path).status_code == 410


def test_cancel_frees_the_time_with_the_patients_reason(reminder: OutboundMessage, appointment: Appointment) -> None:
    response = Client().post(link_path(reminder, "cancel"))
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by, appointment.cancel_reason) == (
        Status.CANCELLED, "patient", CANCEL_REASON)
    assert not Reservation.objects.filter(appointment=appointment, active=True).exists()


def test_asking_for_a_new_time_leaves_a_note_and_keeps_the_booking(reminder: OutboundMessage,
                                                                  appointment: Appointment) -> None:
    assert Client().post(link_path(reminder, "reschedule")).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    change = AppointmentChange.objects.filter(appointment=appointment).last()
    assert change is not None and change.note == NEW_TIME_NOTE and change.via == "link"


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "nonsense", lambda t: t.replace(":", "", 1)])
def test_a_tampered_link_is_a_plain_400(reminder: OutboundMessage, mangle: Any) -> None:
    response = Client().post(f"/m/{mangle(link_token(reminder, 'confirm'))}/")
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_a_link_signed_for_another_action_or_appointment_is_refused(reminder: OutboundMessage) -> None:
    forged = signing.TimestampSigner(salt=SALT).sign_object({"m": reminder.pk, "a": 999999, "x": "cancel"})
    assert Client().post(f"/m/{forged}/").status_code == 400
    other_salt = signing.TimestampSigner(salt="other").sign_object({"m": reminder.pk, "a": reminder.appointment_id,
                                                                    "x": "cancel"})
    assert Client().post(f"/m/{other_salt}/").status_code == 400


def test_after_the_start_or_once_cancelled_the_link_has_expired(reminder: OutboundMessage,
                                                                appointment: Appointment) -> None:
    path = link_path(reminder, "confirm")
    Appointment.objects.filter(pk=appointment.pk).update(start=timezone.now() - timedelta(minutes=1))
    response = Client().post(path)
    assert response.status_code == 410 and "already started" in response.content.decode()
    Appointment.objects.filter(pk=appointment.pk).update(start=timezone.now() + timedelta(days=1))
    appointment_cancel(actor=Actor.system(via="test"), appointment=appointment, reason="Practice closed",
                       by="practice")
    response = Client().get(path)
    assert response.status_code == 410 and "cancelled" in response.content.decode()


def test_links_are_public_even_for_a_logged_in_page_path(reminder: OutboundMessage, patient: Patient) -> None:
    response = Client().get(link_path(reminder, "reschedule"))
    assert response.status_code == 200 and "Ask for a new time" in response.content.decode()
