"""The waitlist: a freed time goes to the best-ranked waiting patients; the first to accept gets it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import OfferStatus, WaitlistOffer, WaitStatus
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book, appointment_cancel
from clinicdesk.scheduling.waitlist import waitlist_accept, waitlist_add, waitlist_decline, waitlist_matches
from tests.conftest import make_patient
from tests.scheduling.conftest import Clinic, book_kwargs, local

SYSTEM = Actor.system(via="test")


@pytest.fixture
def waiting(clinic: Clinic, org: Any, monday: date) -> list[Any]:
    names = [("Amari", 0), ("Bello", 5), ("Chen", 0), ("Dlamini", 0)]
    entries = []
    for family, priority in names:
        p = make_patient(org, family_name=family, given_name="Test")
        entries.append(waitlist_add(actor=SYSTEM, patient=p, appointment_type=clinic.follow_up,
                                    earliest_date=monday, latest_date=monday + timedelta(days=14),
                                    priority=priority))
    return entries


def test_matches_are_ranked_by_priority_then_waiting_time(clinic: Clinic, waiting: list[Any], monday: date) -> None:
    found = waitlist_matches(appointment_type=clinic.follow_up, practitioner=clinic.practitioner,
                             location=clinic.location, start=local(monday, 9))
    assert [e.patient.family_name for e in found] == ["Bello", "Amari", "Chen", "Dlamini"]


def test_weekday_and_date_limits_are_respected(clinic: Clinic, patient: Any, monday: date) -> None:
    entry = waitlist_add(actor=SYSTEM, patient=patient, appointment_type=clinic.follow_up, earliest_date=monday,
                         latest_date=monday + timedelta(days=3), weekdays=[1, 2])
    assert entry not in waitlist_matches(appointment_type=clinic.follow_up, practitioner=clinic.practitioner,
                                         location=clinic.location, start=local(monday, 9))
    assert entry in waitlist_matches(appointment_type=clinic.follow_up, practitioner=clinic.practitioner,
                                     location=clinic.location, start=local(monday + timedelta(days=1), 9))
    with pytest.raises(ValidationError, match="before the first day"):
        waitlist_add(actor=SYSTEM, patient=patient, appointment_type=clinic.follow_up, earliest_date=monday,
                     latest_date=monday - timedelta(days=1))


def test_a_cancellation_offers_the_time_and_the_first_to_accept_gets_it(
        clinic: Clinic, patient: Any, waiting: list[Any], monday: date,
        django_capture_on_commit_callbacks: Any) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(actor=SYSTEM, appointment=appt, reason="Travelling", by="patient")
    offers = list(WaitlistOffer.objects.select_related("entry__patient"))
    assert [o.entry.patient.family_name for o in offers] == ["Bello", "Amari", "Chen"]  # best three
    won = waitlist_accept(actor=SYSTEM, offer=offers[1])
    assert (won.patient.family_name, won.start) == ("Amari", local(monday, 9))
    statuses = {o.entry.patient.family_name: o.status for o in WaitlistOffer.objects.select_related("entry__patient")}
    assert statuses == {"Bello": OfferStatus.LOST, "Amari": OfferStatus.ACCEPTED, "Chen": OfferStatus.LOST}
    waiting[0].refresh_from_db()
    assert (waiting[0].status, waiting[0].booked) == (WaitStatus.BOOKED, won)
    with pytest.raises(ValidationError, match="already taken by someone else"):
        waitlist_accept(actor=SYSTEM, offer=offers[0])


def test_an_offer_for_a_time_booked_meanwhile_is_lost(clinic: Clinic, patient: Any, waiting: list[Any],
                                                      monday: date, org: Any,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(actor=SYSTEM, appointment=appt, reason="x", by="practice")
    walk_in = make_patient(org, family_name="Fast", given_name="Freddie")
    appointment_book(actor=SYSTEM, **book_kwargs(clinic, walk_in, local(monday, 9)))
    offer = WaitlistOffer.objects.first()
    assert offer is not None
    with pytest.raises(SlotUnavailable):
        waitlist_accept(actor=SYSTEM, offer=offer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.LOST


def test_declining_and_expiry(clinic: Clinic, patient: Any, waiting: list[Any], monday: date,
                              django_capture_on_commit_callbacks: Any) -> None:
    appt = appointment_book(actor=SYSTEM, **book_kwargs(clinic, patient, local(monday, 9)))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(actor=SYSTEM, appointment=appt, reason="x", by="practice")
    first, second = list(WaitlistOffer.objects.all())[:2]
    assert waitlist_decline(actor=SYSTEM, offer=first).status == OfferStatus.DECLINED
    WaitlistOffer.objects.filter(pk=second.pk).update(expires_at=local(monday, 0) - timedelta(days=30))
    with pytest.raises(ValidationError, match="expired"):
        waitlist_accept(actor=SYSTEM, offer=second)
    second.refresh_from_db()
    assert second.status == OfferStatus.EXPIRED


def test_an_extra_session_is_offered_to_waiting_patients(clinic: Clinic, waiting: list[Any], monday: date) -> None:
    from clinicdesk.scheduling.models import AvailabilityException, ExceptionKind
    from clinicdesk.scheduling.waitlist import waitlist_offer_session

    saturday = monday + timedelta(days=5)
    session = AvailabilityException.objects.create(
        organization=clinic.org, resource=clinic.resource, location=clinic.location, kind=ExceptionKind.EXTRA,
        start=local(saturday, 9), end=local(saturday, 10), reason="Extra Saturday clinic")
    offers = waitlist_offer_session(actor=SYSTEM, practitioner=clinic.practitioner, location=clinic.location,
                                    start=session.start, end=session.end)
    assert len(offers) == 4  # each waiting patient gets one time
    assert len({o.entry_id for o in offers}) == 4
    assert all(local(saturday, 9) <= o.start < local(saturday, 10) for o in offers)
    assert offers[0].entry.patient.family_name == "Bello"  # the highest priority is offered first
