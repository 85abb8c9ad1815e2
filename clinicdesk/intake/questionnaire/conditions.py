"""enableWhen, and reading typed values from answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from clinicdesk.intake.questionnaire.model import (
    _DATE,
    _FALSE,
    _INTEGER,
    _TRUE,
    Answers,
    Condition,
    Item,
    Value,
    parse_key,
)

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
