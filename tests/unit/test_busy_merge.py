"""Reservations read as UTC text are merged per resource before they become intervals."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from clinicdesk.scheduling.calendars import _merge_text, _utc
from clinicdesk.scheduling.slots import Interval


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC)


def test_overlapping_touching_and_nested_reservations_merge_and_gaps_stay() -> None:
    rows = [
        (1, "2026-11-30 09:00:00", "2026-11-30 09:30:00"),
        (1, "2026-11-30 09:30:00", "2026-11-30 10:00:00"),  # touching
        (1, "2026-11-30 09:45:00.500000", "2026-11-30 09:50:00"),  # nested, with a fraction
        (1, "2026-11-30 11:00:00", "2026-11-30 11:20:00"),  # after a gap
        (2, "2026-11-30 09:10:00+00", "2026-11-30 09:20:00+00"),  # PostgreSQL's text
    ]
    busy: dict[int, list[Interval]] = defaultdict(list)
    _merge_text(rows, busy)
    assert busy == {1: [Interval(_at(9), _at(10)), Interval(_at(11), _at(11, 20))],
                    2: [Interval(_at(9, 10), _at(9, 20))]}


def test_utc_reads_naive_text_offsets_and_datetimes() -> None:
    assert _utc("2026-11-30 09:00:00") == _at(9)
    assert _utc("2026-11-30 04:00:00-05:00") == _at(9)
    assert _utc(datetime(2026, 11, 30, 9)) == _at(9)
