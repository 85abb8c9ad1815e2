"""Ad-hoc messages over HTTP: to one patient from the chart, to a practitioner's patients on a day; the preview's
exact count with exclusions (consent, STOP, no address), and no double send on a double submit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clinicdesk.messaging.inbound import sms_receive
from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.services import resource_for_practitioner
from clinicdesk.staff.models import Practitioner
from tests.conftest import client_for, make_patient
from tests.messaging.ui_helpers import book
from tests.scheduling.conftest import Clinic, add_blocks

pytestmark = pytest.mark.django_db
TEXT = "The clinic is closed on Monday because of the storm. We will call you to find a new time."


def token_of(page: str) -> str:
    match = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert match, "the form carries a send token"
    return match.group(1)


@pytest.fixture
def day_patients(clinic: Clinic, monday: date, settings: Any) -> dict[str, Patient]:
    settings.CLINICDESK_SMS_URL = "webhook+http://127.0.0.1:9/send?token=secret"
    org = clinic.org
    people = {
        "texts": make_patient(org, family_name="Adams", given_name="Ann", phone_mobile="(217) 555-0101",
                              consent_sms=True),
        "emails": make_patient(org, family_name="Brown", given_name="Ben", email="ben@example.org",
                               consent_email=True),
        "stopped": make_patient(org, family_name="Clark", given_name="Cat", phone_mobile="(217) 555-0103",
                                consent_sms=True),
        "nothing": make_patient(org, family_name="Diaz", given_name="Dan", phone_mobile="(217) 555-0104"),
    }
    book(clinic, people["texts"], monday, 9)
    book(clinic, people["emails"], monday, 10)
    book(clinic, people["stopped"], monday, 11)
    book(clinic, people["nothing"], monday, 11, 30)
    assert sms_receive(sender="(217) 555-0103", body="STOP") == "stop"
    return people


def test_filtered_list_preview_counts_exclusions_and_a_double_submit_sends_once(
        frontdesk: Any, clinic: Clinic, monday: date, day_patients: dict[str, Patient]) -> None:
    client = client_for(frontdesk)
    page = client.get(reverse("messages:adhoc")).content.decode()
    token = token_of(page)
    form = {"practitioner": clinic.practitioner.pk, "day": f"{monday:%m/%d/%Y}", "channel": "preferred",
            "subject": "Clinic closed", "body": TEXT, "token": token}
    preview = client.post(reverse("messages:adhoc"), {**form, "action": "preview"})
    text = preview.content.decode()
    assert preview.status_code == 200
    audience = preview.context["audience"]
    assert {r.patient.family_name: r.channel for r in audience.recipients} == {"Adams": "sms", "Brown": "email"}
    assert audience.excluded_count == 2
    assert "Replied STOP to a text: 1" in text and "Has agreed to neither" in text
    assert ">2 recipients<" in text and ">2 excluded<" in text and TEXT in text
    assert OutboundMessage.objects.count() == 0  # a preview sends nothing
    first = client.post(reverse("messages:adhoc"), {**form, "action": "send"})
    assert first.status_code == 302
    again = client.post(reverse("messages:adhoc"), {**form, "action": "send"}, follow=True)
    assert "nothing was sent twice" in again.content.decode()
    sent = OutboundMessage.objects.filter(template="adhoc")
    assert sent.count() == 2
    assert {(m.patient.family_name, m.channel, m.subject) for m in sent} == {
        ("Adams", "sms", ""), ("Brown", "email", "Clinic closed")}
    assert all(m.body == TEXT for m in sent)


def test_channel_choice_changes_who_is_excluded_and_why(frontdesk: Any, monday: date,
                                                        day_patients: dict[str, Patient]) -> None:
    client = client_for(frontdesk)
    form = {"day": f"{monday:%m/%d/%Y}", "subject": "", "body": TEXT, "token": "a" * 32, "action": "preview"}
    audience = client.post(reverse("messages:adhoc"), {**form, "channel": "sms"}).context["audience"]
    assert [r.patient.family_name for r in audience.recipients] == ["Adams"]
    assert {reason: len(people) for reason, people in audience.excluded.items()} == {
        "No mobile number": 1, "Replied STOP to a text": 1, "Has not agreed to texts": 1}
    response = client.post(reverse("messages:adhoc"), {**form, "channel": "email"})
    assert "An e-mail needs a subject" in response.content.decode()


def test_one_patient_from_the_chart(frontdesk: Any, org: Any) -> None:
    patient = make_patient(org, family_name="Okafor", given_name="Chidi", email="chidi@example.org",
                           consent_email=True)
    client = client_for(frontdesk)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    url = reverse("messages:adhoc_patient", args=[patient.pk])
    assert url in chart
    token = token_of(client.get(url).content.decode())
    form = {"channel": "preferred", "subject": "Your results", "body": "Please call us.", "token": token}
    preview = client.post(url, {**form, "action": "preview"})
    assert [r.channel for r in preview.context["audience"].recipients] == ["email"]
    response = client.post(url, {**form, "action": "send"})
    assert response.status_code == 302 and response["Location"] == reverse("patients:chart", args=[patient.pk])
    client.post(url, {**form, "action": "send"})
    message = OutboundMessage.objects.get()
    assert (message.patient, message.to_address, message.subject) == (patient, "chidi@example.org", "Your results")


def test_patient_without_consent_is_excluded_and_nothing_is_sendable(frontdesk: Any, org: Any) -> None:
    patient = make_patient(org, family_name="Diaz", given_name="Dan", email="dan@example.org")
    url = reverse("messages:adhoc_patient", args=[patient.pk])
    response = client_for(frontdesk).post(url, {"channel": "email", "subject": "x", "body": "y", "token": "b" * 32,
                                                "action": "send"})
    assert response.status_code == 302
    assert OutboundMessage.objects.count() == 0
    page = client_for(frontdesk).post(url, {"channel": "email", "subject": "x", "body": "y", "token": "b" * 32,
                                            "action": "preview"}).content.decode()
    assert "Has not agreed to e-mail: 1" in page and 'value="send"' not in page


def test_bad_input_and_permissions(frontdesk: Any, clinician: Any, outsider: Any, org: Any) -> None:
    patient = make_patient(org, family_name="Okafor", given_name="Chidi")
    client = client_for(frontdesk)
    response = client.post(reverse("messages:adhoc"), {"day": "not a day", "channel": "sms", "body": "",
                                                       "token": "c" * 32, "action": "send"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("messages:adhoc"), {"channel": "sms", "body": "x", "token": "c" * 32})
    assert "Choose the day" in response.content.decode()
    assert client_for(clinician).get(reverse("messages:adhoc")).status_code == 403
    assert client_for(outsider).get(reverse("messages:adhoc_patient", args=[patient.pk])).status_code == 404
    assert Client().get(reverse("messages:adhoc")).status_code == 302


def test_only_the_chosen_practitioners_patients(frontdesk: Any, clinic: Clinic, monday: date, org: Any,
                                                day_patients: dict[str, Patient]) -> None:
    other = Practitioner.objects.create(organization=org, family_name="Berg", given_name="Ola", npi="1234567893")
    add_blocks(resource_for_practitioner(other), clinic.location)
    from clinicdesk.scheduling.services import appointment_book
    from tests.messaging.ui_helpers import ACTOR
    from tests.scheduling.conftest import local

    extra = make_patient(org, family_name="Evans", given_name="Eve", phone_mobile="(217) 555-0105", consent_sms=True)
    appointment_book(actor=ACTOR, patient=extra, appointment_type=clinic.follow_up, practitioner=other,
                     location=clinic.location, start=local(monday, 9))
    form = {"day": f"{monday:%m/%d/%Y}", "channel": "sms", "body": TEXT, "token": "d" * 32, "action": "preview"}
    client = client_for(frontdesk)
    everyone = client.post(reverse("messages:adhoc"), form).context["audience"]
    assert {r.patient.family_name for r in everyone.recipients} == {"Adams", "Evans"}
    only = client.post(reverse("messages:adhoc"), {**form, "practitioner": other.pk}).context["audience"]
    assert [r.patient.family_name for r in only.recipients] == ["Evans"] and only.excluded_count == 0
