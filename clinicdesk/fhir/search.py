"""Search parameters: what a request asked for, checked, and turned into query conditions.

Rules (FHIR R4 "Search"): repeating a parameter means AND; commas inside one value mean OR
(``gender=male,female``); ``\\,`` and ``\\|`` escape those characters. String parameters match
case-insensitively at the start. Unknown parameters are ignored, as FHIR allows, unless the client
sends ``Prefer: handling=strict``; modifiers (``name:exact``) are not supported and are refused.
Paging: ``_count`` (default 20, at most 100; 0 returns only the total) and ``_offset``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db.models import Q
from django.http import HttpRequest

from clinicdesk.fhir.datatypes import pk_of
from clinicdesk.fhir.dates import DateParamError, date_lookups, parse_date_param
from clinicdesk.fhir.errors import bad_request
from clinicdesk.fhir.http import check_text

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10**9
CONTROL = frozenset({"_count", "_offset", "_format", "_pretty", "_summary"})
NOTHING = Q(pk__in=[])
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class SearchParam:
    """A supported parameter, as listed in the CapabilityStatement."""

    name: str
    type: str  # string | token | date | reference
    documentation: str


ID_PARAM = SearchParam("_id", "token", "Logical id; commas for several.")


class SearchRequest:
    def __init__(self, request: HttpRequest, params: Sequence[SearchParam]) -> None:
        self.query = request.GET
        self.declared = {p.name for p in params} | {ID_PARAM.name}
        strict = "handling=strict" in request.headers.get("Prefer", "").replace(" ", "").lower()
        for key in self.query:
            check_text(key)
            name, has_modifier, modifier = key.partition(":")
            if has_modifier:
                raise bad_request(f"The modifier “:{modifier}” is not supported.", expression=[key],
                                  code="not-supported")
            if strict and name not in self.declared and name not in CONTROL:
                raise bad_request(f"The search parameter “{name}” is not supported.", expression=[name],
                                  code="not-supported")
        self.count = self._count()
        self.offset = self._int("_offset", 0, MAX_OFFSET)

    def _count(self) -> int:
        if self.query.get("_summary") == "count":
            return 0
        return min(self._int("_count", DEFAULT_COUNT, MAX_OFFSET), MAX_COUNT)

    def _int(self, name: str, default: int, maximum: int) -> int:
        raw = self.query.get(name, "").strip()
        if not raw:
            return default
        if not raw.isascii() or not raw.isdigit() or int(raw) > maximum:
            raise bad_request(f"{name} must be a whole number from 0 to {maximum}.", expression=[name])
        return int(raw)

    def values(self, name: str) -> list[str]:
        """The non-empty values given for ``name``, one per occurrence."""
        found = []
        for value in self.query.getlist(name):
            check_text(value)
            if value.strip():
                found.append(value.strip())
        return found

    def link_items(self) -> list[tuple[str, str]]:
        """The parameters this search used, for the Bundle's self and next links (paging is added there)."""
        return [(key, value) for key in self.query if key in self.declared or key in ("_format", "_summary")
                for value in self.values(key)]


def alternatives(value: str) -> list[str]:
    return [part.replace("\\,", ",") for part in _UNESCAPED_COMMA.split(value) if part]


def token(alternative: str) -> tuple[str | None, str]:
    """(system, code) of a token value: ``system|code``, ``|code`` (no system) or ``code`` (any system)."""
    parts = [_unescape(part) for part in _UNESCAPED_BAR.split(alternative, maxsplit=1)]
    return (None, parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def _unescape(text: str) -> str:
    return text.replace("\\|", "|").replace("\\$", "$").replace("\\\\", "\\")


def all_of(conditions: list[Q]) -> Q:
    return reduce(and_, conditions, Q())


def any_of(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else NOTHING


def string_q(sr: SearchRequest, name: str, fields: Sequence[str]) -> Q:
    """Each occurrence must match; within one, any alternative may start any of ``fields``."""
    return all_of([
        any_of([Q(**{f"{field}__istartswith": alt}) for alt in alternatives(value) for field in fields])
        for value in sr.values(name)
    ])


def id_q(sr: SearchRequest, prefix: str = "") -> Q:
    return all_of([
        Q(pk__in=[pk for alt in alternatives(value) if (pk := pk_of(alt, prefix)) is not None])
        for value in sr.values("_id")
    ])


def reference_pks(value: str, resource_type: str) -> list[int]:
    """The ids in ``Patient/12``, ``12`` or an absolute URL ending in Patient/12 (commas for several)."""
    pks = []
    for alt in alternatives(value):
        head, _, last = alt.rstrip("/").rpartition("/")
        if head and not head.endswith(resource_type):
            continue
        if (pk := pk_of(last)) is not None:
            pks.append(pk)
    return pks


def reference_q(sr: SearchRequest, name: str, resource_type: str, field: str) -> Q:
    return all_of([Q(**{f"{field}__in": reference_pks(value, resource_type)}) for value in sr.values(name)])


def date_q(sr: SearchRequest, name: str, field: str) -> Q:
    conditions = []
    for value in sr.values(name):
        try:
            lookups, negate = date_lookups(parse_date_param(value))
        except DateParamError as exc:
            raise bad_request(str(exc), expression=[name], code="value") from exc
        condition = Q(**{f"{field}__{lookup}": day for lookup, day in lookups.items()})
        conditions.append(~condition if negate else condition)
    return all_of(conditions)


def bool_q(sr: SearchRequest, name: str, field: str) -> Q:
    conditions = []
    for value in sr.values(name):
        if value not in ("true", "false"):
            raise bad_request(f"{name} is true or false.", expression=[name], code="value")
        conditions.append(Q(**{field: value == "true"}))
    return all_of(conditions)


def code_q(sr: SearchRequest, name: str, field: str, allowed: frozenset[str]) -> Q:
    """A token parameter over a coded field whose codes are ``allowed`` (any system, or none)."""
    conditions = []
    for value in sr.values(name):
        codes = [token(alt)[1] for alt in alternatives(value)]
        unknown = [code for code in codes if code not in allowed]
        if unknown:
            raise bad_request(f"“{unknown[0]}” is not a valid {name}; use one of: {', '.join(sorted(allowed))}.",
                              expression=[name], code="code-invalid")
        conditions.append(Q(**{f"{field}__in": codes}))
    return all_of(conditions)
