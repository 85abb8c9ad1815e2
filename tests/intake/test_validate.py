"""Validation: specific messages naming the item, types, choices, lengths, rules, required items."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clinicdesk.intake.questionnaire import RULE_EXTENSION, clean, standard_form, validate
from tests.intake.helpers import form, item, when

TODAY = date(2026, 3, 14)


def rule(code: str) -> list[dict[str, str]]:
    return [{"url": RULE_EXTENSION, "valueCode": code}]


def messages(q: object, answers: dict[str, object]) -> list[str]:
    return [p.message for p in validate(q, answers, today=TODAY)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("type_", "value", "message"), [
    ("date", "04/02/1980", "Answer: type the date as YYYY-MM-DD."),
    ("date", "1980-02-30", "Answer: that date does not exist; type it as YYYY-MM-DD."),
    ("integer", "3.5", "Answer: type a whole number, like 3."),
    ("integer", True, "Answer: type a whole number, like 3."),
    ("integer", 2**31, "Answer: that number is too large."),
    ("decimal", "seventy", "Answer: type a number, like 72.5."),
    ("decimal", "NaN", "Answer: type a number, like 72.5."),
    ("boolean", "maybe", "Answer: answer yes or no."),
    ("string", 12, "Answer: type text here."),
])
def test_type_checks_name_the_item(type_: str, value: object, message: str) -> None:
    assert messages(form(item("answer", type_)), {"answer": value}) == [message]


@pytest.mark.parametrize(("type_", "raw", "typed"), [
    ("date", " 1980-04-02 ", date(1980, 4, 2)), ("date", date(1980, 4, 2), date(1980, 4, 2)),
    ("integer", "-3", -3), ("integer", 7, 7), ("decimal", "72.5", Decimal("72.5")), ("decimal", 2, Decimal(2)),
    ("boolean", "Yes", True), ("boolean", "no", False), ("string", "  Ann ", "Ann"),
])
def test_raw_values_are_typed(type_: str, raw: object, typed: object) -> None:
    assert clean(form(item("answer", type_)), {"answer": raw}, today=TODAY) == ({"answer": typed}, [])


def test_the_real_birth_date_message() -> None:
    q = standard_form("new-patient")
    found = messages(q, {"dob": "4/2/80"})
    assert "Date of birth: type the date as YYYY-MM-DD." in found
    assert "Date of birth: the date cannot be in the future." in messages(q, {"dob": "2026-03-15"})
    assert not any(m.startswith("Date of birth") for m in messages(q, {"dob": "2026-03-14"}))


def test_required_items_are_named_with_their_section_label() -> None:
    found = messages(standard_form("new-patient"), {})
    assert "First name: this question is required." in found
    assert "Date of birth: this question is required." in found
    assert "Street address: this question is required." in found
    assert not any("Emergency contact name" in m for m in found)  # optional section left empty


def test_an_optional_section_once_started_must_be_finished() -> None:
    found = messages(standard_form("new-patient"), {"emergency/emergency-name": "Bob"})
    assert "Emergency contact phone: this question is required." in found


def test_a_choice_must_be_one_of_the_options() -> None:
    q = standard_form("new-patient")
    assert "Sex assigned at birth: “femal” is not one of the choices (Female, Male, Other, Prefer not to say)." in \
        messages(q, {"sex": "femal"})
    assert not any(m.startswith("Sex") for m in messages(q, {"sex": "female"}))


def test_a_single_choice_takes_one_answer_and_a_multi_choice_many() -> None:
    options = [{"valueString": v} for v in ("A", "B", "C")]
    q = form(item("one", "choice", answerOption=options), item("many", "choice", repeats=True, answerOption=options))
    assert messages(q, {"one": ["A", "B"]}) == ["One: choose only one answer."]
    assert clean(q, {"one": ["A"], "many": ["B", "A", "B", ""]}, today=TODAY) == ({"one": "A", "many": ["B", "A"]}, [])
    assert messages(q, {"many": ["A", "D"]}) == ["Many: “D” is not one of the choices (A, B, C)."]


def test_max_length() -> None:
    q = form(item("state", "string", text="State", maxLength=2))
    assert messages(q, {"state": "Texas"}) == ["State: use at most 2 characters (this is 5)."]
    assert messages(q, {"state": "TX"}) == []


@pytest.mark.parametrize(("answer", "expected"), [
    (True, []), ("yes", []),
    (False, ["I consent to treatment.: you must agree to continue."]),
    (None, ["I consent to treatment.: this question is required."]),
])
def test_a_required_consent_must_be_true(answer: object, expected: list[str]) -> None:
    q = standard_form("consent-to-treat")
    answers = {"consent": answer, "signature-name": "Ann Lee", "signature-date": "2026-03-14"}
    assert messages(q, answers) == expected


def test_a_required_yes_no_question_accepts_no() -> None:
    q = form(item("smokes", "boolean", text="Do you smoke?", required=True))
    assert messages(q, {"smokes": False}) == []
    assert messages(q, {}) == ["Do you smoke?: this question is required."]


def test_an_optional_must_be_true_item_left_blank_is_fine() -> None:
    q = form(item("photos", "boolean", text="Photos OK", extension=rule("must-be-true")))
    assert messages(q, {}) == []
    assert messages(q, {"photos": False}) == ["Photos OK: you must agree to continue."]


def test_answers_to_disabled_items_are_dropped_not_errors() -> None:
    q = standard_form("medical-history")
    typed, problems = clean(q, {"takes-medications": "no", "has-allergies": "no",
                                "medications[0]/med-name": "Metformin", "medications[0]/med-dose": "not checked"},
                            today=TODAY)
    assert typed == {"takes-medications": False, "has-allergies": False}
    assert problems == []


def test_a_required_repeating_group_needs_one_instance() -> None:
    q = standard_form("medical-history")
    found = messages(q, {"takes-medications": True, "has-allergies": False})
    assert found == ["Medications: add at least one."]
    assert validate(q, {"takes-medications": True, "has-allergies": False}, today=TODAY)[0].key == "medications"


def test_repeating_group_instances_are_renumbered_and_empty_ones_dropped() -> None:
    q = standard_form("medical-history")
    typed, problems = clean(q, {"takes-medications": True, "has-allergies": False,
                                "medications[2]/med-name": "Metformin", "medications[5]/med-name": " ",
                                "medications[7]/med-name": "Lisinopril", "medications[7]/med-dose": "10 mg"},
                            today=TODAY)
    assert problems == []
    assert typed == {"takes-medications": True, "has-allergies": False, "medications[0]/med-name": "Metformin",
                     "medications[1]/med-name": "Lisinopril", "medications[1]/med-dose": "10 mg"}


def test_problem_keys_are_the_callers_keys() -> None:
    q = standard_form("medical-history")
    problems = validate(q, {"takes-medications": True, "has-allergies": False,
                            "medications[4]/med-dose": "5 mg"}, today=TODAY)
    assert [(p.key, p.link_id, p.message) for p in problems] == [
        ("medications[4]/med-name", "med-name", "Medications 1 › Medication name: this question is required.")]


def test_answers_to_unknown_or_malformed_keys_and_display_items_are_ignored() -> None:
    q = form(item("note", "display"), item("x", "string"))
    assert clean(q, {"note": "hi", "nope": 1, "x[": 2, "": 3, "x": "ok"}, today=TODAY) == ({"x": "ok"}, [])


def test_an_insurance_subscriber_is_asked_for_only_when_not_self() -> None:
    q = standard_form("insurance")
    base = {"has-insurance": True, "assign-benefits": True, "coverage[0]/coverage-order": "Primary",
            "coverage[0]/payer-name": "Aetna", "coverage[0]/member-id": "W1"}
    assert messages(q, {**base, "coverage[0]/relationship": "self"}) == []
    assert messages(q, {**base, "coverage[0]/relationship": "spouse"}) == [
        "Health plan 1 › Policy holder's full name: this question is required.",
        "Health plan 1 › Policy holder's date of birth: this question is required."]


def test_conditions_on_an_enabled_item_that_use_later_answers() -> None:
    q = form(item("later", "integer", enableWhen=[when("first", ">", answerInteger=1)]), item("first", "integer"))
    assert clean(q, {"later": "5", "first": "2"}, today=TODAY)[0] == {"later": 5, "first": 2}
