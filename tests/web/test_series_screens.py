"""Booking a series from the screen: dates are checked one by one before anything is booked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from clinicdesk.scheduling.models import Appointment, AvailabilityException, ExceptionKind
from tests.conftest import client_for
from tests.scheduling.conftest import Clinic, local


def _form(clinic: Clinic, monday: date, **extra: Any) -> dict[str, Any]:
    return {"appointment_type": clinic.follow_up.pk, "practitioner": clinic.practitioner.pk,
            "location": clinic.location.pk, "first_date": (monday + timedelta(days=1)).strftime("%m/%d/%Y"),
            "time": "09:00", "interval_weeks": "2", "count": "3", **extra}


def test_checking_shows_each_date_and_books_nothing(frontdesk: Any, clinic: Clinic, patient: Any,
                                                    monday: date) -> None:
    day_off = local(monday + timedelta(days=15), 0)
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=day_off, end=day_off + timedelta(days=1))
    response = client_for(frontdesk).post(reverse("series:new", args=[patient.pk]), {**_form(clinic, monday),
                                                                                      "check": "1"})
    html = response.content.decode()
    assert html.count("✓ free") == 2 and html.count("not available then") == 1
    assert not Appointment.objects.exists()


def test_booking_with_a_conflict_asks_first_then_books_the_free_dates(frontdesk: Any, clinic: Clinic,
                                                                      patient: Any, monday: date) -> None:
    day_off = local(monday + timedelta(days=15), 0)
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=day_off, end=day_off + timedelta(days=1))
    client = client_for(frontdesk)
    response = client.post(reverse("series:new", args=[patient.pk]), {**_form(clinic, monday), "book": "1"})
    assert "Some dates cannot be booked" in response.content.decode()
    assert not Appointment.objects.exists()
    response = client.post(reverse("series:new", args=[patient.pk]), {**_form(clinic, monday), "book": "1",
                                                                       "skip_conflicts": "on"}, follow=True)
    assert "Booked 2 visits" in response.content.decode()
    assert Appointment.objects.filter(series__isnull=False).count() == 2


def test_billing_cannot_book_a_series(billing: Any, patient: Any) -> None:
    assert client_for(billing).get(reverse("series:new", args=[patient.pk])).status_code == 403
