"""Recurring series: every occurrence checked first, booked at the same local time, cancelled or moved together."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import AvailabilityException, ExceptionKind, Status
from clinicdesk.scheduling.recurrence import series_starts
from clinicdesk.scheduling.series import (
    SeriesConflicts,
    series_book,
    series_cancel_rest,
    series_check,
    series_move_rest,
)
from tests.scheduling.conftest import CHICAGO, Clinic, local

SYSTEM = Actor.system(via="test")


def _series(clinic: Clinic, monday: date, interval: int = 2, count: int = 4) -> dict[str, Any]:
    return {"appointment_type": clinic.follow_up, "practitioner": clinic.practitioner, "location": clinic.location,
            "first_start": local(monday + timedelta(days=1), 9), "interval_weeks": interval, "count": count}


def test_series_keep_the_local_time_across_a_clock_change() -> None:
    from datetime import datetime

    starts = series_starts(datetime(2026, 10, 20, 9, tzinfo=CHICAGO), "America/Chicago", 1, 3)
    assert [s.astimezone(CHICAGO).hour for s in starts] == [9, 9, 9]
    assert len({s.utcoffset() for s in starts}) == 2  # CDT before 1 Nov, CST after


def test_every_other_tuesday_is_checked_and_a_day_off_is_reported(clinic: Clinic, monday: date) -> None:
    third = local(monday + timedelta(days=29), 0)
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=third, end=third + timedelta(days=1), reason="Conference")
    plan = series_check(**_series(clinic, monday))
    assert [o.start.astimezone(CHICAGO).date() for o in plan] == [
        monday + timedelta(days=d) for d in (1, 15, 29, 43)]
    assert [o.ok for o in plan] == [True, True, False, True]
    assert "not available" in plan[2].problem


def test_conflicts_stop_the_booking_unless_skipped(clinic: Clinic, patient: Any, monday: date) -> None:
    third = local(monday + timedelta(days=29), 0)
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=third, end=third + timedelta(days=1))
    with pytest.raises(SeriesConflicts):
        series_book(actor=SYSTEM, patient=patient, **_series(clinic, monday))
    series, booked, skipped = series_book(actor=SYSTEM, patient=patient, skip_conflicts=True,
                                          **_series(clinic, monday))
    assert len(booked) == 3 and [o.number for o in skipped] == [3]
    assert all(a.series == series for a in booked)


def test_cancel_the_rest_of_a_series(clinic: Clinic, patient: Any, monday: date) -> None:
    _, booked, _ = series_book(actor=SYSTEM, patient=patient, **_series(clinic, monday))
    cancelled = series_cancel_rest(actor=SYSTEM, appointment=booked[1], reason="Therapy ended", by="patient")
    assert [a.pk for a in cancelled] == [a.pk for a in booked[1:]]
    booked[0].refresh_from_db()
    assert booked[0].status == Status.BOOKED


def test_move_the_rest_of_a_series_to_another_time(clinic: Clinic, patient: Any, monday: date) -> None:
    _, booked, _ = series_book(actor=SYSTEM, patient=patient, **_series(clinic, monday))
    moved = series_move_rest(actor=SYSTEM, appointment=booked[2],
                             new_start=local(monday + timedelta(days=30), 10, 30))  # Tuesday -> Wednesday 10:30
    assert [(m.start.astimezone(CHICAGO).weekday(), m.start.astimezone(CHICAGO).hour,
             m.start.astimezone(CHICAGO).minute) for m in moved] == [(2, 10, 30), (2, 10, 30)]
    assert all(m.series_id == booked[0].series_id and m.rescheduled_from_id for m in moved)
