"""iCalendar: an appointment's .ics, and a practitioner's private, revocable feed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import CalendarFeed
from clinicdesk.scheduling.services import appointment_book
from tests.conftest import client_for
from tests.scheduling.conftest import Clinic, book_kwargs, local


@pytest.fixture
def appointment(clinic: Clinic, patient: Any, monday: date) -> Any:
    clinic.follow_up.patient_instructions = "Bring your medication list."
    clinic.follow_up.save()
    return appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 9)))


def _events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_an_appointment_ics_has_the_time_place_and_instructions(frontdesk: Any, appointment: Any) -> None:
    response = client_for(frontdesk).get(reverse("calendar:appointment_ics", args=[appointment.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = _events(response.content)
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtend") == appointment.end
    assert str(event["summary"]) == "Follow-up with Dr. Maria Lindqvist, MD"
    assert "Main Street" in str(event["location"])
    assert str(event["description"]) == "Bring your medication list."
    assert str(event["uid"]) == f"appointment-{appointment.pk}@clinicdesk"
    assert AuditEvent.objects.filter(action="export", patient_id=appointment.patient_id, detail__format="ics").exists()


def test_the_ics_of_another_practice_is_not_found(outsider: Any, appointment: Any) -> None:
    assert client_for(outsider).get(reverse("calendar:appointment_ics", args=[appointment.pk])).status_code == 404


def test_a_manager_creates_a_feed_that_works_without_login_until_revoked(manager: Any, clinic: Clinic,
                                                                         appointment: Any) -> None:
    client = client_for(manager)
    client.post(reverse("calendar:feed_new", args=[clinic.practitioner.pk]))
    page = client.get(reverse("calendar:feeds")).content.decode()
    url = page.split("<code>")[1].split("</code>")[0]
    path = url.split("testserver", 1)[1]
    feed = Client().get(path)
    assert feed.status_code == 200
    (event,) = _events(feed.content)
    assert str(event["summary"]) == "FU · C.O."  # type code and initials only
    assert "<code>" not in client.get(reverse("calendar:feeds")).content.decode()  # the address is shown once
    client.post(reverse("calendar:feed_revoke", args=[CalendarFeed.objects.get().pk]))
    assert Client().get(path).status_code == 404


def test_front_desk_cannot_create_a_feed_for_a_practitioner(frontdesk: Any, clinic: Clinic) -> None:
    response = client_for(frontdesk).post(reverse("calendar:feed_new", args=[clinic.practitioner.pk]))
    assert response.status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_wrong_feed_secret_is_not_found(db: Any) -> None:
    assert Client().get("/calendar/feed/not-a-secret.ics").status_code == 404
