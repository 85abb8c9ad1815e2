"""Find available: options across practitioners and resources (clinicdesk.scheduling.slots.find_options)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinicdesk.scheduling.slots import (
    Calendar,
    Interval,
    Option,
    Preferences,
    Requirement,
    Session,
    TypeSpec,
    WeeklyBlock,
    find_options,
    option_at,
)

NY = ZoneInfo("America/New_York")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
VISIT = TypeSpec(id=1, duration=timedelta(minutes=30))
MIN = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time in April 2026 (EDT; 6 April is a Monday)."""
    return datetime(2026, 4, day, hour, minute, tzinfo=NY)


def doctor(rid: int, *blocks: WeeklyBlock, busy: tuple[Interval, ...] = (), off: tuple[Interval, ...] = (),
           zone: str = "America/New_York") -> Calendar:
    return Calendar(resource_id=rid, timezone=zone, blocks=blocks, busy=busy, off=off)


def mornings(*weekdays: int, start: time = time(9), end: time = time(12)) -> tuple[WeeklyBlock, ...]:
    return tuple(WeeklyBlock(wd, start, end) for wd in weekdays or WEEKDAYS)


def room(rid: int, busy: tuple[Interval, ...] = ()) -> Calendar:
    return Calendar(resource_id=rid, timezone="America/New_York", always_open=True, busy=busy)


def week() -> Interval:
    return Interval(at(6, 0), at(13, 0))


def local_starts(options: list[Option]) -> list[datetime]:
    return [o.start.astimezone(NY) for o in options]


def test_options_are_the_first_n_in_time_order_on_the_five_minute_grid() -> None:
    found = find_options(VISIT, [doctor(1, *mornings())], {}, week(), n=4)
    assert local_starts(found) == [at(6, 9), at(6, 9, 5), at(6, 9, 10), at(6, 9, 15)]
    assert found[0] == Option(at(6, 9).astimezone(UTC), at(6, 9, 30).astimezone(UTC), 1, ())
    assert all(o.start.tzinfo is UTC and o.end.tzinfo is UTC for o in found)


def test_ties_at_the_same_start_follow_the_practitioner_order_given() -> None:
    found = find_options(VISIT, [doctor(7, *mornings()), doctor(3, *mornings())], {}, week(), n=4)
    assert [(o.start.astimezone(NY), o.practitioner_id) for o in found] == [
        (at(6, 9), 7), (at(6, 9), 3), (at(6, 9, 5), 7), (at(6, 9, 5), 3)]


def test_n_limits_the_options_and_zero_asks_for_none() -> None:
    assert len(find_options(VISIT, [doctor(1, *mornings())], {}, week(), n=25)) == 25
    assert find_options(VISIT, [doctor(1, *mornings())], {}, week(), n=0) == []


def test_the_walk_moves_on_to_later_days_when_today_is_full() -> None:
    busy = (Interval(at(6, 9), at(7, 11, 25)),)
    found = find_options(VISIT, [doctor(1, *mornings(), busy=busy)], {}, week(), n=3)
    assert local_starts(found) == [at(7, 11, 25), at(7, 11, 30), at(8, 9)]


def test_a_larger_step_gives_coarser_starts() -> None:
    found = find_options(VISIT, [doctor(1, *mornings())], {}, week(), n=3, step=timedelta(minutes=15))
    assert local_starts(found) == [at(6, 9), at(6, 9, 15), at(6, 9, 30)]


def test_a_block_starting_off_the_grid_offers_its_own_start_too() -> None:
    found = find_options(VISIT, [doctor(1, *mornings(MON, start=time(9, 7)))], {}, week(), n=3)
    assert local_starts(found) == [at(6, 9, 7), at(6, 9, 10), at(6, 9, 15)]


def test_the_grid_is_the_practitioners_local_clock_even_in_a_half_hour_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local :00 is UTC :30
    cal = doctor(1, WeeklyBlock(MON, time(9), time(12)), zone="Asia/Kolkata")
    window = Interval(datetime(2026, 4, 6, 6, 20, tzinfo=kolkata), datetime(2026, 4, 7, tzinfo=kolkata))
    found = find_options(VISIT, [cal], {}, window, n=3, step=timedelta(hours=1))
    assert [o.start.astimezone(kolkata).time() for o in found] == [time(9), time(10), time(11)]
    assert found[0].start == datetime(2026, 4, 6, 3, 30, tzinfo=UTC)


