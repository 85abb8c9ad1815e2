"""The waitlist screen: adding a patient, and answering an offer for a freed time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import OfferStatus, WaitlistEntry, WaitlistOffer
from clinicdesk.scheduling.services import appointment_book, appointment_cancel
from tests.conftest import client_for, make_patient
from tests.scheduling.conftest import Clinic, book_kwargs, local


def test_front_desk_puts_a_patient_on_the_waitlist(frontdesk: Any, clinic: Clinic, patient: Any,
                                                   monday: date) -> None:
    response = client_for(frontdesk).post(reverse("waitlist:new", args=[patient.pk]), {
        "appointment_type": clinic.follow_up.pk, "earliest_date": monday.strftime("%m/%d/%Y"),
        "latest_date": (monday + timedelta(days=10)).strftime("%m/%d/%Y"), "weekdays": ["0", "2"], "priority": "1"})
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(patient=patient)
    assert (entry.weekdays, entry.priority) == ([0, 2], 1)


def test_the_until_date_must_not_be_before_the_from_date(frontdesk: Any, clinic: Clinic, patient: Any,
                                                         monday: date) -> None:
    response = client_for(frontdesk).post(reverse("waitlist:new", args=[patient.pk]), {
        "appointment_type": clinic.follow_up.pk, "earliest_date": monday.strftime("%m/%d/%Y"),
        "latest_date": (monday - timedelta(days=1)).strftime("%m/%d/%Y"), "priority": "0"})
    assert "The last day is before the first day." in response.content.decode()


def test_an_offer_accepted_on_the_phone_books_the_time(frontdesk: Any, clinic: Clinic, patient: Any, org: Any,
                                                        monday: date, django_capture_on_commit_callbacks: Any) -> None:
    from clinicdesk.scheduling.waitlist import waitlist_add

    waiting = make_patient(org, family_name="Quartey", given_name="Ama")
    waitlist_add(actor=Actor.system(), patient=waiting, appointment_type=clinic.follow_up, earliest_date=monday,
                 latest_date=monday + timedelta(days=7))
    appt = appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 11)))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(actor=Actor.system(), appointment=appt, reason="Sick", by="patient")
    client = client_for(frontdesk)
    page = client.get(reverse("waitlist:page")).content.decode()
    assert "Quartey, Ama" in page
    offer = WaitlistOffer.objects.get()
    response = client.post(reverse("waitlist:answer", args=[offer.pk, "accept"]), follow=True)
    assert "from the waitlist" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_billing_may_look_but_not_answer(billing: Any) -> None:
    client = client_for(billing)
    assert client.get(reverse("waitlist:page")).status_code == 200
    assert client.post(reverse("waitlist:answer", args=[1, "accept"])).status_code == 403
