"""Find available: the next appointment options for a type, as a pure kernel over plain data (no database).

Domain rules
- Time is a set of half-open intervals [start, end) of timezone-aware instants: a visit ending at 10:00 and
  one starting at 10:00 do not overlap. Inputs may be in any zone (they compare as instants); outputs are UTC.
- A resource (practitioner, room, equipment, support staff) has a ``Calendar`` in its location's time zone.
  Weekly blocks are local wall-clock times, expanded per local date, so a 09:00 block starts at 09:00 local on
  both sides of a daylight-saving change. A wall time the clock skips (spring forward) counts from the end of
  the gap, a repeated one (fall back) at its first occurrence: on the spring-forward night a 01:00-04:00 block
  is two real hours, on the fall-back night a 00:30-02:30 block is three.
- Open time = (blocks allowed for the type, plus extra sessions allowed for it; or all time when
  ``always_open``) minus ``off`` minus ``busy``. Touching open stretches join, even across blocks.
- Buffers are the practitioner's own time: [start - buffer_before, end + buffer_after) must be open for the
  type in the practitioner's calendar, so a buffer can neither sit outside the practitioner's blocks nor
  overlap a reservation. ``busy`` intervals already include the buffers of existing visits.
- Each requirement needs one resource of its pool open for its own interval (see ``Requirement.span``).
  Rooms and equipment have blocks too when they only serve some types; a resource block's ``type_ids``
  restricts the appointment types that may use the resource then. One resource never serves two
  requirements whose intervals overlap, nor a requirement overlapping the practitioner's own (buffered) time.
- The search window bounds the appointment itself: [start, end) lies inside it, starts at or after
  ``Preferences.earliest``; buffers and requirement intervals may reach beyond it (they must only be open).
- Preferences' weekdays and day window are read in the practitioner's local time, for the visit's local date.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from clinicdesk.scheduling.intervals import (
    MIDNIGHT,
    ONE_DAY,
    Span,
    SpanIndex,
    Timeline,
    distinct_choice,
    next_candidate,
    wall_to_utc,
    zone,
)

ZERO = timedelta(0)
TICK = timedelta(microseconds=1)
FIVE_MINUTES = timedelta(minutes=5)


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True)
class Interval:
    """Half-open [start, end) between two timezone-aware instants (any zone)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _aware(self.start, "Interval.start")
        _aware(self.end, "Interval.end")
        if self.end <= self.start:
            raise ValueError(f"Interval must end after it starts: {self.start.isoformat()} .. {self.end.isoformat()}")

    def utc(self) -> Span:
        return self.start.astimezone(UTC), self.end.astimezone(UTC)


def _allows(type_ids: frozenset[int], type_id: int | None) -> bool:
    """Empty ``type_ids`` allow every type; ``type_id`` None (no particular type) matches every session."""
    return type_id is None or not type_ids or type_id in type_ids


