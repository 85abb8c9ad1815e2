"""When each reminder step of a policy goes out: a pure kernel (plain data in, plain data out, no database).

Rules, in order:

* **Send time.** A step ``offset_minutes`` before the start. Whole days (1440, 10080, ...) are counted on the
  location's wall clock, so "1 day before a 10:00 visit" is 10:00 the day before even across a DST change;
  anything else (120 = 2 hours) is elapsed time.
* **Stale.** A step whose send time had already passed when the appointment was booked is never sent (booked
  3 days ahead → the 7-day step is skipped, not sent late).
* **Quiet hours** (local wall clock of the location, ``[quiet_start, quiet_end)``, may wrap midnight; equal
  ends = no quiet hours). A send time inside them moves to their end. Never after the start: if the end of the
  quiet hours is at or past the appointment start, the step moves back to the minute before they began instead
  (the evening before) — and if that was before the booking, the step is stale.
* **Due.** Send time reached and the appointment not yet started. If the sweep was down and several steps of
  one channel are due at once, only the latest (closest to the appointment) goes out; the earlier ones are
  ``superseded`` — a patient gets one reminder, not a burst of three.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DAY_MINUTES = 1440


class StepState(StrEnum):
    DUE = "due"  # send now
    WAITING = "waiting"  # its time has not come
    STALE = "stale"  # its time had passed when the appointment was booked: never sent
    SUPERSEDED = "superseded"  # missed, and a later step of the same channel is due: never sent
    PAST = "past"  # the appointment has started: never sent


@dataclass(frozen=True)
class Step:
    id: int
    offset_minutes: int
    channel: str


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, clock: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


NO_QUIET_HOURS = QuietHours(time(0), time(0))


@dataclass(frozen=True)
class Planned:
    step: Step
    send_at: datetime  # UTC
    state: StepState


def wall_clock(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC. A time skipped by spring-forward lands after the gap (02:30 → 03:30);
    a repeated one (fall-back) is the first of the two."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def nominal_send_time(start: datetime, offset_minutes: int, tz: ZoneInfo) -> datetime:
    if offset_minutes and offset_minutes % DAY_MINUTES == 0:
        local = start.astimezone(tz)
        day = local.date() - timedelta(days=offset_minutes // DAY_MINUTES)
        return wall_clock(day, local.time().replace(tzinfo=None), tz)
    return start.astimezone(UTC) - timedelta(minutes=offset_minutes)  # in UTC: aware arithmetic is wall-clock


def quiet_window(at: datetime, tz: ZoneInfo, quiet: QuietHours) -> tuple[datetime, datetime] | None:
    """The quiet period ``at`` falls in, as UTC ``(began, ends)``; None outside quiet hours."""
    local = at.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if not quiet.contains(clock):
        return None
    day = local.date()
    began_day = day - timedelta(days=1) if quiet.start > quiet.end and clock < quiet.end else day
    ends_day = began_day + timedelta(days=1) if quiet.start > quiet.end else began_day
    return wall_clock(began_day, quiet.start, tz), wall_clock(ends_day, quiet.end, tz)


def send_time(start: datetime, offset_minutes: int, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """The send time of one step after quiet hours, never at or after the appointment start."""
    nominal = nominal_send_time(start, offset_minutes, tz)
    window = quiet_window(nominal, tz, quiet)
    if window is None:
        return nominal
    began, ends = window
    if ends < start:
        return ends
    return began - timedelta(minutes=1)


def plan(*, start: datetime, booked_at: datetime, now: datetime, steps: Iterable[Step], tz: ZoneInfo,
         quiet: QuietHours = NO_QUIET_HOURS) -> list[Planned]:
    """Every step's send time and state for one appointment, in the order given."""
    planned: list[Planned] = []
    for step in steps:
        at = send_time(start, step.offset_minutes, tz, quiet)
        if nominal_send_time(start, step.offset_minutes, tz) < booked_at or at < booked_at:
            state = StepState.STALE
        elif now >= start:
            state = StepState.PAST
        elif at <= now:
            state = StepState.DUE
        else:
            state = StepState.WAITING
        planned.append(Planned(step, at, state))
    latest_due: dict[str, datetime] = {}
    for item in planned:
        if item.state == StepState.DUE:
            latest_due[item.step.channel] = max(item.send_at, latest_due.get(item.step.channel, item.send_at))
    return [Planned(p.step, p.send_at, StepState.SUPERSEDED)
            if p.state == StepState.DUE and p.send_at < latest_due[p.step.channel] else p for p in planned]


def due_steps(planned: Sequence[Planned]) -> list[Step]:
    return [p.step for p in planned if p.state == StepState.DUE]
