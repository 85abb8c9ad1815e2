"""Local wall-clock sessions across daylight-saving changes (clinicdesk.scheduling.slots).

2026 changes used here: New York springs forward Sun 8 Mar 02:00 EST -> 03:00 EDT (07:00 UTC) and falls back
Sun 1 Nov 02:00 EDT -> 01:00 EST (06:00 UTC); Berlin springs forward Sun 29 Mar 02:00 CET -> 03:00 CEST
(01:00 UTC) and falls back Sun 25 Oct 03:00 CEST -> 02:00 CET (01:00 UTC); Lord Howe Island falls back half
an hour on Sun 5 Apr 02:00 -> 01:30 (15:00 UTC).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicdesk.scheduling.slots import (
    Calendar,
    Interval,
    Option,
    Preferences,
    TypeSpec,
    WeeklyBlock,
    find_options,
    open_intervals,
)

NY, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
HALF_HOUR, HOUR = timedelta(minutes=30), timedelta(hours=1)
VISIT = TypeSpec(id=1, duration=HALF_HOUR)
LONG_VISIT = TypeSpec(id=2, duration=HOUR)


def every_day(zone: str, start: time, end: time) -> Calendar:
    return Calendar(resource_id=1, timezone=zone, blocks=tuple(WeeklyBlock(wd, start, end) for wd in range(7)))


def day_window(day: date, tz: ZoneInfo) -> Interval:
    return Interval(datetime.combine(day, time(0), tzinfo=tz), datetime.combine(day + timedelta(days=1), time(0),
                                                                                 tzinfo=tz))


def utc(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def walls(options: list[Option], tz: ZoneInfo) -> list[time]:
    return [o.start.astimezone(tz).time() for o in options]


@pytest.mark.parametrize(("zone", "day", "utc_hour"), [
    ("America/New_York", date(2026, 3, 7), 14), ("America/New_York", date(2026, 3, 8), 13),
    ("America/New_York", date(2026, 3, 9), 13), ("America/New_York", date(2026, 10, 31), 13),
    ("America/New_York", date(2026, 11, 1), 14), ("America/New_York", date(2026, 11, 2), 14),
    ("Europe/Berlin", date(2026, 3, 28), 8), ("Europe/Berlin", date(2026, 3, 29), 7),
    ("Europe/Berlin", date(2026, 3, 30), 7), ("Europe/Berlin", date(2026, 10, 24), 7),
    ("Europe/Berlin", date(2026, 10, 25), 8), ("Europe/Berlin", date(2026, 10, 26), 8),
])
def test_a_nine_o_clock_block_starts_at_nine_local_on_and_around_the_change(zone: str, day: date,
                                                                               utc_hour: int) -> None:
    tz = ZoneInfo(zone)
    cal = every_day(zone, time(9), time(12))
    start = utc(day.year, day.month, day.day, utc_hour)
    assert [(i.start, i.end) for i in open_intervals(cal, day_window(day, tz))] == [(start, start + 3 * HOUR)]
    first = find_options(VISIT, [cal], {}, day_window(day, tz), n=1)[0]
    assert first.start == start
    assert first.start.astimezone(tz).time() == time(9)


def test_a_block_over_the_skipped_hour_is_two_real_hours_and_offers_no_time_that_does_not_exist() -> None:
    cal = every_day("America/New_York", time(1), time(4))
    window = day_window(date(2026, 3, 8), NY)
    assert [(i.start, i.end) for i in open_intervals(cal, window)] == [(utc(2026, 3, 8, 6), utc(2026, 3, 8, 8))]
    found = find_options(VISIT, [cal], {}, window, n=10, step=HALF_HOUR)
    assert walls(found, NY) == [time(1), time(1, 30), time(3), time(3, 30)]


def test_a_block_over_the_repeated_hour_is_three_real_hours_and_offers_both_one_thirties() -> None:
    cal = every_day("America/New_York", time(0, 30), time(2, 30))
    window = day_window(date(2026, 11, 1), NY)
    assert [(i.start, i.end) for i in open_intervals(cal, window)] == [
        (utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 7, 30))]
    found = find_options(VISIT, [cal], {}, window, n=10, step=HALF_HOUR)
    assert [o.start for o in found] == [utc(2026, 11, 1, 4, 30) + k * HALF_HOUR for k in range(6)]
    assert walls(found, NY) == [time(0, 30), time(1), time(1, 30), time(1), time(1, 30), time(2)]


def test_berlin_blocks_over_its_changes_have_their_real_lengths() -> None:
    spring = every_day("Europe/Berlin", time(1), time(4))
    assert [(i.start, i.end) for i in open_intervals(spring, day_window(date(2026, 3, 29), BERLIN))] == [
        (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))]
    autumn = every_day("Europe/Berlin", time(1, 30), time(3, 30))
    assert [(i.start, i.end) for i in open_intervals(autumn, day_window(date(2026, 10, 25), BERLIN))] == [
        (utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30))]


def test_a_visit_spanning_spring_forward_lasts_its_real_duration() -> None:
    cal = every_day("America/New_York", time(1), time(4))
    found = find_options(LONG_VISIT, [cal], {}, day_window(date(2026, 3, 8), NY), n=10, step=HALF_HOUR)
    assert [(o.start.astimezone(NY).time(), o.end.astimezone(NY).time()) for o in found] == [
        (time(1), time(3)), (time(1, 30), time(3, 30)), (time(3), time(4))]
    assert all(o.end - o.start == HOUR for o in found)


def test_a_visit_spanning_fall_back_lasts_its_real_duration() -> None:
    cal = every_day("America/New_York", time(0, 30), time(2, 30))
    found = find_options(LONG_VISIT, [cal], {}, day_window(date(2026, 11, 1), NY), n=10, step=HALF_HOUR)
    assert [o.start for o in found] == [utc(2026, 11, 1, 4, 30) + k * HALF_HOUR for k in range(5)]
    assert found[1].end.astimezone(NY).time() == time(1)  # 01:00 EDT to 01:00 EST: one real hour
    assert all(o.end - o.start == HOUR for o in found)


def test_a_block_inside_the_skipped_hour_has_no_time_and_one_starting_in_it_opens_when_the_clock_jumps() -> None:
    window = day_window(date(2026, 3, 8), NY)
    assert open_intervals(every_day("America/New_York", time(2, 15), time(2, 45)), window) == []
    late = open_intervals(every_day("America/New_York", time(2, 30), time(4)), window)
    assert [(i.start, i.end) for i in late] == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))]


def test_a_block_starting_at_a_repeated_time_starts_at_its_first_occurrence() -> None:
    cal = every_day("America/New_York", time(1, 30), time(3))
    assert [(i.start, i.end) for i in open_intervals(cal, day_window(date(2026, 11, 1), NY))] == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 8))]


def test_every_option_through_the_night_of_the_change_is_a_real_local_time_on_the_grid() -> None:
    cal = Calendar(resource_id=1, timezone="America/New_York", always_open=True)
    window = Interval(datetime(2026, 3, 8, 0, 0, tzinfo=NY), datetime(2026, 3, 8, 5, 0, tzinfo=NY))
    found = find_options(VISIT, [cal], {}, window, n=100)
    assert len(found) == 43  # four real hours from 00:00 to 05:00 local, less the last half hour, every 5 min
    assert all(b.start - a.start == timedelta(minutes=5) for a, b in itertools.pairwise(found))
    local = [o.start.astimezone(NY) for o in found]
    assert not [t for t in local if t.hour == 2]
    assert all(t.minute % 5 == 0 and t.replace(tzinfo=None).replace(tzinfo=NY) == t for t in local)


def test_the_grid_realigns_after_a_half_hour_change() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    cal = Calendar(resource_id=1, timezone="Australia/Lord_Howe", always_open=True)
    window = Interval(datetime(2026, 4, 4, 22, tzinfo=lord_howe), datetime(2026, 4, 5, 5, tzinfo=lord_howe))
    found = find_options(VISIT, [cal], {}, window, n=20, step=HOUR)
    assert [o.start for o in found] == [utc(2026, 4, 4, h) for h in (11, 12, 13, 14)] + [
        utc(2026, 4, 4, h, 30) for h in (15, 16, 17)]
    assert walls(found, lord_howe) == [time(h) for h in (22, 23, 0, 1, 2, 3, 4)]


def test_preferences_are_read_on_the_local_clock_around_the_change() -> None:
    cal = Calendar(resource_id=1, timezone="America/New_York", always_open=True)
    window = Interval(datetime(2026, 3, 7, tzinfo=NY), datetime(2026, 3, 10, tzinfo=NY))
    prefs = Preferences(day_start=time(9), day_end=time(9, 30))
    found = find_options(VISIT, [cal], {}, window, prefs, n=10)
    assert [o.start for o in found] == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)]
    sunday = find_options(VISIT, [cal], {}, window, Preferences(weekdays=frozenset({6}), day_start=time(9)), n=1)
    assert sunday[0].start == utc(2026, 3, 8, 13)