@dataclass(frozen=True)
class WeeklyBlock:
    """A weekly session in the calendar's local wall-clock time; valid_from/valid_to are inclusive local dates."""

    weekday: int  # 0 = Monday
    start: time
    end: time
    type_ids: frozenset[int] = frozenset()
    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("WeeklyBlock times are local wall-clock times and carry no time zone")
        if self.end <= self.start:
            raise ValueError(f"WeeklyBlock must end after it starts on the same day: {self.start}–{self.end}")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"WeeklyBlock valid_to {self.valid_to} is before valid_from {self.valid_from}")

    def on(self, day: date) -> bool:
        """Whether the block takes place on this local date."""
        return (day.weekday() == self.weekday and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


@dataclass(frozen=True)
class Session:
    """A one-off extra session (absolute instants), e.g. a Saturday clinic."""

    interval: Interval
    type_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Calendar:
    """One bookable resource. ``off`` (vacation, holidays, meetings) and ``busy`` (existing reservations,
    buffers included) remove open time; ``always_open`` resources (rooms and equipment without a template)
    are open whenever not off or busy, whatever their blocks say."""

    resource_id: int
    timezone: str
    blocks: tuple[WeeklyBlock, ...] = ()
    extra: tuple[Session, ...] = ()
    off: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()
    always_open: bool = False
    # off ∪ busy, merged and in UTC: built once here so that a search only bisects it.
    _blocked: SpanIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zone(self.timezone)
        object.__setattr__(self, "_blocked", SpanIndex(i.utc() for i in (*self.off, *self.busy)))

    def serves(self, type_id: int | None) -> bool:
        """Whether any session could ever hold the type (a cheap test before walking days)."""
        return (self.always_open or any(_allows(b.type_ids, type_id) for b in self.blocks)
                or any(_allows(s.type_ids, type_id) for s in self.extra))

    def timeline(self, type_id: int | None, lo: datetime, hi: datetime) -> Timeline:
        """The open time for the type between lo and hi (UTC), computed as questions reach it."""
        tz = zone(self.timezone)
        by_weekday: list[list[WeeklyBlock]] = [[] for _ in range(7)]
        for block in self.blocks:
            if _allows(block.type_ids, type_id):
                by_weekday[block.weekday].append(block)
        extra = [s.interval.utc() for s in self.extra if _allows(s.type_ids, type_id)]

        def base(day: date, day_start: datetime, day_end: datetime) -> list[Span]:
            if self.always_open:
                return [(day_start, day_end)]
            spans = [(wall_to_utc(day, b.start, tz), wall_to_utc(day, b.end, tz))
                     for b in by_weekday[day.weekday()] if b.on(day)]
            return spans + [s for s in extra if s[0] < day_end and s[1] > day_start]

        return Timeline(tz, lo, hi, base, self._blocked)


@dataclass(frozen=True)
class Requirement:
    """Any one resource of ``pool``, for [start + offset, start + offset + duration). ``duration`` None holds the
    resource from start + offset to the appointment's end (not its buffer_after: buffers are the
    practitioner's). A prep room 15 minutes before: offset=-15 min, duration=15 min."""

    pool: tuple[int, ...]
    offset: timedelta = ZERO
    duration: timedelta | None = None

    def __post_init__(self) -> None:
        if not self.pool:
            raise ValueError("a Requirement needs at least one resource in its pool")
        if self.duration is not None and self.duration <= ZERO:
            raise ValueError(f"Requirement duration must be positive, got {self.duration}")

    def span(self, start: datetime, visit: timedelta) -> Span:
        """The interval this requirement holds for a visit of length ``visit`` starting at ``start``."""
        begin = start + self.offset
        return begin, (begin + self.duration if self.duration is not None else start + visit)


@dataclass(frozen=True)
class TypeSpec:
    """An appointment type: length, the practitioner's buffers around it, and the resources it needs."""

    id: int
    duration: timedelta
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO
    requirements: tuple[Requirement, ...] = ()

    def __post_init__(self) -> None:
        if self.duration <= ZERO:
            raise ValueError(f"TypeSpec duration must be positive, got {self.duration}")
        if self.buffer_before < ZERO or self.buffer_after < ZERO:
            raise ValueError("TypeSpec buffers cannot be negative")
        if any(req.duration is None and req.offset >= self.duration for req in self.requirements):
            raise ValueError("a Requirement without a duration holds nothing if it starts at or after the visit's end")


@dataclass(frozen=True)
class Preferences:
    """What the patient asks for. ``weekdays`` and the day window [day_start, day_end] (the whole visit
    inside it) are in the practitioner's local time; None means no limit."""

    earliest: datetime | None = None
    weekdays: frozenset[int] | None = None
    day_start: time | None = None
    day_end: time | None = None

    def __post_init__(self) -> None:
        if self.earliest is not None:
            _aware(self.earliest, "Preferences.earliest")
        if self.weekdays is not None and not self.weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}")
        if self.day_start is not None and self.day_end is not None and self.day_end <= self.day_start:
            raise ValueError(f"day_end {self.day_end} must be after day_start {self.day_start}")


