"""Checking answers item by item, and cleaning them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from clinicdesk.intake.questionnaire.conditions import (
    _as_list,
    _parse,
    enabled,
)
from clinicdesk.intake.questionnaire.model import (
    Answers,
    Item,
    Problem,
    Questionnaire,
    Value,
    _join,
    _segment,
)

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
