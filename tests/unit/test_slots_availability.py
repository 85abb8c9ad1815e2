"""A resource's open time, and input validation (clinicdesk.scheduling.slots.open_intervals)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicdesk.scheduling.slots import (
    Calendar,
    Interval,
    Preferences,
    Requirement,
    Session,
    TypeSpec,
    WeeklyBlock,
    open_intervals,
)

NY = ZoneInfo("America/New_York")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
CHECKUP, SURGERY = 1, 2


def at(day: int, hour: int, minute: int = 0, month: int = 4) -> datetime:
    """A New York wall-clock time in April 2026 (EDT, UTC-4; 6 April is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=UTC)


def week() -> Interval:
    return Interval(at(6, 0), at(13, 0))


def spans(intervals: list[Interval]) -> list[tuple[datetime, datetime]]:
    return [(i.start, i.end) for i in intervals]


def calendar(*blocks: WeeklyBlock, extra: tuple[Session, ...] = (), off: tuple[Interval, ...] = (),
             busy: tuple[Interval, ...] = ()) -> Calendar:
    return Calendar(resource_id=1, timezone="America/New_York", blocks=blocks, extra=extra, off=off, busy=busy)


def test_a_weekly_block_opens_its_local_hours_on_its_weekday_only() -> None:
    cal = calendar(WeeklyBlock(TUE, time(9), time(12)))
    assert spans(open_intervals(cal, week())) == [(utc(7, 13), utc(7, 16))]


def test_open_intervals_are_in_utc_sorted_and_touching_blocks_are_merged() -> None:
    cal = calendar(WeeklyBlock(WED, time(13), time(17)), WeeklyBlock(MON, time(12), time(13)),
                   WeeklyBlock(MON, time(9), time(12)))
    result = open_intervals(cal, week())
    assert spans(result) == [(utc(6, 13), utc(6, 17)), (utc(8, 17), utc(8, 21))]
    assert all(i.start.tzinfo is UTC and i.end.tzinfo is UTC for i in result)


def test_the_window_clips_open_time() -> None:
    cal = calendar(WeeklyBlock(MON, time(9), time(17)))
    assert spans(open_intervals(cal, Interval(at(6, 10, 30), at(6, 11)))) == [(utc(6, 14, 30), utc(6, 15))]


def test_valid_from_and_valid_to_are_inclusive_local_dates() -> None:
    block = WeeklyBlock(MON, time(9), time(10), valid_from=date(2026, 4, 13), valid_to=date(2026, 4, 20))
    result = open_intervals(calendar(block), Interval(at(1, 0), at(30, 0)))
    assert [i.start for i in result] == [utc(13, 13), utc(20, 13)]


def test_a_block_for_other_types_is_closed_to_this_type() -> None:
    cal = calendar(WeeklyBlock(MON, time(9), time(12), type_ids=frozenset({SURGERY})),
                   WeeklyBlock(TUE, time(9), time(12)))
    assert spans(open_intervals(cal, week(), CHECKUP)) == [(utc(7, 13), utc(7, 16))]
    assert len(open_intervals(cal, week(), SURGERY)) == 2
    assert len(open_intervals(cal, week())) == 2  # no particular type: every session


def test_an_extra_session_adds_time_outside_the_template_for_its_types() -> None:
    saturday = Session(Interval(at(11, 9), at(11, 13)), type_ids=frozenset({CHECKUP}))
    cal = calendar(WeeklyBlock(MON, time(9), time(12)), extra=(saturday,))
    assert spans(open_intervals(cal, week(), CHECKUP)) == [(utc(6, 13), utc(6, 16)), (utc(11, 13), utc(11, 17))]
    assert spans(open_intervals(cal, week(), SURGERY)) == [(utc(6, 13), utc(6, 16))]


def test_time_off_removes_whole_days_and_meetings() -> None:
    cal = calendar(*(WeeklyBlock(wd, time(9), time(17)) for wd in (MON, TUE, WED)),
                   off=(Interval(at(6, 0), at(7, 0)), Interval(at(8, 12), at(8, 13))))
    assert spans(open_intervals(cal, week())) == [
        (utc(7, 13), utc(7, 21)), (utc(8, 13), utc(8, 16)), (utc(8, 17), utc(8, 21))]