NO_PREFERENCES = Preferences()


@dataclass(frozen=True)
class Option:
    """One bookable option: start and end in UTC, the practitioner, and one resource per requirement."""

    start: datetime
    end: datetime
    practitioner_id: int
    resource_ids: tuple[int, ...] = ()

    def reservations(self, spec: TypeSpec) -> tuple[tuple[int, Interval], ...]:
        """What booking this option holds: the practitioner with the buffers, then each requirement's resource."""
        own = (self.practitioner_id, Interval(self.start - spec.buffer_before, self.end + spec.buffer_after))
        return own, *((rid, Interval(*req.span(self.start, spec.duration)))
                      for rid, req in zip(self.resource_ids, spec.requirements, strict=True))


def open_intervals(calendar: Calendar, window: Interval, type_id: int | None = None) -> list[Interval]:
    """The calendar's open time inside ``window`` for the type (None: any session), merged, sorted, in UTC."""
    lo, hi = window.utc()
    return [Interval(a, b) for a, b in calendar.timeline(type_id, lo, hi).overlapping(lo, hi)]


def find_options(spec: TypeSpec, practitioners: Sequence[Calendar], resources: Mapping[int, Calendar],
                 window: Interval, prefs: Preferences = NO_PREFERENCES, n: int = 10,
                 step: timedelta = FIVE_MINUTES) -> list[Option]:
    """The first ``n`` options in time order (ties: practitioners in the order given).

    Candidate starts lie on the ``step`` grid of the practitioner's local clock (:00, :05, …) and at the
    start of each session (plus buffer_before) when that is off the grid. Days are walked in order for
    all practitioners together, and the walk stops once n options are found that no later day can beat.
    ``resources`` holds the calendar of every resource a pool names (a practitioner too, if in a pool).
    """
    if n < 0 or step <= ZERO:
        raise ValueError(f"n must be >= 0 and step positive, got n={n}, step={step}")
    search = _Search(spec, resources, window, prefs, step)
    if n == 0 or search.first > search.last:
        return []
    streams = [search.options(index, cal) for index, cal in enumerate(practitioners)]
    found: list[Option] = []
    for _, _, option in heapq.merge(*streams, key=itemgetter(0)):
        if option is not None:
            found.append(option)
            if len(found) == n:
                break
    return found


def option_at(spec: TypeSpec, practitioner: Calendar, resources: Mapping[int, Calendar],
              start: datetime) -> Option | None:
    """The option starting exactly at ``start`` with this practitioner (on the step grid or not), or None:
    the check to run before booking a time someone picked."""
    _aware(start, "start")
    s = start.astimezone(UTC)
    own = (s - spec.buffer_before, s + spec.duration + spec.buffer_after)
    search = _Search(spec, resources, Interval(s, s + spec.duration), NO_PREFERENCES, FIVE_MINUTES)
    if not practitioner.serves(spec.id) or not practitioner.timeline(spec.id, *own).covers(*own):
        return None
    got = search.assign(s, practitioner.resource_id, own)
    return Option(s, s + spec.duration, practitioner.resource_id, got) if isinstance(got, tuple) else None


# An option, or a marker (option None) saying the practitioner has nothing more before that instant.
_Item = tuple[datetime, int, Option | None]