def test_the_whole_visit_fits_inside_the_block() -> None:
    found = find_options(VISIT, [doctor(1, *mornings(MON, TUE))], {}, week(), n=40)
    assert max(o.start for o in found if o.start < at(7, 0)) == at(6, 11, 30)
    assert local_starts(found)[31] == at(7, 9)


def test_a_visit_whose_buffer_would_overlap_a_reservation_is_not_offered() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_after=timedelta(minutes=10))
    cal = doctor(1, *mornings(MON), busy=(Interval(at(6, 10), at(6, 11)),))
    starts = local_starts(find_options(spec, [cal], {}, week(), n=20))
    assert at(6, 9, 20) in starts
    assert at(6, 9, 25) not in starts  # the visit ends at 09:55, but its cleanup would run into 10:00
    assert starts[starts.index(at(6, 9, 20)) + 1] == at(6, 11)


def test_buffers_are_practitioner_time_inside_the_block() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_before=timedelta(minutes=10),
                    buffer_after=timedelta(minutes=5))
    found = find_options(spec, [doctor(1, *mornings(MON))], {}, week(), n=100)
    assert found[0].start == at(6, 9, 10)
    assert found[-1].start == at(6, 11, 25)


def test_reservations_hold_the_practitioner_with_buffers_and_each_resource_for_its_own_interval() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_before=timedelta(minutes=5),
                    buffer_after=timedelta(minutes=10), requirements=(
                        Requirement(pool=(20,), offset=-15 * MIN, duration=15 * MIN), Requirement(pool=(30,))))
    option = find_options(spec, [doctor(1, *mornings(MON))], {20: room(20), 30: room(30)}, week(), n=1)[0]
    assert option.resource_ids == (20, 30)
    assert option.reservations(spec) == (
        (1, Interval(at(6, 9), at(6, 9, 45))),
        (20, Interval(at(6, 8, 50), at(6, 9, 5))),
        (30, Interval(at(6, 9, 5), at(6, 9, 35))),
    )


def test_a_prep_room_is_needed_from_fifteen_minutes_before_the_start() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30),
                    requirements=(Requirement(pool=(20,), offset=-15 * MIN, duration=15 * MIN),))
    prep = room(20, busy=(Interval(at(6, 8), at(6, 9, 20)),))
    found = find_options(spec, [doctor(1, *mornings(MON))], {20: prep}, week(), n=1)
    assert local_starts(found) == [at(6, 9, 35)]


def test_a_requirement_without_duration_holds_its_resource_until_the_visit_ends() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_after=timedelta(minutes=30),
                    requirements=(Requirement(pool=(20,)),))
    exam = room(20, busy=(Interval(at(6, 9, 30), at(6, 10)),))
    found = find_options(spec, [doctor(1, *mornings(MON))], {20: exam}, week(), n=1)
    assert local_starts(found) == [at(6, 9)]  # the room is free again at 09:30; the practitioner's buffer is theirs
    assert found[0].reservations(spec)[1] == (20, Interval(at(6, 9), at(6, 9, 30)))


def test_the_second_technologist_is_used_when_the_first_is_busy() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(41, 42)),))
    techs = {41: room(41, busy=(Interval(at(6, 9), at(6, 10)),)), 42: room(42)}
    found = find_options(spec, [doctor(1, *mornings(MON))], techs, week(), n=1)
    assert found[0].start == at(6, 9)
    assert found[0].resource_ids == (42,)


def test_two_requirements_never_share_one_resource_at_overlapping_times() -> None:
    # Both pools hold room 20; the first requirement may take 20 or 21, the second only 20.
    spec = TypeSpec(id=1, duration=timedelta(minutes=30),
                    requirements=(Requirement(pool=(20, 21)), Requirement(pool=(20,))))
    found = find_options(spec, [doctor(1, *mornings(MON))], {20: room(20), 21: room(21)}, week(), n=1)
    assert found[0].resource_ids == (21, 20)
    only_one = {20: room(20), 21: room(21, busy=(Interval(at(6, 0), at(7, 0)),))}
    assert find_options(spec, [doctor(1, *mornings(MON))], only_one, week(), n=1) == []


