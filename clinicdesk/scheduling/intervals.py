"""Interval algebra and local-time arithmetic for the slots kernel (pure: standard library only).

A span is a half-open pair ``(start, end)`` of timezone-aware UTC datetimes: it holds ``start`` and
not ``end``, so spans that only touch do not overlap, and merge into one.

Local wall-clock times map to instants by one rule everywhere (``wall_to_utc``): the instant the
clock first reads that time. A time the clock skips (spring forward) is the end of the gap; a time
it shows twice (fall back) is its first occurrence.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Span = tuple[datetime, datetime]
MIDNIGHT = time(0)
ONE_DAY = timedelta(days=1)


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as 'America/New_York')") from exc


def merge(spans: Iterable[Span]) -> list[Span]:
    """The union of ``spans``, sorted, with overlapping or touching spans joined."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    """``spans`` minus ``holes``; both sorted and disjoint."""
    out: list[Span] = []
    j = 0
    for start, end in spans:
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k, cursor = j, start
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > cursor:
                out.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


class SpanIndex:
    """Disjoint sorted spans (built once per calendar), sliced by bisection."""

    __slots__ = ("ends", "spans", "starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = merge(spans)
        self.starts = [start for start, _ in self.spans]
        self.ends = [end for _, end in self.spans]

    def overlapping(self, t0: datetime, t1: datetime) -> list[Span]:
        """The spans that overlap [t0, t1), unclipped."""
        return self.spans[bisect_right(self.ends, t0):bisect_left(self.starts, t1)]


@lru_cache(maxsize=16384)
def wall_to_utc(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The instant (UTC) at which the wall clock in ``tz`` first reads ``clock`` on ``day``."""
    local = datetime.combine(day, clock, tzinfo=tz)
    before, after = local.utcoffset(), local.replace(fold=1).utcoffset()
    assert before is not None and after is not None
    if before >= after:  # an ordinary time, or a repeated one (fold=0 is its first occurrence)
        return local.astimezone(UTC)
    # Skipped: fold=1 reads it with the later offset (an instant before the jump), fold=0 after it.
    return transition(local.replace(fold=1).astimezone(UTC), local.astimezone(UTC), tz)


