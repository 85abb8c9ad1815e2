"""FHIR date search parameters (pure; no database).

A value is an optional two-letter prefix and a date of year, month or day precision, e.g.
``1980`` (all of 1980), ``ge1980-05``, ``lt1980-05-17``. A value stands for the whole range its
precision covers, and the prefix compares the stored day with that range:

    eq: inside     ne: outside     gt/sa: after its end     lt/eb: before its start
    ge: on or after its start      le: on or before its end
A time part (``1980-05-17T10:00:00Z``) is accepted and ignored, as birth dates are whole days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")
_VALUE = re.compile(r"(?P<prefix>[a-z]{2})?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})(?:T[0-9:.+\-Z]+)?)?)?")


class DateParamError(ValueError):
    pass


@dataclass(frozen=True)
class DateParam:
    prefix: str
    start: date
    end: date


def parse_date_param(raw: str) -> DateParam:
    match = _VALUE.fullmatch(raw.strip())
    if match is None:
        raise DateParamError(f"“{raw}” is not a date search value (e.g. 1980-05-17, ge1980, lt1980-05).")
    prefix = match.group("prefix") or "eq"
    if prefix not in PREFIXES:
        raise DateParamError(f"The prefix “{prefix}” is not supported; use one of {', '.join(PREFIXES)}.")
    year = int(match.group("year"))
    month, day = match.group("month"), match.group("day")
    try:
        if month is None:
            return DateParam(prefix, date(year, 1, 1), date(year, 12, 31))
        m = int(month)
        if day is None:
            return DateParam(prefix, date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))
        return DateParam(prefix, date(year, m, int(day)), date(year, m, int(day)))
    except ValueError as exc:  # a month or day out of range
        raise DateParamError(f"“{raw}” is not a real date.") from exc


def date_lookups(param: DateParam) -> tuple[dict[str, date], bool]:
    """Django lookups (``{"gte": ..., "lte": ...}``) for the day field, and whether to negate them."""
    by_prefix: dict[str, dict[str, date]] = {
        "eq": {"gte": param.start, "lte": param.end},
        "ne": {"gte": param.start, "lte": param.end},
        "gt": {"gt": param.end},
        "sa": {"gt": param.end},
        "lt": {"lt": param.start},
        "eb": {"lt": param.start},
        "ge": {"gte": param.start},
        "le": {"lte": param.end},
    }
    return by_prefix[param.prefix], param.prefix == "ne"
