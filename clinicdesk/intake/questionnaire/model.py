"""Questionnaires as plain data: constants, the item tree, loading, answer keys."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

RULE_EXTENSION = "urn:clinicdesk:fhir:extension:questionnaire-rule"
RULES = frozenset({"past-date", "must-be-true"})
FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
STANDARD_FORMS = ("new-patient", "medical-history", "insurance", "hipaa-notice", "consent-to-treat")

QUESTION_TYPES = frozenset({"string", "text", "integer", "decimal", "date", "boolean", "choice"})
SUPPORTED_TYPES = QUESTION_TYPES | {"group", "display"}
OPERATORS = frozenset({"exists", "=", "!=", ">", "<", ">=", "<="})
VALUE_KEY = {"string": "valueString", "text": "valueString", "integer": "valueInteger",
             "decimal": "valueDecimal", "date": "valueDate", "boolean": "valueBoolean"}
_LINK_ID = re.compile(r"[^/\[\]]+")
_SEGMENT = re.compile(r"([^/\[\]]+)(?:\[(\d+)\])?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,15}")
_TRUE = frozenset({"true", "yes", "y"})
_FALSE = frozenset({"false", "no", "n"})

Value = str | int | Decimal | date | bool
Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Option:
    code: str
    display: str
    system: str | None = None


@dataclass(frozen=True)
class Condition:
    """One enableWhen; ``question_path`` is the question's linkIds from the top, with repeating-group flags."""

    question: str
    question_path: tuple[tuple[str, bool], ...]
    question_type: str
    question_repeats: bool
    operator: str
    answer: Any


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    type: str
    path: tuple[tuple[str, bool], ...]  # (linkId, is a repeating group) from the top, this item included
    required: bool = False
    repeats: bool = False
    max_length: int | None = None
    options: tuple[Option, ...] = ()
    enable_when: tuple[Condition, ...] = ()
    enable_behavior: str = "any"
    rule: str | None = None
    items: tuple[Item, ...] = ()

    @property
    def is_repeating_group(self) -> bool:
        return self.type == "group" and self.repeats

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Questionnaire:
    url: str
    version: str | None
    name: str | None
    title: str
    status: str
    items: tuple[Item, ...]
    by_link_id: Mapping[str, Item] = field(repr=False)

    @property
    def canonical(self) -> str:
        return f"{self.url}|{self.version}" if self.version else self.url


@dataclass(frozen=True)
class Problem:
    key: str  # the answer's instance key ("medications[1]/med-dose")
    link_id: str
    message: str  # names the item: "Date of birth: type the date as YYYY-MM-DD."


# Loading -----------------------------------------------------------------------------------------

def load(data: Mapping[str, Any]) -> Questionnaire:
    """A Questionnaire resource (JSON as dicts) checked by fhir.resources and turned into an Item tree.

    Raises ValueError for what fhir.resources accepts but this kernel cannot use: an unsupported item
    type, a duplicate or malformed linkId, a question with child items, an enableWhen on an unknown
    question or with an unknown operator.
    """
    plain: dict[str, Any] = FhirQuestionnaire.model_validate(dict(data)).model_dump(exclude_none=True)
    raw_items = plain.get("item", [])
    paths: dict[str, tuple[tuple[str, bool], ...]] = {}
    kinds: dict[str, dict[str, Any]] = {}
    _index(raw_items, (), paths, kinds)
    items = tuple(_build(raw, (), paths, kinds) for raw in raw_items)
    by_link_id: dict[str, Item] = {}
    for item in _walk(items):
        by_link_id[item.link_id] = item
    return Questionnaire(url=plain.get("url", ""), version=plain.get("version"), name=plain.get("name"),
                         title=plain.get("title", plain.get("name", "")), status=plain["status"], items=items,
                         by_link_id=by_link_id)


def load_file(path: Path) -> Questionnaire:
    return load(json.loads(path.read_text(encoding="utf-8")))


@cache
def standard_form(name: str) -> Questionnaire:
    """One of ``STANDARD_FORMS`` (``clinicdesk/intake/forms/<name>.json``)."""
    if name not in STANDARD_FORMS:
        raise KeyError(name)
    return load_file(FORMS_DIR / f"{name}.json")


