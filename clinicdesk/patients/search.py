"""Turning what a coordinator types into search terms (pure; no database).

"smith jo" -> names; "03/14/1962", "03-14-1962" or "1962-03-14" -> date of birth; "555 123 4567" -> phone;
"MRN 10452" or a bare number of 4-9 digits -> MRN (and phone digits if long enough). Words mix:
"jo 555-0142" is a name and the end of a phone; "smith 2175550142" a name and a phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from clinicdesk.lib.names import fold

_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{2})(\d{2})(\d{4})$"), ("m", "d", "y")),
]
_PHONE_CHARS = re.compile(r"^[\d\s().+-]{7,}$")


@dataclass(frozen=True)
class Terms:
    names: list[str] = field(default_factory=list)
    birth_date: date | None = None
    phone_digits: str = ""
    mrn: str = ""
    problems: tuple[str, ...] = ()  # what could not be understood, to tell the user

    @property
    def empty(self) -> bool:
        return not (self.names or self.birth_date or self.phone_digits or self.mrn)


def parse_date(text: str) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


_PHONE_WORD = re.compile(r"^\+?[\d().-]+$")
_MRN_WORD = re.compile(r"^[A-Za-z]{0,4}\d{3,}$")
_DATE_SHAPE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
_SPACED_DATE = re.compile(r"^(\d{1,2})\s+(\d{1,2})\s+(\d{4})$")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def parse(query: str) -> Terms:
    query = query.strip()
    if m := re.match(r"^mrn[\s:#]*(\S+)$", query, re.IGNORECASE):
        return Terms(mrn=m.group(1).upper())
    if m := _SPACED_DATE.match(query):
        query = "/".join(m.groups())
    if _PHONE_CHARS.match(query) and not parse_date(query.replace(" ", "")) and not _DATE_SHAPE.match(query):
        digits = _digits(query)
        mrn = digits if len(digits) <= 9 and " " not in query else ""
        return Terms(phone_digits=digits if len(digits) >= 7 else "", mrn=mrn)
    names: list[str] = []
    problems: list[str] = []
    birth_date, phone, mrn = None, "", ""
    for word in query.split():
        if (day := parse_date(word)) is not None:
            birth_date = day
        elif _DATE_SHAPE.match(word):
            problems.append(f"“{word}” is not a real date.")
        elif _PHONE_WORD.match(word) and len(_digits(word)) >= 7:
            phone = _digits(word)
        elif _MRN_WORD.match(word):
            mrn = word.upper()
        else:
            names.extend(fold(word).split())
    return Terms(names=names, birth_date=birth_date, phone_digits=phone, mrn=mrn, problems=tuple(problems))