def test_one_resource_may_serve_two_requirements_that_do_not_overlap() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(
        Requirement(pool=(20,), offset=-15 * MIN, duration=15 * MIN), Requirement(pool=(20,))))
    found = find_options(spec, [doctor(1, *mornings(MON))], {20: room(20)}, week(), n=1)
    assert found[0].resource_ids == (20, 20)


def test_the_practitioner_is_not_also_picked_as_a_pool_resource_during_their_own_visit() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(1, 2)),))
    doctors = [doctor(1, *mornings(MON)), doctor(2, *mornings(MON))]
    found = find_options(spec, doctors, {d.resource_id: d for d in doctors}, week(), n=2)
    assert [(o.practitioner_id, o.resource_ids) for o in found] == [(1, (2,)), (2, (1,))]


def test_a_resource_block_for_other_types_does_not_serve_this_type() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(50,)),))
    mri = Calendar(resource_id=50, timezone="America/New_York", blocks=(
        WeeklyBlock(MON, time(9), time(10), type_ids=frozenset({2})), WeeklyBlock(MON, time(10), time(12))))
    found = find_options(spec, [doctor(1, *mornings(MON))], {50: mri}, week(), n=1)
    assert local_starts(found) == [at(6, 10)]


def test_a_resource_booked_for_weeks_moves_the_options_to_the_first_day_it_is_free() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(50,)),))
    mri = room(50, busy=(Interval(at(6, 0), at(28, 10, 3)),))
    window = Interval(at(6, 0), at(30, 0))
    found = find_options(spec, [doctor(1, *mornings()), doctor(2, *mornings())], {50: mri}, window, n=3)
    assert [(o.start, o.practitioner_id) for o in found] == [
        (at(28, 10, 5), 1), (at(28, 10, 5), 2), (at(28, 10, 10), 1)]


def test_a_required_resource_that_never_frees_up_gives_no_options() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(50,)),))
    mri = Calendar(resource_id=50, timezone="America/New_York", off=(Interval(at(1, 0), at(30, 0)),),
                   always_open=True)
    assert find_options(spec, [doctor(1, *mornings())], {50: mri}, week()) == []


def test_earliest_excludes_options_before_it() -> None:
    found = find_options(VISIT, [doctor(1, *mornings())], {}, week(), Preferences(earliest=at(8, 10, 2)), n=2)
    assert local_starts(found) == [at(8, 10, 5), at(8, 10, 10)]


def test_weekday_preference_keeps_only_those_local_weekdays() -> None:
    prefs = Preferences(weekdays=frozenset({THU}))
    found = find_options(VISIT, [doctor(1, *mornings())], {}, week(), prefs, n=40)
    assert {o.start.astimezone(NY).date() for o in found} == {at(9, 0).date()}


def test_day_window_preference_fits_the_whole_visit_in_local_time() -> None:
    prefs = Preferences(day_start=time(10, 30), day_end=time(11, 15))
    found = find_options(VISIT, [doctor(1, *mornings(MON))], {}, week(), prefs, n=10)
    assert local_starts(found) == [at(6, 10, 30), at(6, 10, 35), at(6, 10, 40), at(6, 10, 45)]


def test_each_practitioner_is_read_in_their_own_time_zone() -> None:
    berlin = doctor(2, *mornings(MON), zone="Europe/Berlin")  # 09:00 CEST is 03:00 in New York
    found = find_options(VISIT, [doctor(1, *mornings(MON)), berlin], {}, week(), n=1)
    assert (found[0].practitioner_id, found[0].start) == (2, at(6, 3))
    late = Preferences(day_start=time(10))
    assert find_options(VISIT, [berlin], {}, week(), late, n=1)[0].start == at(6, 4)


def test_an_extra_session_is_bookable() -> None:
    saturday = Session(Interval(at(11, 9, 3), at(11, 10)))
    cal = Calendar(resource_id=1, timezone="America/New_York", extra=(saturday,))
    assert local_starts(find_options(VISIT, [cal], {}, week(), n=3)) == [at(11, 9, 3), at(11, 9, 5), at(11, 9, 10)]


