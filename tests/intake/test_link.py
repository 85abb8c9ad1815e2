"""The patient's form link: sent through messaging, no login, refused after expiry or once submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.chartupdates.models import ProposedUpdate
from clinicdesk.inbox.models import InboxItem
from clinicdesk.intake.link_services import form_link_create, link_path
from clinicdesk.intake.models import FormLink, FormResponse, FormResponseCard
from clinicdesk.messaging.models import OutboundMessage
from tests.conftest import actor_for, client_for
from tests.intake.conftest import REGISTRATION, assign

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def public_url(settings):
    settings.CLINICDESK_PUBLIC_URL = "https://desk.example.org"


def test_send_form_link_by_email_and_sms(frontdesk, patient, registration, public_url):
    client = client_for(frontdesk)
    answer = client.post(reverse("intake:send_link", args=[patient.pk]), {"channel": "email"}, follow=True)
    assert b"Form link sent to chidi@example.org" in answer.content
    message = OutboundMessage.objects.get(patient=patient, channel="email")
    link = FormLink.objects.get(patient=patient)
    assert f"https://desk.example.org{link_path(link)}" in message.body
    assert link.message_id == message.pk and list(link.assignments.all()) == [registration]
    client.post(reverse("intake:send_link", args=[patient.pk]), {"channel": "sms"})
    sms = OutboundMessage.objects.get(patient=patient, channel="sms")
    assert sms.to_address == patient.phone_mobile and "https://desk.example.org/m/forms/" in sms.body


def test_no_link_without_forms_or_address(frontdesk, patient, public_url):
    answer = client_for(frontdesk).post(reverse("intake:send_link", args=[patient.pk]), {"channel": "email"},
                                        follow=True)
    assert b"no forms to fill in" in answer.content
    assert not OutboundMessage.objects.exists()


def test_patient_fills_registration_without_login_and_link_is_refused_after(frontdesk, patient, registration):
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    client = Client()
    start = client.get(link_path(link))
    assert start.status_code == 200 and b"New patient registration" in start.content
    fill_url = reverse("intake_link:fill", args=[link_path(link).split("/")[3], registration.pk])
    page = client.get(fill_url)
    assert page.status_code == 200 and b'name="name/given"' in page.content
    draft = client.post(fill_url, {"name/given": "Chidi", "action": "save"})
    assert draft.status_code == 200 and b"Saved" in draft.content
    wrong = client.post(fill_url, {"name/given": "Chidi", "action": "submit"})
    assert wrong.status_code == 422 and b"Last name: this question is required." in wrong.content
    done = client.post(fill_url, {**REGISTRATION, "action": "submit"})
    assert done.status_code == 200 and b"Thank you" in done.content
    response = FormResponse.objects.get(assignment=registration)
    assert response.source == "patient_link" and response.author is None and response.status == "completed"
    assert ProposedUpdate.objects.filter(patient=patient, field_name="city", proposed_value="Springfield").exists()
    item = InboxItem.objects.get(patient=patient, kind="form_submission")  # the desk hears about it
    assert item.title == "Form submitted: New patient registration" and "proposed updates" in item.body
    assert client.get(link_path(link)).status_code == 410
    assert b"already been submitted" in client.get(link_path(link)).content
    assert client.post(fill_url, {**REGISTRATION, "action": "submit"}).status_code == 410


def test_expired_link_is_refused(frontdesk, patient, registration):
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    FormLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    answer = Client().get(link_path(link))
    assert answer.status_code == 410 and b"expired" in answer.content


def test_tampered_or_foreign_link_is_refused(frontdesk, patient, registration):
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    path = link_path(link)
    assert Client().get(path[:-3] + "xx/").status_code == 400
    other = assign(frontdesk, patient, "hipaa-notice")  # assigned after the link was made: not on it
    token = path.split("/")[3]
    assert Client().get(reverse("intake_link:fill", args=[token, other.pk])).status_code == 404


def test_card_photos_land_on_the_coverage(frontdesk, patient, coverage, media_root):
    assignment = assign(frontdesk, patient, "insurance")
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    token = link_path(link).split("/")[3]
    answers = {"has-insurance": "yes", "coverage[0]/coverage-order": "Primary", "coverage[0]/payer-name": "Prairie",
               "coverage[0]/member-id": "XZP123456789", "coverage[0]/relationship": "self",
               "assign-benefits": "yes", "action": "submit",
               "card_front": SimpleUploadedFile("front.png", PNG, content_type="image/png")}
    page = Client().get(reverse("intake_link:fill", args=[token, assignment.pk]))
    assert b'type="file"' in page.content
    done = Client().post(reverse("intake_link:fill", args=[token, assignment.pk]), answers)
    assert done.status_code == 200, done.content
    coverage.refresh_from_db()
    assert coverage.card_front.name.endswith(".png")
    assert not FormResponseCard.objects.exists()


def test_cards_wait_on_the_response_without_a_coverage_and_are_served_audited(frontdesk, patient, media_root):
    assignment = assign(frontdesk, patient, "insurance")
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    token = link_path(link).split("/")[3]
    url = reverse("intake_link:fill", args=[token, assignment.pk])
    answers = {"has-insurance": "no", "action": "submit"}
    refused = Client().post(url, {**answers, "card_back": SimpleUploadedFile("x.html", b"<html>", "text/html")})
    assert refused.status_code == 422 and b"photo" in refused.content
    done = Client().post(url, {**answers, "card_back": SimpleUploadedFile("b.png", PNG, "image/png")})
    assert done.status_code == 200
    card = FormResponseCard.objects.get()
    assert card.image.name.endswith(".png")
    client = client_for(frontdesk)
    page = client.get(reverse("intake:response", args=[card.response_id]))
    assert b"Back of the card" in page.content
    image = client.get(reverse("intake:card", args=[card.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    purpose = "insurance card card_back (intake)"
    assert AuditEvent.objects.filter(patient_id=patient.pk, detail__purpose=purpose).exists()
