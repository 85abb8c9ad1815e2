"""Waitlist offers go out by the patient's consented channel with a signed accept link; the first to accept gets
the time, the others' links say it is gone; an offer is sent once; no consent, no message (staff call)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from clinicdesk.messaging.models import OutboundMessage
from clinicdesk.messaging.waitlist_offers import offer_key, offers_send_pending
from clinicdesk.scheduling.models import Appointment, OfferStatus, WaitlistOffer
from clinicdesk.scheduling.services import appointment_cancel
from clinicdesk.scheduling.waitlist import waitlist_add
from tests.conftest import make_patient
from tests.messaging.ui_helpers import ACTOR, book
from tests.scheduling.conftest import Clinic, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(clinic: Clinic, monday: date, settings: Any, django_capture_on_commit_callbacks: Any) -> list[Any]:
    settings.CLINICDESK_PUBLIC_URL = "https://desk.example.org"
    org = clinic.org
    people = [make_patient(org, family_name="Adams", given_name="Ann", phone_mobile="(217) 555-0101",
                           consent_sms=True, email="ann@example.org", consent_email=True),
              make_patient(org, family_name="Brown", given_name="Ben", email="ben@example.org", consent_email=True),
              make_patient(org, family_name="Clark", given_name="Cat", phone_mobile="(217) 555-0103")]
    for rank, patient in enumerate(people):
        waitlist_add(actor=ACTOR, patient=patient, appointment_type=clinic.follow_up, earliest_date=monday,
                     latest_date=monday + timedelta(days=7), priority=3 - rank)
    leaving = make_patient(org, family_name="Diaz", given_name="Dan")
    appointment = book(clinic, leaving, monday, 9)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(actor=ACTOR, appointment=appointment, reason="Travelling", by="patient")
    found = list(WaitlistOffer.objects.select_related("entry__patient").order_by("pk"))
    assert [o.entry.patient.family_name for o in found] == ["Adams", "Brown", "Clark"]
    return found


def link_in(message: OutboundMessage) -> str:
    match = re.search(r"https://desk\.example\.org(/m/offer/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_offers_are_sent_once_by_consented_channel(offers: list[Any]) -> None:
    assert offers_send_pending() == 2
    assert offers_send_pending() == 0  # idempotent: the sweep runs every minute
    sent = {m.patient.family_name: m for m in OutboundMessage.objects.select_related("patient")}
    assert set(sent) == {"Adams", "Brown"}  # Clark agreed to nothing: staff call from the waitlist screen
    assert (sent["Adams"].channel, sent["Adams"].to_address) == ("sms", "+12175550101")  # text first
    assert (sent["Brown"].channel, sent["Brown"].subject) == ("email", "An earlier appointment is free")
    assert sent["Adams"].idempotency_key == offer_key(offers[0])
    assert "Follow-up" in sent["Adams"].body and "Monday" in sent["Adams"].body


def test_first_to_accept_gets_it_the_other_link_says_gone(offers: list[Any], monday: date, clinic: Clinic) -> None:
    offers_send_pending()
    sent = {m.patient.family_name: m for m in OutboundMessage.objects.select_related("patient")}
    brown, adams = link_in(sent["Brown"]), link_in(sent["Adams"])
    client = Client()
    page = client.get(brown)
    assert page.status_code == 200 and "Yes, book this time for me" in page.content.decode()
    assert client.post(brown).status_code == 200
    booked = Appointment.objects.get(patient=offers[1].entry.patient)
    assert booked.start == local(monday, 9)
    late = client.post(adams)
    assert late.status_code == 410 and "no longer available" in late.content.decode()
    assert client.get(brown).status_code == 410  # already booked: says so, books nothing twice
    statuses = {o.entry.patient.family_name: o.status for o in WaitlistOffer.objects.select_related("entry__patient")}
    assert statuses == {"Adams": OfferStatus.LOST, "Brown": OfferStatus.ACCEPTED, "Clark": OfferStatus.LOST}


def test_tampered_link_and_sweep_registration(offers: list[Any]) -> None:
    assert Client().get("/m/offer/not-a-token/").status_code == 400
    assert "clinicdesk.messaging.waitlist_offers.offers_send_pending" in django_settings.CLINICDESK_PERIODIC_JOBS


def test_without_public_url_the_offer_says_call(offers: list[Any], settings: Any) -> None:
    settings.CLINICDESK_PUBLIC_URL = ""
    offers_send_pending()
    assert all("call" in m.body and "/m/offer/" not in m.body for m in OutboundMessage.objects.all())


def test_the_waitlist_screen_says_how_each_offer_went_out(offers: list[Any], frontdesk: Any) -> None:
    from tests.conftest import client_for

    offers_send_pending()
    page = client_for(frontdesk).get("/waitlist/").content.decode()
    rows = {name: row for row in page.split("<tr>") for name in ("Adams", "Brown", "Clark") if name in row
            and "Offer ends" not in row and "/m/" not in row and "Accepted" in row}
    sms, email = (OutboundMessage.objects.get(patient__family_name=n) for n in ("Adams", "Brown"))
    assert f'href="/messages/{sms.pk}/"' in rows["Adams"] and "SMS · queued" in rows["Adams"]
    assert f'href="/messages/{email.pk}/"' in rows["Brown"] and "E-mail · queued" in rows["Brown"]
    assert ">Call<" in rows["Clark"] and "/messages/" not in rows["Clark"]  # no consented channel: staff call