def test_options_fit_entirely_inside_the_window() -> None:
    window = Interval(at(6, 9, 50), at(6, 11))
    assert local_starts(find_options(VISIT, [doctor(1, *mornings())], {}, window, n=100)) == [
        at(6, 9, 50) + k * 5 * MIN for k in range(9)]


def test_buffers_and_a_prep_room_may_reach_outside_the_window_the_visit_fits_in() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_before=timedelta(minutes=10),
                    buffer_after=timedelta(minutes=10),
                    requirements=(Requirement(pool=(20,), offset=-15 * MIN, duration=15 * MIN),))
    cal = doctor(1, *mornings(MON, start=time(8)))
    found = find_options(spec, [cal], {20: room(20)}, Interval(at(6, 9), at(6, 10)), n=100)
    assert (found[0].start, found[-1].end) == (at(6, 9), at(6, 10))
    assert found[0].reservations(spec)[:2] == ((1, Interval(at(6, 8, 50), at(6, 9, 40))),
                                               (20, Interval(at(6, 8, 45), at(6, 9))))
    assert found[-1].reservations(spec)[0] == (1, Interval(at(6, 9, 20), at(6, 10, 10)))


@pytest.mark.parametrize(("practitioners", "prefs"), [
    ([], Preferences()),
    ([doctor(1)], Preferences()),
    ([doctor(1, *mornings(SAT, SUN))], Preferences(weekdays=frozenset(WEEKDAYS))),
    ([doctor(1, WeeklyBlock(MON, time(9), time(12), type_ids=frozenset({2})))], Preferences()),
    ([doctor(1, *mornings())], Preferences(earliest=at(20, 0))),  # the whole window is in the past
    ([doctor(1, *mornings())], Preferences(day_start=time(13))),
    ([doctor(1, *mornings(), off=(Interval(at(1, 0), at(20, 0)),))], Preferences()),
])
def test_nothing_to_offer_gives_an_empty_list(practitioners: list[Calendar], prefs: Preferences) -> None:
    assert find_options(VISIT, practitioners, {}, week(), prefs) == []


def test_a_window_shorter_than_the_visit_gives_an_empty_list() -> None:
    assert find_options(VISIT, [doctor(1, *mornings())], {}, Interval(at(6, 9), at(6, 9, 20))) == []


def test_a_pool_naming_a_resource_without_a_calendar_is_refused() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), requirements=(Requirement(pool=(20, 99)),))
    with pytest.raises(ValueError, match=r"without a calendar: \[99\]"):
        find_options(spec, [doctor(1, *mornings())], {20: room(20)}, week())


@pytest.mark.parametrize(("n", "step"), [(-1, 5 * MIN), (10, timedelta(0)), (10, -5 * MIN)])
def test_a_negative_count_or_a_non_positive_step_is_refused(n: int, step: timedelta) -> None:
    with pytest.raises(ValueError, match="step positive"):
        find_options(VISIT, [doctor(1, *mornings())], {}, week(), n=n, step=step)


def test_option_at_checks_one_exact_start_even_off_the_grid() -> None:
    spec = TypeSpec(id=1, duration=timedelta(minutes=30), buffer_after=timedelta(minutes=5),
                    requirements=(Requirement(pool=(20,)),))
    cal = doctor(1, *mornings(MON), busy=(Interval(at(6, 10), at(6, 11)),))
    option = option_at(spec, cal, {20: room(20)}, at(6, 9, 13))
    assert option == Option(at(6, 9, 13), at(6, 9, 43), 1, (20,))
    assert option_at(spec, cal, {20: room(20)}, at(6, 9, 30)) is None  # its cleanup runs into 10:00
    assert option_at(spec, cal, {20: room(20, busy=(Interval(at(6, 9), at(6, 9, 15)),))}, at(6, 9, 13)) is None
    assert option_at(spec, cal, {20: room(20)}, at(6, 8, 55)) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        option_at(spec, cal, {20: room(20)}, datetime(2026, 4, 6, 9))
