"""find_options against a brute-force reference, on random practices and on a busy 50 x 60-day one.

The reference tries every candidate start of every practitioner and every combination of pool resources,
checking each rule directly on the raw intervals. It reads blocks with plain ``datetime.combine``, which is
exact away from the hours a daylight-saving change skips or repeats (test_slots_dst covers those).
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
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
)

ZONE = "America/New_York"
NY = ZoneInfo(ZONE)
MONDAY = date(2026, 4, 6)
MIN = timedelta(minutes=1)


def _allowed(type_ids: frozenset[int], type_id: int) -> bool:
    return not type_ids or type_id in type_ids


def _on(block: WeeklyBlock, day: date, type_id: int) -> bool:
    return (block.weekday == day.weekday() and _allowed(block.type_ids, type_id)
            and (block.valid_from is None or block.valid_from <= day)
            and (block.valid_to is None or day <= block.valid_to))


def _free(cal: Calendar, a: datetime, b: datetime, type_id: int) -> bool:
    """[a, b) avoids every off and busy interval and is covered by the union of the type's sessions."""
    if any(i.start < b and a < i.end for i in (*cal.off, *cal.busy)):
        return False
    if cal.always_open:
        return True
    tz = ZoneInfo(cal.timezone)
    sessions = [(s.interval.start, s.interval.end) for s in cal.extra if _allowed(s.type_ids, type_id)]
    day = a.astimezone(tz).date() - timedelta(days=1)
    while day <= b.astimezone(tz).date() + timedelta(days=1):
        sessions += [(datetime.combine(day, blk.start, tzinfo=tz), datetime.combine(day, blk.end, tzinfo=tz))
                     for blk in cal.blocks if _on(blk, day, type_id)]
        day += timedelta(days=1)
    reached = a
    for start, end in sorted(sessions):
        if start <= reached < end:
            reached = end
    return reached >= b


def _resources_for(spec: TypeSpec, pid: int, s: datetime, resources: dict[int, Calendar]) -> tuple[int, ...] | None:
    own = (s - spec.buffer_before, s + spec.duration + spec.buffer_after)
    spans = [(s + r.offset, s + r.offset + r.duration if r.duration else s + spec.duration) for r in spec.requirements]
    for combo in itertools.product(*(r.pool for r in spec.requirements)):
        if any(rid == pid and a < own[1] and own[0] < b for rid, (a, b) in zip(combo, spans, strict=True)):
            continue
        if any(combo[i] == combo[j] and spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]
               for i, j in itertools.combinations(range(len(combo)), 2)):
            continue
        if all(_free(resources[rid], a, b, spec.id) for rid, (a, b) in zip(combo, spans, strict=True)):
            return combo
    return None