def test_reservations_remove_time_and_back_to_back_ones_leave_no_gap() -> None:
    cal = calendar(WeeklyBlock(MON, time(9), time(12)),
                   busy=(Interval(at(6, 10), at(6, 10, 30)), Interval(at(6, 9, 30), at(6, 10))))
    assert spans(open_intervals(cal, week())) == [(utc(6, 13), utc(6, 13, 30)), (utc(6, 14, 30), utc(6, 16))]


def test_a_reservation_ending_when_the_block_starts_takes_nothing_from_it() -> None:
    cal = calendar(WeeklyBlock(MON, time(9), time(12)), busy=(Interval(at(6, 8), at(6, 9)),))
    assert spans(open_intervals(cal, week())) == [(utc(6, 13), utc(6, 16))]


def test_intervals_in_any_zone_compare_as_instants() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    busy = Interval(datetime(2026, 4, 6, 23, 0, tzinfo=tokyo), datetime(2026, 4, 6, 23, 30, tzinfo=tokyo))  # 10:00 NY
    cal = calendar(WeeklyBlock(MON, time(9), time(12)), busy=(busy,))
    assert spans(open_intervals(cal, week())) == [(utc(6, 13), utc(6, 14)), (utc(6, 14, 30), utc(6, 16))]


def test_an_always_open_room_is_open_whenever_not_off_or_busy_even_across_midnight() -> None:
    room = Calendar(resource_id=9, timezone="America/New_York", always_open=True,
                    off=(Interval(at(7, 0), at(8, 0)),), busy=(Interval(at(6, 9), at(6, 10)),))
    assert spans(open_intervals(room, Interval(at(6, 0), at(10, 0)))) == [
        (utc(6, 4), utc(6, 13)), (utc(6, 14), utc(7, 4)), (utc(8, 4), utc(10, 4))]


def test_reservations_may_be_given_in_any_order() -> None:
    busy = tuple(Interval(at(6, h), at(6, h, 15)) for h in (11, 9, 10))
    assert spans(open_intervals(calendar(WeeklyBlock(MON, time(9), time(12)), busy=busy), week())) == [
        (utc(6, 13, 15), utc(6, 14)), (utc(6, 14, 15), utc(6, 15)), (utc(6, 15, 15), utc(6, 16))]


def test_a_window_with_no_sessions_has_no_open_time() -> None:
    assert open_intervals(calendar(WeeklyBlock(SUN, time(9), time(12))), Interval(at(6, 0), at(11, 0))) == []


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Interval(datetime(2026, 4, 6, 9), at(6, 10)), "timezone-aware"),
    (lambda: Interval(at(6, 10), datetime(2026, 4, 6, 11)), "timezone-aware"),
    (lambda: Interval(at(6, 10), at(6, 10)), "end after it starts"),
    (lambda: Interval(at(6, 10), at(6, 9)), "end after it starts"),
    (lambda: Calendar(resource_id=1, timezone="America/Springfield"), "unknown time zone"),
    (lambda: Calendar(resource_id=1, timezone="../../etc/passwd"), "unknown time zone"),
    (lambda: Calendar(resource_id=1, timezone=""), "unknown time zone"),
    (lambda: WeeklyBlock(7, time(9), time(10)), "weekday"),
    (lambda: WeeklyBlock(MON, time(10), time(9)), "end after it starts"),
    (lambda: WeeklyBlock(MON, time(9, tzinfo=UTC), time(10, tzinfo=UTC)), "no time zone"),
    (lambda: WeeklyBlock(MON, time(9), time(10), valid_from=date(2026, 5, 1), valid_to=date(2026, 4, 1)),
     "before valid_from"),
    (lambda: Preferences(earliest=datetime(2026, 4, 6, 9)), "timezone-aware"),
    (lambda: Preferences(weekdays=frozenset({7})), "weekdays"),
    (lambda: Preferences(day_start=time(17), day_end=time(9)), "after day_start"),
    (lambda: Requirement(pool=()), "at least one resource"),
    (lambda: Requirement(pool=(1,), duration=timedelta(0)), "positive"),
    (lambda: TypeSpec(id=1, duration=timedelta(0)), "positive"),
    (lambda: TypeSpec(id=1, duration=timedelta(minutes=30), buffer_after=timedelta(minutes=-5)), "negative"),
    (lambda: TypeSpec(id=1, duration=timedelta(minutes=30),
                      requirements=(Requirement(pool=(1,), offset=timedelta(minutes=30)),)), "holds nothing"),
])
def test_bad_input_is_refused_with_a_clear_value_error(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