def _index(raw_items: list[dict[str, Any]], parent: tuple[tuple[str, bool], ...],
           paths: dict[str, tuple[tuple[str, bool], ...]], kinds: dict[str, dict[str, Any]]) -> None:
    for raw in raw_items:
        link_id = raw["linkId"]
        if not _LINK_ID.fullmatch(link_id):
            raise ValueError(f"linkId “{link_id}” may not contain “/”, “[” or “]”.")
        if link_id in paths:
            raise ValueError(f"linkId “{link_id}” is used twice.")
        if raw["type"] not in SUPPORTED_TYPES:
            raise ValueError(f"Item “{link_id}” has the unsupported type “{raw['type']}”.")
        if raw.get("item") and raw["type"] != "group":
            raise ValueError(f"Item “{link_id}” has child items but is not a group.")
        path = (*parent, (link_id, raw["type"] == "group" and bool(raw.get("repeats"))))
        paths[link_id] = path
        kinds[link_id] = raw
        _index(raw.get("item", []), path, paths, kinds)


def _build(raw: dict[str, Any], parent: tuple[tuple[str, bool], ...],
           paths: dict[str, tuple[tuple[str, bool], ...]], kinds: dict[str, dict[str, Any]]) -> Item:
    link_id = raw["linkId"]
    conditions = []
    for when in raw.get("enableWhen", []):
        question = when["question"]
        if question not in paths:
            raise ValueError(f"Item “{link_id}” is enabled by an unknown question “{question}”.")
        if when["operator"] not in OPERATORS:
            raise ValueError(f"Item “{link_id}” uses the unknown operator “{when['operator']}”.")
        target = next(when[k] for k in when if k.startswith("answer"))
        if isinstance(target, dict):  # answerCoding
            target = target.get("code")
        if isinstance(target, datetime):
            target = target.date()
        asked = kinds[question]
        conditions.append(Condition(question=question, question_path=paths[question], question_type=asked["type"],
                                    question_repeats=bool(asked.get("repeats")), operator=when["operator"],
                                    answer=target))
    rule = None
    for extension in raw.get("extension", []):
        if extension.get("url") == RULE_EXTENSION:
            rule = extension.get("valueCode")
            if rule not in RULES:
                raise ValueError(f"Item “{link_id}” has the unknown rule “{rule}”.")
    return Item(link_id=link_id, text=raw.get("text", link_id), type=raw["type"], path=paths[link_id],
                required=bool(raw.get("required")), repeats=bool(raw.get("repeats")),
                max_length=raw.get("maxLength"), options=tuple(_option(o) for o in raw.get("answerOption", [])),
                enable_when=tuple(conditions), enable_behavior=raw.get("enableBehavior", "any"), rule=rule,
                items=tuple(_build(child, paths[link_id], paths, kinds) for child in raw.get("item", [])))


def _option(raw: dict[str, Any]) -> Option:
    if "valueCoding" in raw:
        coding = raw["valueCoding"]
        return Option(code=coding["code"], display=coding.get("display", coding["code"]), system=coding.get("system"))
    value = next(v for k, v in raw.items() if k.startswith("value"))
    text = value.isoformat() if isinstance(value, date) else str(value)
    return Option(code=text, display=text)


def _walk(items: tuple[Item, ...]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from _walk(item.items)


# Keys --------------------------------------------------------------------------------------------

def parse_key(key: str) -> tuple[tuple[str, int | None], ...] | None:
    """``"medications[1]/med-dose"`` → ``(("medications", 1), ("med-dose", None))``; None when malformed."""
    parts = key.split("/")
    found = []
    for part in parts:
        match = _SEGMENT.fullmatch(part)
        if not match:
            return None
        found.append((match[1], int(match[2]) if match[2] is not None else None))
    return tuple(found)


def _segment(link_id: str, index: int | None) -> str:
    return link_id if index is None else f"{link_id}[{index}]"


def _join(prefix: str, segment: str) -> str:
    return f"{prefix}/{segment}" if prefix else segment
