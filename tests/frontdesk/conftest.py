"""Front desk fixtures: today's appointments at the clinic's Main Street location, and two exam rooms."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from clinicdesk.practice.models import Room
from clinicdesk.scheduling.models import Appointment, Status
from tests.scheduling.conftest import CHICAGO, Clinic, add_blocks


def today_at(minutes_from_now: int = 0) -> datetime:
    """A time today (Chicago) near now, kept inside today."""
    now = timezone.now().astimezone(CHICAGO)
    start_of_day = datetime.combine(now.date(), time(0), CHICAGO)
    end_of_day = start_of_day + timedelta(hours=23, minutes=30)
    wanted = now + timedelta(minutes=minutes_from_now)
    return min(max(wanted, start_of_day), end_of_day).replace(second=0, microsecond=0)


def appointment_today(clinic: Clinic, patient: Any, *, minutes_from_now: int = 0, status: str = Status.BOOKED,
                      practitioner: Any = None, **extra: Any) -> Appointment:
    """An appointment today, written directly (the booking rules are tested with scheduling)."""
    start = today_at(minutes_from_now)
    return Appointment.objects.create(organization=clinic.org, patient=patient,
                                      practitioner=practitioner or clinic.practitioner, location=clinic.location,
                                      appointment_type=clinic.follow_up, start=start,
                                      end=start + timedelta(minutes=20), status=status, **extra)


@pytest.fixture
def rooms(clinic: Clinic) -> list[Room]:
    return [Room.objects.create(organization=clinic.org, location=clinic.location, name=f"Exam {i}") for i in (1, 2)]


@pytest.fixture
def open_all_day(clinic: Clinic) -> Clinic:
    """The practitioner works every day, all day (walk-in assignment books the first free time today).

    Late in Chicago's evening little of the day is left, so the location moves to Honolulu (four or five
    hours behind, still the same date): the tests run at any hour, never skipped."""
    if timezone.now().astimezone(CHICAGO).hour >= 21:
        clinic.location.timezone = "Pacific/Honolulu"
        clinic.location.save(update_fields=["timezone"])
    clinic.resource.blocks.all().delete()
    add_blocks(clinic.resource, clinic.location, time(0), time(23, 59), weekdays=range(7))
    return clinic
