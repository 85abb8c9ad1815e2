"""FHIR date search parameters over instants (Slot.start, Appointment.date); pure, no database.

A value is an optional prefix and either a date (``2026-12-07``, ``2026-12``, ``2026``), read in the
practice's time zone, or a dateTime with a time zone (``2026-12-07T10:00:00-06:00``, ``…T16:00Z``; seconds
optional). It stands for a half-open range [lo, hi): a day runs from local midnight to the next, a
dateTime to the next minute or second (its precision). A dateTime without a time zone is refused: it
would name a different instant in each zone. The prefix compares the stored instant with the range:

    eq: inside     ne: outside     gt/sa: at or after hi     lt/eb: before lo
    ge: at or after lo             le: before hi
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from clinicdesk.fhir.dates import PREFIXES, DateParamError, parse_date_param

_VALUE = re.compile(r"(?P<prefix>[a-z]{2})?(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)"
                    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(?P<tz>Z|[+-]\d{2}:\d{2})?)?")


# Instants far outside these years cannot be converted between zones safely, and no appointment has one.
FIRST_YEAR, LAST_YEAR = 1900, 9000


@dataclass(frozen=True)
class InstantParam:
    prefix: str
    lo: datetime
    hi: datetime


def parse_instant_param(raw: str, zone: ZoneInfo) -> InstantParam:
    match = _VALUE.fullmatch(raw.strip())
    if match is None:
        raise DateParamError(f"“{raw}” is not a date search value (e.g. 2026-12-07, ge2026-12-07T09:00:00Z).")
    prefix = match.group("prefix") or "eq"
    if prefix not in PREFIXES:
        raise DateParamError(f"The prefix “{prefix}” is not supported; use one of {', '.join(PREFIXES)}.")
    day_text, clock, tz = match.group("date"), match.group("time"), match.group("tz")
    if not FIRST_YEAR <= int(day_text[:4]) <= LAST_YEAR:
        raise DateParamError(f"“{raw}”: search between the years {FIRST_YEAR} and {LAST_YEAR}.")
    if clock is None:
        days = parse_date_param(day_text)
        return InstantParam(prefix, _midnight(days.start, zone), _midnight(days.end + timedelta(days=1), zone))
    if tz is None:
        raise DateParamError(f"“{raw}” has a time but no time zone; add Z or an offset such as -06:00.")
    if len(day_text) != 10:
        raise DateParamError(f"“{raw}”: a time needs a full date (YYYY-MM-DD).")
    try:
        lo = datetime.fromisoformat(f"{day_text}T{clock[:15]}{'+00:00' if tz == 'Z' else tz}")
    except ValueError as exc:
        raise DateParamError(f"“{raw}” is not a real date and time.") from exc
    step = timedelta(seconds=1) if clock.count(":") == 2 else timedelta(minutes=1)
    if "." in clock:
        step = timedelta(microseconds=1)
    return InstantParam(prefix, lo, lo + step)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def instant_condition(param: InstantParam, field: str) -> Q:
    """The condition on the instant ``field`` that the parameter asks for."""
    inside = Q(**{f"{field}__gte": param.lo, f"{field}__lt": param.hi})
    by_prefix = {
        "eq": inside, "ne": ~inside,
        "gt": Q(**{f"{field}__gte": param.hi}), "sa": Q(**{f"{field}__gte": param.hi}),
        "lt": Q(**{f"{field}__lt": param.lo}), "eb": Q(**{f"{field}__lt": param.lo}),
        "ge": Q(**{f"{field}__gte": param.lo}), "le": Q(**{f"{field}__lt": param.hi}),
    }
    return by_prefix[param.prefix]


def window_of(params: list[InstantParam]) -> tuple[datetime | None, datetime | None]:
    """The [lower, upper) window the parameters together allow (None: unbounded on that side);
    ``ne`` cannot be a window and raises DateParamError."""
    lower: datetime | None = None
    upper: datetime | None = None
    for p in params:
        if p.prefix == "ne":
            raise DateParamError("The prefix ne is not supported here; give a window with ge/gt and le/lt.")
        low = {"eq": p.lo, "ge": p.lo, "gt": p.hi, "sa": p.hi}.get(p.prefix)
        high = {"eq": p.hi, "le": p.hi, "lt": p.lo, "eb": p.lo}.get(p.prefix)
        if low is not None:
            lower = low if lower is None else max(lower, low)
        if high is not None:
            upper = high if upper is None else min(upper, high)
    return lower, upper
