"""Seeded random answer sets: validation never raises, and every response parses and round-trips."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from clinicdesk.intake.questionnaire import (
    STANDARD_FORMS,
    Item,
    Questionnaire,
    clean,
    from_response,
    standard_form,
    to_response,
    validate,
)

TODAY = date(2026, 3, 14)
AUTHORED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
JUNK: list[Any] = ["", " ", "yes", "no", "maybe", "12", "-3", "3.5", "1e3", "NaN", "Infinity", "1980-04-02",
                   "2099-01-01", "1980-02-30", "04/02/1980", "x" * 300, "Other", True, False, 0, 7, 10**30,
                   -(2**31), 2.5, float("inf"), float("nan"), Decimal("0.5"), Decimal("1E+40"), date(1970, 1, 1),
                   datetime(2020, 1, 1, tzinfo=UTC), None, [], ["a", "b"], {"x": 1}, ("tuple",), object()]


def _value(item: Item, rng: random.Random) -> Any:
    if rng.random() < 0.4:
        return rng.choice(JUNK)
    if item.type == "choice" and item.options:
        codes = [o.code for o in item.options]
        return rng.sample(codes, rng.randint(1, len(codes))) if item.repeats else rng.choice(codes)
    return {"string": "Ann Lee", "text": "Some words", "integer": rng.randint(-5, 120),
            "decimal": str(Decimal(rng.randint(0, 4000)) / 10), "boolean": rng.random() < 0.6,
            "date": date(rng.randint(1920, 2030), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            }.get(item.type, "?")


def _random_answers(form: Questionnaire, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}

    def fill(items: tuple[Item, ...], prefix: str) -> None:
        for item in items:
            here = f"{prefix}/{item.link_id}" if prefix else item.link_id
            if item.is_repeating_group:
                for index in rng.sample(range(5), rng.randint(0, 3)):
                    fill(item.items, f"{here}[{index}]")
            elif item.type == "group":
                fill(item.items, here)
            elif rng.random() < 0.75:
                answers[here] = _value(item, rng)
    fill(form.items, "")
    if rng.random() < 0.2:
        answers[rng.choice(["bogus", "a[1]/b", "medications[x]", ""])] = "stray"
    return answers


@pytest.mark.parametrize("name", STANDARD_FORMS)
def test_random_answers_never_break_validation_or_the_response(name: str) -> None:
    form = standard_form(name)
    rng = random.Random(f"intake-{name}")
    completed = 0
    for _ in range(300):
        answers = _random_answers(form, rng)
        problems = validate(form, answers, today=TODAY)
        typed, again = clean(form, answers, today=TODAY)
        assert again == problems
        assert all(p.message.split(":")[0] for p in problems)
        response = to_response(form, answers, subject_ref="Patient/7", authored=AUTHORED, today=TODAY)
        parsed = QuestionnaireResponse.model_validate(response)
        assert parsed.status == ("in-progress" if problems else "completed")
        completed += not problems
        assert from_response(form, response) == typed
        assert clean(form, typed, today=TODAY)[0] == typed  # cleaning is idempotent
    assert completed > 0 or name in ("new-patient", "medical-history", "insurance")
