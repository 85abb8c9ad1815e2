"""QuestionnaireResponse out of answers, and answers out of a QuestionnaireResponse."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

from clinicdesk.intake.questionnaire.conditions import (
    _as_list,
    _coerce,
)
from clinicdesk.intake.questionnaire.model import (
    VALUE_KEY,
    Answers,
    Item,
    Questionnaire,
    Value,
    _join,
    _segment,
)
from clinicdesk.intake.questionnaire.validation import (
    _instances,
    clean,
)

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