def reference(spec: TypeSpec, practitioners: list[Calendar], resources: dict[int, Calendar], window: Interval,
              prefs: Preferences, n: int, step: timedelta) -> list[Option]:
    first = max(window.start, prefs.earliest) if prefs.earliest else window.start
    found: list[tuple[datetime, int, Option]] = []
    day = first.astimezone(NY).date()
    while day <= window.end.astimezone(NY).date() and len(found) < n:
        grid = {datetime.combine(day, time(0), tzinfo=NY) + k * step for k in range(timedelta(days=1) // step)}
        for index, cal in enumerate(practitioners if prefs.weekdays is None or day.weekday() in prefs.weekdays else []):
            own_starts = {datetime.combine(day, b.start, tzinfo=NY) for b in cal.blocks if _on(b, day, spec.id)}
            own_starts |= {s.interval.start.astimezone(NY) for s in cal.extra if _allowed(s.type_ids, spec.id)}
            for s in sorted({t.astimezone(UTC) for t in grid | {t + spec.buffer_before for t in own_starts}}):
                local = s.astimezone(NY)
                if local.date() != day or s < first or s + spec.duration > window.end:
                    continue
                if prefs.day_start and local.time() < prefs.day_start:
                    continue
                if prefs.day_end and s + spec.duration > datetime.combine(day, prefs.day_end, tzinfo=NY):
                    continue
                if not _free(cal, s - spec.buffer_before, s + spec.duration + spec.buffer_after, spec.id):
                    continue
                picked = _resources_for(spec, cal.resource_id, s, resources)
                if picked is not None:
                    found.append((s, index, Option(s, s + spec.duration, cal.resource_id, picked)))
        day += timedelta(days=1)
    return [option for _, _, option in sorted(found, key=lambda f: (f[0], f[1]))[:n]]


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(0), tzinfo=NY) + minutes * MIN


def random_practice(seed: int, first: date = MONDAY) -> tuple[
        TypeSpec, list[Calendar], dict[int, Calendar], Interval, Preferences, int, timedelta]:
    rng = random.Random(seed)
    days = [first + timedelta(days=i) for i in range(7)]

    def intervals(count: int, longest: int) -> tuple[Interval, ...]:
        out = []
        for _ in range(count):
            start = _at(rng.choice(days), rng.randrange(6 * 60, 19 * 60))
            out.append(Interval(start, start + rng.randrange(5, longest) * MIN))
        return tuple(out)

    def blocks() -> tuple[WeeklyBlock, ...]:
        out = []
        for _ in range(rng.randrange(2, 9)):
            start = rng.randrange(7 * 60, 16 * 60)
            out.append(WeeklyBlock(rng.randrange(7), time(*divmod(start, 60)),
                                   time(*divmod(start + rng.randrange(20, 240), 60)),
                                   type_ids=rng.choice((frozenset(), frozenset({1}), frozenset({2}))),
                                   valid_from=rng.choice((None, first + timedelta(days=2)))))
        return tuple(out)

    practitioners = [
        Calendar(resource_id=pid, timezone=ZONE, blocks=blocks(), busy=intervals(rng.randrange(0, 15), 90),
                 off=intervals(rng.randrange(0, 2), 300),
                 extra=tuple(Session(i, rng.choice((frozenset(), frozenset({2}))))
                             for i in intervals(rng.randrange(2), 200)))
        for pid in range(1, rng.randrange(2, 6))]
    resources = {rid: Calendar(resource_id=rid, timezone=ZONE, always_open=rng.random() < 0.7, blocks=blocks(),
                               busy=intervals(rng.randrange(0, 25), 120)) for rid in range(11, 16)}
    resources |= {c.resource_id: c for c in practitioners}
    requirements = [Requirement(pool=tuple(rng.sample(sorted(resources), rng.randrange(1, 3))),
                                offset=rng.choice((-15, 0, 0, 10)) * MIN, duration=rng.choice((None, 15 * MIN)))
                    for _ in range(rng.randrange(0, 3))]
    spec = TypeSpec(id=1, duration=rng.choice((15, 20, 30, 45)) * MIN, buffer_before=rng.choice((0, 0, 5)) * MIN,
                    buffer_after=rng.choice((0, 5, 10)) * MIN, requirements=tuple(requirements))
    prefs = Preferences(earliest=rng.choice((None, _at(first, rng.randrange(0, 3 * 24 * 60)))),
                        weekdays=rng.choice((None, None, frozenset(rng.sample(range(7), 4)))),
                        day_start=rng.choice((None, None, time(10))), day_end=rng.choice((None, None, time(15, 30))))
    window = Interval(_at(first, rng.randrange(0, 600)), _at(days[-1], rng.randrange(600, 1440)))
    return spec, practitioners, resources, window, prefs, rng.choice((5, 15, 40)), rng.choice((5, 10, 15)) * MIN


@pytest.mark.parametrize("seed", range(60))
def test_random_practices_match_the_brute_force_reference(seed: int) -> None:
    spec, practitioners, resources, window, prefs, n, step = random_practice(seed)
    expected = reference(spec, practitioners, resources, window, prefs, n, step)
    assert find_options(spec, practitioners, resources, window, prefs, n, step) == expected


@pytest.mark.parametrize("first", [date(2026, 3, 5), date(2026, 10, 29)])
@pytest.mark.parametrize("seed", range(15))
def test_random_practices_over_a_daylight_saving_change_match_the_reference_too(seed: int, first: date) -> None:
    # Sessions here lie between 06:00 and 20:00, where wall-clock arithmetic is still exact on change days.
    spec, practitioners, resources, window, prefs, n, step = random_practice(seed, first)
    expected = reference(spec, practitioners, resources, window, prefs, n, step)
    assert find_options(spec, practitioners, resources, window, prefs, n, step) == expected


@functools.cache
def busy_practice(seed: int = 11) -> tuple[TypeSpec, list[Calendar], dict[int, Calendar]]:
    """50 practitioners working weekdays 08:00-12:00 and 13:00-17:00 for 60 days, ~30 reservations per
    practitioner-day, and 6 exam rooms as busy; every 5th practitioner only does another type, every 7th is
    away on the first day."""
    rng = random.Random(seed)
    days = [MONDAY + timedelta(days=i) for i in range(60)]

    def busy(per_day: int) -> tuple[Interval, ...]:
        out = []
        for day in days:
            for slot in rng.sample(range(96), per_day):  # 08:00-16:00 in five-minute steps
                start = _at(day, 8 * 60 + 5 * slot)
                out.append(Interval(start, start + rng.choice((5, 10, 15)) * MIN))
        return tuple(out)

    practitioners = []
    for pid in range(1, 51):
        types = frozenset({2}) if pid % 5 == 0 else frozenset()
        blocks = tuple(WeeklyBlock(wd, start, end, type_ids=types) for wd in range(5)
                       for start, end in ((time(8), time(12)), (time(13), time(17))))
        off = (Interval(_at(MONDAY, 0), _at(MONDAY, 24 * 60)),) if pid % 7 == 0 else ()
        practitioners.append(Calendar(resource_id=pid, timezone=ZONE, blocks=blocks, busy=busy(30), off=off))
    rooms = {rid: Calendar(resource_id=rid, timezone=ZONE, always_open=True, busy=busy(30)) for rid in range(101, 107)}
    spec = TypeSpec(id=1, duration=20 * MIN, buffer_after=5 * MIN, requirements=(Requirement(pool=tuple(rooms)),))
    return spec, practitioners, rooms


def test_fifty_practitioners_over_sixty_busy_days_give_the_reference_answer() -> None:
    spec, practitioners, rooms = busy_practice()
    assert sum(len(c.busy) for c in practitioners) == 50 * 60 * 30
    window = Interval(_at(MONDAY, 0), _at(MONDAY + timedelta(days=60), 0))
    prefs = Preferences(earliest=_at(MONDAY, 10 * 60 + 2))
    found = find_options(spec, practitioners, rooms, window, prefs, n=10)

    # The reference is slow on raw intervals: give it only the first two days', which is all the answer uses.
    horizon = _at(MONDAY + timedelta(days=2), 0)
    assert found[-1].end < horizon

    def near(cal: Calendar) -> Calendar:
        return replace(cal, busy=tuple(i for i in cal.busy if i.start < horizon))

    expected = reference(spec, [near(c) for c in practitioners], {rid: near(c) for rid, c in rooms.items()},
                         Interval(window.start, horizon), prefs, 10, 5 * MIN)
    assert found == expected
    assert len(found) == 10
    assert {o.practitioner_id % 5 for o in found} != {0} and all(o.practitioner_id % 7 for o in found)


def test_the_busy_practice_later_in_the_window_matches_the_reference_too() -> None:
    spec, practitioners, rooms = busy_practice()
    window = Interval(_at(MONDAY, 0), _at(MONDAY + timedelta(days=60), 0))
    prefs = Preferences(earliest=_at(MONDAY + timedelta(days=40), 0), weekdays=frozenset({3}),
                        day_start=time(15), day_end=time(16, 30))
    found = find_options(spec, practitioners, rooms, window, prefs, n=10)
    lo, hi = _at(MONDAY + timedelta(days=40), 0), _at(MONDAY + timedelta(days=46), 0)

    def near(cal: Calendar) -> Calendar:
        return replace(cal, busy=tuple(i for i in cal.busy if lo - timedelta(days=1) < i.start < hi))

    expected = reference(spec, [near(c) for c in practitioners], {rid: near(c) for rid, c in rooms.items()},
                         Interval(window.start, hi), prefs, 10, 5 * MIN)
    assert found == expected
    assert len(found) == 10
    assert all(o.start.astimezone(NY).weekday() == 3 for o in found)
