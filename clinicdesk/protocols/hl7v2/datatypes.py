"""HL7 v2 data types used by lab results and demographics, as plain frozen dataclasses.

Component positions are 1-based, as in the standard. Parsers raise HL7Error (AE 102) on a malformed value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from .errors import DATA_TYPE_ERROR, HL7Error, Location
from .message import Composite, Segment, firsts, part

_NM = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DTM = re.compile(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?")
PRECISIONS = ("year", "month", "day", "hour", "minute", "second")
_TIMESTAMPS: dict[str, Timestamp] = {}
"""Timestamps already read, by their text (a message repeats the same few; Timestamp is immutable)."""
_TIMESTAMPS_MAX = 4096


@dataclass(frozen=True)
class Timestamp:
    """A TS/DTM value: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].

    ``value`` is timezone-aware only when the sender gave an offset; a naive value is in the sender's
    local time (the practice's timezone is applied by the caller). ``precision`` says how much was sent.
    """

    value: datetime
    precision: str

    @property
    def has_offset(self) -> bool:
        return self.value.tzinfo is not None


def parse_nm(text: str, where: Location) -> Decimal:
    """NM: an optional sign, digits and an optional decimal point (no exponent, no thousands separator)."""
    text = text.strip()
    if not _NM.fullmatch(text):
        raise HL7Error(f"{text!r} is not a number (NM)", code=DATA_TYPE_ERROR, location=where)
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already rules this out
        raise HL7Error(f"{text!r} is not a number (NM)", code=DATA_TYPE_ERROR, location=where) from exc


def nm_field(text: str, segment: Segment, n: int) -> Decimal:
    """``parse_nm(text, segment.loc(n))``, the location built only when it is needed (an error)."""
    stripped = text.strip()
    return Decimal(stripped) if _NM.fullmatch(stripped) else parse_nm(text, segment.loc(n))


def parse_ts(text: str, where: Location) -> Timestamp | None:
    """Empty → None. The v2.3–2.5 TS "degree of precision" component (TS.2) is ignored."""
    text = text.strip()
    if not text:
        return None
    stamp = _TIMESTAMPS.get(text)
    if stamp is None:
        stamp = _parse_ts(text, where)
        if len(_TIMESTAMPS) >= _TIMESTAMPS_MAX:
            _TIMESTAMPS.clear()
        _TIMESTAMPS[text] = stamp
    return stamp


def ts_field(segment: Segment, n: int) -> Timestamp | None:
    """``parse_ts(segment.value(n), segment.loc(n))``, the location built only when it is needed (an error)."""
    text = segment.value(n)
    if not text:
        return None
    stamp = _TIMESTAMPS.get(text)
    return stamp if stamp is not None else parse_ts(text, segment.loc(n))


def _parse_ts(text: str, where: Location) -> Timestamp:
    match = _DTM.fullmatch(text)
    if not match:
        raise HL7Error(f"{text!r} is not a date/time (YYYYMMDD[HHMM[SS]][+ZZZZ])", code=DATA_TYPE_ERROR,
                       location=where)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    given = [g for g in (year, month, day, hour, minute, second) if g is not None]
    tz = None
    if offset:
        hours, minutes = int(offset[1:3]), int(offset[3:5])
        if hours > 14 or minutes > 59:
            raise HL7Error(f"{text!r} has a bad timezone offset", code=DATA_TYPE_ERROR, location=where)
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        value = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                         int(second or 0), int(float(fraction or 0) * 1_000_000), tzinfo=tz)
    except ValueError as exc:
        raise HL7Error(f"{text!r} is not a valid date/time ({exc})", code=DATA_TYPE_ERROR, location=where) from exc
    return Timestamp(value, PRECISIONS[len(given) - 1])


def parse_date(text: str, where: Location) -> date | None:
    """A date of birth (DT, or a TS of which only the date counts)."""
    stamp = parse_ts(text, where)
    return stamp.value.date() if stamp else None


@dataclass(frozen=True)
class Coded:
    """CE/CWE: code ^ text ^ coding system (e.g. LN = LOINC) ^ alternate code ^ alternate text ^ alternate system."""

    code: str
    text: str = ""
    system: str = ""
    alt_code: str = ""
    alt_text: str = ""
    alt_system: str = ""

    @classmethod
    def of(cls, c: Composite) -> Coded:
        return cls(*firsts(c, 6))


@dataclass(frozen=True)
class Identifier:
    """CX (PID-3): ID ^ check digit ^ check digit scheme ^ assigning authority (HD) ^ identifier type code (MR,
    SS, ...) ^ assigning facility."""

    value: str
    assigning_authority: str = ""
    type_code: str = ""
    facility: str = ""

    @classmethod
    def of(cls, c: Composite) -> Identifier:
        authority = part(c, 4) or part(c, 4, 2)
        return cls(part(c, 1).strip(), authority.strip(), part(c, 5).strip(), part(c, 6).strip())


@dataclass(frozen=True)
class PersonName:
    """XPN: family name (FN: surname is subcomponent 1) ^ given ^ second given/middle ^ suffix ^ prefix ^ degree."""

    family: str
    given: str = ""
    middle: str = ""
    suffix: str = ""
    prefix: str = ""

    @classmethod
    def of(cls, c: Composite) -> PersonName:
        return cls(*firsts(c, 5))


@dataclass(frozen=True)
class Provider:
    """XCN (OBR-16, ORC-12): ID ^ family ^ given ^ middle ^ suffix ^ prefix ^ degree ^ source table ^ assigning
    authority (9) ^ name type (10) ^ check digit (11) ^ check scheme (12) ^ identifier type code (13).

    ``npi`` is the ID when the assigning authority or the identifier type says NPI.
    """

    id: str
    name: PersonName
    assigning_authority: str = ""
    npi: str | None = None

    @classmethod
    def of(cls, c: Composite) -> Provider:
        values = firsts(c, 13)
        ident, authority, type_code = values[0], values[8], values[12]
        is_npi = "NPI" in (authority.upper(), type_code.upper())
        name = PersonName(*values[1:6])
        return cls(ident, name, authority, ident if is_npi and ident else None)


@dataclass(frozen=True)
class StructuredNumeric:
    """SN: comparator (>, <, >=, <=, =, <>) ^ num1 ^ separator/suffix (-, +, /, ., :) ^ num2. E.g. ``<^0.5``,
    ``^1^:^128`` (a titer), ``^2^-^4`` (a range)."""

    comparator: str
    num1: Decimal | None
    separator: str = ""
    num2: Decimal | None = None

    @classmethod
    def of(cls, c: Composite, where: Location) -> StructuredNumeric:
        comparator, separator = part(c, 1).strip(), part(c, 3).strip()
        if comparator not in ("", ">", "<", ">=", "<=", "=", "<>"):
            raise HL7Error(f"{comparator!r} is not an SN comparator", code=DATA_TYPE_ERROR, location=where)
        num1, num2 = part(c, 2).strip(), part(c, 4).strip()
        return cls(comparator, parse_nm(num1, where) if num1 else None, separator,
                   parse_nm(num2, where) if num2 else None)