class _Search:
    """One find_options call: bounds, lazily built resource timelines, and the per-practitioner walk."""

    def __init__(self, spec: TypeSpec, resources: Mapping[int, Calendar], window: Interval, prefs: Preferences,
                 step: timedelta) -> None:
        missing = sorted({rid for req in spec.requirements for rid in req.pool} - set(resources))
        if missing:
            raise ValueError(f"requirement pools name resources without a calendar: {missing}")
        self.spec, self.resources, self.prefs, self.step = spec, resources, prefs, step
        lo, hi = window.utc()
        self.first = max(lo, prefs.earliest.astimezone(UTC)) if prefs.earliest else lo  # earliest start
        self.last = hi - spec.duration  # latest start
        spans = [req.span(self.first, spec.duration) for req in spec.requirements]
        self.res_lo = min((a for a, _ in spans), default=self.first)
        self.res_hi = max((b for _, b in spans), default=self.first) + (self.last - self.first)
        self.timelines: dict[int, Timeline] = {}

    def _resource(self, rid: int) -> Timeline:
        if rid not in self.timelines:
            self.timelines[rid] = self.resources[rid].timeline(self.spec.id, self.res_lo, self.res_hi)
        return self.timelines[rid]

    def options(self, index: int, cal: Calendar) -> Iterator[_Item]:
        """The practitioner's options in time order, with an end-of-day marker after each local day."""
        spec = self.spec
        if not cal.serves(spec.id):
            return
        tz = zone(cal.timezone)
        before, after = spec.buffer_before, spec.duration + spec.buffer_after
        timeline = cal.timeline(spec.id, self.first - before, self.last + after)
        floor, day, last_day = self.first, self.first.astimezone(tz).date(), self.last.astimezone(tz).date()
        while day <= last_day:
            starts = self._start_range(day, tz)
            if starts is not None and starts[1] >= floor:
                lo, hi = starts
                timeline.skip_to(lo - before)
                for a, b in timeline.overlapping(lo - before, hi + after):
                    unaligned = [t + before for t in timeline.sessions_between(a, b)]
                    stop, s = min(hi, b - after), next_candidate(max(lo, a + before, floor), tz, self.step, unaligned)
                    while s <= stop:
                        got = self.assign(s, cal.resource_id, (s - before, s + after))
                        if got is None:  # a requirement can never be met again in this window
                            return
                        if isinstance(got, tuple):
                            yield s, index, Option(s, s + spec.duration, cal.resource_id, got)
                            got = s + TICK
                        floor = got
                        s = next_candidate(floor, tz, self.step, unaligned)
            day += ONE_DAY
            yield wall_to_utc(day, MIDNIGHT, tz), index, None

    def _start_range(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The starts [lo, hi] (inclusive, UTC) allowed on local ``day`` by the window and the preferences."""
        prefs = self.prefs
        if prefs.weekdays is not None and day.weekday() not in prefs.weekdays:
            return None
        lo = wall_to_utc(day, prefs.day_start or MIDNIGHT, tz)
        hi = wall_to_utc(day + ONE_DAY, MIDNIGHT, tz) - TICK
        if prefs.day_end is not None:
            hi = min(hi, wall_to_utc(day, prefs.day_end, tz) - self.spec.duration)
        lo, hi = max(lo, self.first), min(hi, self.last)
        return (lo, hi) if lo <= hi else None

    def assign(self, s: datetime, practitioner_id: int, own: Span) -> tuple[int, ...] | datetime | None:
        """A resource per requirement for a visit at ``s`` (first in pool order, with backtracking); else the
        earliest start worth trying next, or None if some requirement can never be met again."""
        spans: list[Span] = []
        choices: list[list[int]] = []
        for req in self.spec.requirements:
            a, b = req.span(s, self.spec.duration)
            ok = [rid for rid in req.pool if self._resource(rid).covers(a, b)
                  and not (rid == practitioner_id and a < own[1] and own[0] < b)]
            if not ok:
                fits = [t for rid in req.pool if (t := self._resource(rid).next_fit(a, b - a)) is not None]
                return max(min(fits) - req.offset, s + TICK) if fits else None
            spans.append((a, b))
            choices.append(ok)
        picked = distinct_choice(spans, choices)
        return picked if picked is not None else s + TICK