def transition(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The first instant in (lo, hi] whose UTC offset in ``tz`` differs from lo's (one change in between)."""
    offset = lo.astimezone(tz).utcoffset()
    a, b = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
    while b - a > 1:  # zones change offset on whole seconds
        mid = (a + b) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == offset:
            a = mid
        else:
            b = mid
    return datetime.fromtimestamp(b, UTC)


def _to_next_step(t: datetime, tz: ZoneInfo, step: timedelta) -> timedelta:
    wall = t.astimezone(tz)
    time_of_day = timedelta(hours=wall.hour, minutes=wall.minute, seconds=wall.second, microseconds=wall.microsecond)
    return -time_of_day % step


def next_aligned(t: datetime, tz: ZoneInfo, step: timedelta) -> datetime:
    """The first instant at or after ``t`` whose wall-clock time of day in ``tz`` is a whole number of
    steps after midnight (09:00, 09:05, … for five minutes), measured with the offset then in force."""
    while True:
        candidate = t + _to_next_step(t, tz, step)
        if candidate == t or not _to_next_step(candidate, tz, step):
            return candidate
        t = transition(t, candidate, tz)  # an offset change not a multiple of step: realign after it


def next_candidate(t: datetime, tz: ZoneInfo, step: timedelta, unaligned: list[datetime]) -> datetime:
    """The first instant at or after ``t`` on the local step grid or in ``unaligned`` (sorted)."""
    aligned, i = next_aligned(t, tz, step), bisect_left(unaligned, t)
    return min(aligned, unaligned[i]) if i < len(unaligned) else aligned


DayBase = Callable[[date, datetime, datetime], Iterable[Span]]


class Timeline:
    """The open time of one calendar for one appointment type between ``lo`` and ``hi``, computed lazily
    (a local day at a time, or only as far as a question needs) and kept merged across days.

    ``base(day, day_start, day_end)`` gives the sessions of that local day (a span may reach outside the
    day; it is clipped). ``blocked`` (time off and reservations) is removed. ``session_starts`` records
    where sessions begin, for the candidate starts that are not on the step grid.
    """

    def __init__(self, tz: ZoneInfo, lo: datetime, hi: datetime, base: DayBase, blocked: SpanIndex) -> None:
        self.tz, self.lo, self.hi, self.base, self.blocked = tz, lo, hi, base, blocked
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        self.session_starts: list[datetime] = []
        self.until = lo  # open time is known on [lo, until)
        self._day = lo.astimezone(tz).date()

    def _extend(self, target: datetime) -> None:
        """Compute [until, target), stopping at the end of the local day ``until`` falls in."""
        day = self._day
        day_start, day_end = wall_to_utc(day, MIDNIGHT, self.tz), wall_to_utc(day + ONE_DAY, MIDNIGHT, self.tz)
        c0, c1 = self.until, min(day_end, self.hi, target)
        if c1 >= day_end:
            self._day = day + ONE_DAY
        if c1 <= c0:
            return
        clipped: list[Span] = []
        begins: list[datetime] = []
        for start, end in self.base(day, day_start, day_end):
            if c0 <= start < c1:
                begins.append(start)
            start, end = max(start, c0), min(end, c1)
            if start < end:
                clipped.append((start, end))
        self.until = c1
        if not clipped:
            return
        self.session_starts += sorted(begins)
        for start, end in subtract(merge(clipped), self.blocked.overlapping(c0, c1)):
            if self.ends and self.ends[-1] == start:
                self.ends[-1] = end
            else:
                self.starts.append(start)
                self.ends.append(end)

    def skip_to(self, t: datetime) -> None:
        """Leave [until, t) uncomputed: every later question is about time from ``t`` on (a forward walk)."""
        if t > self.until:
            self.until, self._day = t, t.astimezone(self.tz).date()

    def ensure(self, t: datetime, exact: bool = False) -> None:
        """Compute open time up to ``t`` (capped at ``hi``): exactly, or on to the end of that local day."""
        while self.until < t and self.until < self.hi:
            self._extend(t if exact else self.hi)

    def overlapping(self, t0: datetime, t1: datetime) -> list[Span]:
        """The open spans that overlap [t0, t1); one that runs past t1 may be cut where computing stopped."""
        self.ensure(t1, exact=True)
        i, j = bisect_right(self.ends, t0), bisect_left(self.starts, t1)
        return list(zip(self.starts[i:j], self.ends[i:j], strict=True))

    def covers(self, a: datetime, b: datetime) -> bool:
        """Whether [a, b) is open from start to end."""
        if a < self.lo or b > self.hi:
            return False
        self.ensure(b)
        i = bisect_right(self.starts, a) - 1
        return i >= 0 and self.ends[i] >= b

    def next_fit(self, t: datetime, length: timedelta) -> datetime | None:
        """The first instant at or after ``t`` from which ``length`` of open time follows; None before ``hi``."""
        while t + length <= self.hi:
            if self.covers(t, t + length):
                return t
            i = bisect_right(self.starts, t)
            while i >= len(self.starts) and self.until < self.hi:
                self._extend(self.hi)
            if i >= len(self.starts):
                return None
            t = self.starts[i]
        return None

    def sessions_between(self, a: datetime, b: datetime) -> list[datetime]:
        """Session starts in [a, b)."""
        return self.session_starts[bisect_left(self.session_starts, a):bisect_left(self.session_starts, b)]


def distinct_choice(spans: list[Span], choices: list[list[int]]) -> tuple[int, ...] | None:
    """One resource per span, each from its list (earlier entries preferred, backtracking when needed),
    never the same resource for two overlapping spans; None when impossible."""
    picked: list[int] = []

    def pick(k: int) -> bool:
        if k == len(spans):
            return True
        a, b = spans[k]
        for rid in choices[k]:
            if any(picked[j] == rid and spans[j][0] < b and a < spans[j][1] for j in range(k)):
                continue
            picked.append(rid)
            if pick(k + 1):
                return True
            picked.pop()
        return False

    return tuple(picked) if pick(0) else None
