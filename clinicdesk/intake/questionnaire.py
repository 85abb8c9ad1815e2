"""Intake forms as FHIR R4 Questionnaires: loading, enableWhen, validation, QuestionnaireResponse.

Pure: the standard library, plus ``fhir.resources`` (R4B) to check structure when loading a
Questionnaire and when reading or building a QuestionnaireResponse. No Django.

Answers
-------
Answers are a flat mapping from an item's *instance key* to its value::

    {
        "dob": "1980-04-02",                          # a top-level question
        "contact/phone": "555-0100",                  # a question inside a (non-repeating) group
        "medications[0]/med-name": "Metformin",       # inside instance 0 of a repeating group
        "medications[1]/med-name": "Lisinopril",      # instance 1
        "conditions": ["diabetes", "hypertension"],   # a repeating (multi-choice) question: a list
    }

The key is the path of linkIds from the top of the form, joined by ``/``; a repeating group's
segment carries its instance index in brackets. So linkIds may not contain ``/``, ``[`` or ``]``
(checked on load). Keys that name no question are ignored.

Values may be raw (strings as typed in a form: ``"72.5"``, ``"yes"``, ``"1980-04-02"``) or typed;
``clean`` turns them into typed values:

=========== =============================================================
string/text ``str`` (stripped; empty means unanswered)
integer     ``int``
decimal     ``Decimal``
date        ``datetime.date``
boolean     ``bool`` (raw "yes"/"no"/"true"/"false" accepted)
choice      the option's code (``valueCoding.code``, or its ``valueString``)
=========== =============================================================

A question with ``repeats`` takes a list. ``None``, ``""`` and ``[]`` mean unanswered.

Rules beyond core FHIR
----------------------
An item may carry the extension ``RULE_EXTENSION`` with a ``valueCode``:

* ``past-date`` on a date: it may not be after today (a birth date, a surgery date).
* ``must-be-true`` on a boolean: only ``true`` is an acceptable answer (an acknowledgement, a
  consent). Combined with ``required`` it means "must be ticked"; ``required`` alone on a boolean
  only means yes or no must be given, so yes/no questions can be required too.

enableWhen
----------
R4 semantics: an item is enabled when any (``enableBehavior`` any, the default) or all of its
conditions hold, and its ancestors are enabled. A condition holds when *at least one* answer to the
question satisfies it; ``exists`` true/false asks whether there is any answer. Following the R4 text
(not R5's), ``!=`` needs an answer: an unanswered question is not "!= self".
Inside a repeating group, a question in the same group instance is read from that instance (an
allergy's severity follows *its own* reaction); a question in a repeating group the item is not
inside is read from any instance. Answers to disabled items are dropped, not errors; a dropped or
invalid answer enables nothing (``clean`` re-reads the conditions from the valid answers until
nothing changes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

RULE_EXTENSION = "urn:clinicdesk:fhir:extension:questionnaire-rule"
RULES = frozenset({"past-date", "must-be-true"})
FORMS_DIR = Path(__file__).parent / "forms"
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


# enableWhen --------------------------------------------------------------------------------------

def enabled(item: Item, answers: Answers, at: str | None = None) -> bool:
    """Whether ``item``'s own enableWhen conditions hold (its ancestors are not considered).

    ``at`` is the item's instance key (``"allergies[1]/severity"``): questions inside the same
    repeating-group instance are read from that instance. Without it, any instance counts.
    """
    if not item.enable_when:
        return True
    scope = parse_key(at) if at else ()
    results = (_holds(condition, _question_values(condition, answers, scope or ())) for condition in item.enable_when)
    return all(results) if item.enable_behavior == "all" else any(results)


def _question_values(condition: Condition, answers: Answers, scope: tuple[tuple[str, int | None], ...]) -> list[Any]:
    pattern: list[tuple[str, int | None]] = []  # index None on a repeating group: any instance
    shared = True
    for depth, (link_id, repeating) in enumerate(condition.question_path):
        shared = shared and depth < len(scope) and scope[depth][0] == link_id
        pattern.append((link_id, scope[depth][1] if shared and repeating else None))
    found: list[Any] = []
    for key, raw in answers.items():
        parsed = parse_key(key)
        if parsed is None or len(parsed) != len(pattern):
            continue
        if all(p[0] == k[0] and (p[1] is None or p[1] == k[1]) for p, k in zip(pattern, parsed, strict=True)):
            for value in _as_list(raw):
                typed = _coerce(condition.question_type, value)
                if typed is not None:
                    found.append(typed)
    return found


def _holds(condition: Condition, values: list[Any]) -> bool:
    target = condition.answer
    if condition.operator == "exists":
        return bool(values) == bool(target)
    if condition.question_type == "decimal" or isinstance(target, Decimal | float):
        values = [Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in values]
        target = Decimal(str(target)) if isinstance(target, int | float) and not isinstance(target, bool) else target
    for value in values:
        if isinstance(value, bool) != isinstance(target, bool):
            continue
        try:
            if ((condition.operator == "=" and value == target) or (condition.operator == "!=" and value != target)
                    or (condition.operator == ">" and value > target) or (condition.operator == "<" and value < target)
                    or (condition.operator == ">=" and value >= target)
                    or (condition.operator == "<=" and value <= target)):
                return True
        except TypeError:
            continue
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _coerce(kind: str, value: Any) -> Value | None:
    """A value read as ``kind``, or None when it cannot be (no option check: that is validation's job)."""
    try:
        return _parse(kind, value)
    except ValueError:
        return None


def _parse(kind: str, value: Any) -> Value:
    """Raises ValueError when ``value`` is not a ``kind``; the message completes "<item text>: …"."""
    if kind in ("string", "text", "choice"):
        if isinstance(value, str):
            return value.strip()
        if kind == "choice" and isinstance(value, int | date) and not isinstance(value, bool):
            return value.isoformat() if isinstance(value, date) else str(value)
        raise ValueError("type text here")
    if kind == "integer":
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("type a whole number, like 3")
        if not -(2**31) <= value < 2**31:  # FHIR's integer is 32-bit
            raise ValueError("that number is too large")
        return value
    if kind == "decimal":
        if isinstance(value, bool):
            raise ValueError("type a number, like 72.5")
        try:
            number = Decimal(value.strip() if isinstance(value, str) else str(value))
        except (InvalidOperation, TypeError):
            raise ValueError("type a number, like 72.5") from None
        if not number.is_finite():
            raise ValueError("type a number, like 72.5")
        return number
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("that date does not exist; type it as YYYY-MM-DD") from None
        raise ValueError("type the date as YYYY-MM-DD")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("answer yes or no")
    raise ValueError("this item takes no answer")


# Validation --------------------------------------------------------------------------------------

def validate(questionnaire: Questionnaire, answers: Answers, *, today: date | None = None) -> list[Problem]:
    """What is wrong with ``answers`` (nothing when they can be submitted). Never raises on odd input."""
    return clean(questionnaire, answers, today=today)[1]


def clean(questionnaire: Questionnaire, answers: Answers, *,
          today: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Typed answers of the enabled items (repeating-group instances renumbered 0, 1, …, empty ones
    dropped) and the problems. Invalid values are left out of the typed answers."""
    today = today or date.today()
    current: dict[str, Any] = {k: v for k, v in answers.items() if isinstance(k, str) and _answered(v)}
    problems: list[Problem] = []
    typed: dict[str, Any] = {}
    # Conditions are first read from everything given, then only from the valid answers to enabled
    # items, until that stops changing (an invalid or dropped answer enables nothing).
    context: dict[str, Any] = current
    for _ in range(len(questionnaire.by_link_id) + 1):
        typed, problems, visited = _pass(questionnaire.items, current, context, today)
        kept = {k: v for k, v in current.items() if k in visited}
        if typed == context and kept == current:
            break
        context, current = typed, kept
    return _renumber(questionnaire.items, typed, "", ""), problems


def _answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return any(_answered(v) for v in value)
    return True


def _instances(answers: Mapping[str, Any], key: str) -> list[int]:
    prefix = key + "["
    found = set()
    for answer_key in answers:
        if answer_key.startswith(prefix):
            match = re.match(r"\[(\d+)\]/", answer_key[len(key):])
            if match:
                found.add(int(match[1]))
    return sorted(found)


def _has_answers(answers: Mapping[str, Any], key: str) -> bool:
    return any(k.startswith(key + "/") or k.startswith(key + "[") for k in answers)


def _pass(items: tuple[Item, ...], answers: dict[str, Any], context: dict[str, Any],
          today: date) -> tuple[dict[str, Any], list[Problem], set[str]]:
    """One reading of ``answers`` with conditions read from ``context``: the typed answers, the
    problems, and the keys of the answers to enabled items."""
    typed: dict[str, Any] = {}
    problems: list[Problem] = []
    visited: set[str] = set()

    def visit(item: Item, prefix: str, label: str, check_required: bool) -> None:
        if item.type == "display":
            return
        name = f"{label} › {item.text}" if label else item.text
        if item.is_repeating_group:
            base = _join(prefix, item.link_id)
            indices = _instances(answers, base)
            if not enabled(item, context, base):
                return
            if not indices and item.required and check_required:
                problems.append(Problem(base, item.link_id, f"{item.text}: add at least one."))
            for position, index in enumerate(indices):
                key = _join(prefix, _segment(item.link_id, index))
                for child in item.items:
                    visit(child, key, f"{item.text} {position + 1}", True)
            return
        key = _join(prefix, item.link_id)
        if not enabled(item, context, key):
            return
        if item.type == "group":
            present = _has_answers(answers, key)
            if item.required and check_required and not present and not any(c.required for c in item.items):
                problems.append(Problem(key, item.link_id, f"{name}: please fill in this section."))
            for child in item.items:
                visit(child, key, label, check_required and (present or item.required))
            return
        if key not in answers:
            if item.required and check_required:
                problems.append(Problem(key, item.link_id, f"{name}: this question is required."))
            return
        visited.add(key)
        value, found = _check(item, answers[key], today)
        problems.extend(Problem(key, item.link_id, f"{name}: {message}") for message in found)
        if value is not None:
            typed[key] = value

    for item in items:
        visit(item, "", "", True)
    return typed, problems, visited


def _check(item: Item, raw: Any, today: date) -> tuple[Any, list[str]]:
    """The typed value (None if nothing usable) and messages completing "<item text>: …"."""
    raws = [v for v in _as_list(raw) if _answered(v)]
    if len(raws) > 1 and not item.repeats:
        return None, ["choose only one answer." if item.type == "choice" else "give only one answer."]
    values: list[Value] = []
    messages: list[str] = []
    for one in raws:
        try:
            value = _parse(item.type, one)
        except ValueError as exc:
            messages.append(f"{exc}.")
            continue
        message = _rule_message(item, value, today)
        if message:
            messages.append(message)
            continue
        if value not in values:
            values.append(value)
    if messages:
        return None, messages
    if not values:
        return None, []
    return (values if item.repeats else values[0]), []


def _rule_message(item: Item, value: Value, today: date) -> str | None:
    if item.type == "choice" and item.options and not item.option(str(value)):
        choices = ", ".join(o.display for o in item.options)
        return f"“{value}” is not one of the choices ({choices})."
    if isinstance(value, str) and item.max_length is not None and len(value) > item.max_length:
        return f"use at most {item.max_length} characters (this is {len(value)})."
    if item.rule == "past-date" and isinstance(value, date) and value > today:
        return "the date cannot be in the future."
    if item.rule == "must-be-true" and value is not True:
        return "you must agree to continue."
    return None


def _renumber(items: tuple[Item, ...], typed: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.is_repeating_group:
            base_old = _join(old, item.link_id)
            position = 0
            for index in _instances(typed, base_old):
                found = _renumber(item.items, typed, _join(old, _segment(item.link_id, index)),
                                  _join(new, _segment(item.link_id, position)))
                if found:
                    out.update(found)
                    position += 1
        elif item.type == "group":
            out.update(_renumber(item.items, typed, _join(old, item.link_id), _join(new, item.link_id)))
        elif _join(old, item.link_id) in typed:
            out[_join(new, item.link_id)] = typed[_join(old, item.link_id)]
    return out


# QuestionnaireResponse ---------------------------------------------------------------------------

def to_response(questionnaire: Questionnaire, answers: Answers, *, subject_ref: str, authored: datetime,
                status: str | None = None, today: date | None = None) -> dict[str, Any]:
    """A QuestionnaireResponse (plain JSON data) of the valid answers to enabled items.

    ``status`` defaults to "completed" when there are no problems, else "in-progress"; asking for
    "completed" when there are problems raises ValueError. Decimals stay ``Decimal`` (encode them as
    JSON numbers); dates are ISO strings. The result parses as an R4B QuestionnaireResponse.
    """
    typed, problems = clean(questionnaire, answers, today=today)
    if status is None:
        status = "in-progress" if problems else "completed"
    if status not in ("in-progress", "completed", "amended", "stopped"):
        raise ValueError(f"Unknown QuestionnaireResponse status “{status}”.")
    if status == "completed" and problems:
        raise ValueError("A response with problems cannot be completed: " + "; ".join(p.message for p in problems))
    if authored.tzinfo is None:
        raise ValueError("authored must be timezone-aware.")
    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "questionnaire": questionnaire.canonical,
                                "status": status, "subject": {"reference": subject_ref},
                                "authored": authored.isoformat()}
    items = _response_items(questionnaire.items, typed, "")
    if items:
        resource["item"] = items
    FhirResponse.model_validate(resource)
    return resource


def _response_items(items: tuple[Item, ...], typed: Mapping[str, Any], prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if item.is_repeating_group:
            base = _join(prefix, item.link_id)
            for index in _instances(typed, base):
                children = _response_items(item.items, typed, _join(prefix, _segment(item.link_id, index)))
                if children:
                    out.append({"linkId": item.link_id, "text": item.text, "item": children})
        elif item.type == "group":
            children = _response_items(item.items, typed, _join(prefix, item.link_id))
            if children:
                out.append({"linkId": item.link_id, "text": item.text, "item": children})
        elif _join(prefix, item.link_id) in typed:
            values = _as_list(typed[_join(prefix, item.link_id)])
            out.append({"linkId": item.link_id, "text": item.text, "answer": [_answer(item, v) for v in values]})
    return out


def _answer(item: Item, value: Value) -> dict[str, Any]:
    if item.type == "choice":
        option = item.option(str(value))
        if option is None or option.system is None:
            return {"valueString": str(value)}
        return {"valueCoding": {"system": option.system, "code": option.code, "display": option.display}}
    if isinstance(value, date):
        return {"valueDate": value.isoformat()}
    return {VALUE_KEY[item.type]: value}


def from_response(questionnaire: Questionnaire, response: Mapping[str, Any]) -> dict[str, Any]:
    """Answers (typed, in the shape ``clean`` returns) read back from a QuestionnaireResponse.

    The response is checked by fhir.resources (pydantic's ValidationError when malformed); items
    whose linkId is not in the questionnaire are ignored.
    """
    plain: dict[str, Any] = FhirResponse.model_validate(dict(response)).model_dump(exclude_none=True)
    answers: dict[str, Any] = {}
    _read_items(questionnaire.by_link_id, plain.get("item", []), "", answers)
    return answers


def _read_items(by_link_id: Mapping[str, Item], raw_items: list[dict[str, Any]], prefix: str,
                answers: dict[str, Any]) -> None:
    counts: dict[str, int] = {}
    for raw in raw_items:
        item = by_link_id.get(raw["linkId"])
        if item is None:
            continue
        if item.type == "group":
            if item.repeats:
                index = counts.get(item.link_id, 0)
                counts[item.link_id] = index + 1
                key = _join(prefix, _segment(item.link_id, index))
            else:
                key = _join(prefix, item.link_id)
            _read_items(by_link_id, raw.get("item", []), key, answers)
            continue
        values = [v for v in (_answer_value(item, a) for a in raw.get("answer", [])) if v is not None]
        if values:
            answers[_join(prefix, item.link_id)] = values if item.repeats else values[0]


def _answer_value(item: Item, answer: Mapping[str, Any]) -> Value | None:
    for key, value in answer.items():
        if key == "valueCoding":
            return str(value.get("code")) if value.get("code") is not None else None
        if key.startswith("value"):
            if isinstance(value, datetime):
                value = value.date()
            return _coerce(item.type, value)
    return None
