"""Texts from patients through the provider's inbound webhook: C, R, STOP, HELP, and refused callers."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.messaging.inbound import twilio_signature
from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.messaging.responses import NEW_TIME_NOTE
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Status
from clinicdesk.scheduling.services import appointment_book
from tests.conftest import make_patient
from tests.messaging.test_sms import SID, TOKEN
from tests.scheduling.conftest import Clinic, book_kwargs, local

pytestmark = pytest.mark.django_db
WEBHOOK = "/m/sms/inbound/webhook/?token=s3cret"
TWILIO = "/m/sms/inbound/twilio/"


@pytest.fixture
def appointment(clinic: Clinic, monday: date) -> Appointment:
    patient = make_patient(clinic.org, family_name="Okafor", given_name="Chidi", phone_mobile="(217) 555-0142",
                           consent_sms=True)
    return appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 10)))


@pytest.fixture
def webhook(settings: Any) -> None:
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=s3cret&from=+15550100"


@pytest.fixture
def twilio(settings: Any) -> None:
    settings.CLINICDESK_SMS_URL = f"twilio+https://{SID}:{TOKEN}@api.twilio.com/2010-04-01?from=+15550100"


def text(body: str, sender: str = "+12175550142", path: str = WEBHOOK) -> Any:
    return Client().post(path, json.dumps({"from": sender, "body": body, "id": "in-1"}),
                         content_type="application/json")


def twilio_post(params: dict[str, str], signature: str | None = None) -> Any:
    url = f"http://testserver{TWILIO}"
    signature = signature if signature is not None else twilio_signature(url, params, TOKEN)
    return Client().post(TWILIO, params, headers={"X-Twilio-Signature": signature})


def test_c_confirms_the_next_appointment(webhook: None, appointment: Appointment) -> None:
    assert text(" c ").status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert AppointmentChange.objects.filter(appointment=appointment, via="sms", to_status=Status.CONFIRMED).exists()


def test_r_notes_a_request_for_a_new_time(webhook: None, appointment: Appointment) -> None:
    assert text("R please").status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert AppointmentChange.objects.filter(appointment=appointment, via="sms", note=NEW_TIME_NOTE).exists()


def test_stop_withdraws_sms_consent_audited(webhook: None, appointment: Appointment) -> None:
    assert text("STOP").status_code == 200
    patient = Patient.objects.get(pk=appointment.patient_id)
    assert patient.consent_sms is False
    assert AuditEvent.objects.filter(object_type="Patient", object_id=str(patient.pk), via="sms",
                                     role="patient", detail__changed__consent_sms__to=False).exists()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED  # "cancel" and "stop" never cancel an appointment


def test_help_queues_a_reply_even_without_consent(webhook: None, appointment: Appointment) -> None:
    Patient.objects.filter(pk=appointment.patient_id).update(consent_sms=False)
    assert text("help").status_code == 200
    reply = OutboundMessage.objects.get(template="sms.help")
    assert reply.channel == "sms" and reply.to_address == "+12175550142"
    assert "reply C to confirm" in reply.body and "STOP" in reply.body
    assert text("help").status_code == 200  # the provider retried: one reply
    assert OutboundMessage.objects.filter(template="sms.help").count() == 1


def test_unknown_words_and_numbers_are_ignored_with_200(webhook: None, appointment: Appointment) -> None:
    assert text("see you then!").status_code == 200
    assert text("C", sender="+12175550999").status_code == 200
    assert text("C", sender="not a number").status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_a_wrong_token_or_provider_is_refused(webhook: None, appointment: Appointment) -> None:
    assert text("C", path="/m/sms/inbound/webhook/?token=guess").status_code == 403
    assert text("C", path="/m/sms/inbound/webhook/").status_code == 403
    assert text("C", path=TWILIO).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_without_a_provider_the_webhook_is_not_there(settings: Any) -> None:
    settings.CLINICDESK_SMS_URL = ""
    assert text("C").status_code == 404


def test_twilio_signed_form_is_accepted(twilio: None, appointment: Appointment) -> None:
    response = twilio_post({"From": "+12175550142", "Body": "C", "MessageSid": "SM1", "AccountSid": SID})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.parametrize("signature", ["", "bm9wZQ=="])
def test_twilio_bad_signature_is_403(twilio: None, appointment: Appointment, signature: str) -> None:
    assert twilio_post({"From": "+12175550142", "Body": "C"}, signature=signature).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_twilio_signature_over_other_params_is_403(twilio: None, appointment: Appointment) -> None:
    signed_for = twilio_signature(f"http://testserver{TWILIO}", {"From": "+12175550142", "Body": "R"}, TOKEN)
    assert twilio_post({"From": "+12175550142", "Body": "C"}, signature=signed_for).status_code == 403


def test_twilio_signature_matches_twilios_published_example() -> None:
    # https://www.twilio.com/docs/usage/security#validating-requests
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}
    assert twilio_signature("https://mycompany.com/myapp.php?foo=1&bar=2", params,
                            "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
