"""enableWhen: operators, any/all, nested groups, repeating-group instances, dropped answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clinicdesk.intake.questionnaire import clean, enabled, load
from tests.intake.helpers import form, item, when


def test_equals_on_a_boolean() -> None:
    q = form(item("smokes", "boolean"), item("packs", "decimal", enableWhen=[when("smokes", "=", answerBoolean=True)]))
    packs = q.by_link_id["packs"]
    assert enabled(packs, {"smokes": True})
    assert enabled(packs, {"smokes": "yes"})  # raw form input is read as the question's type
    assert not enabled(packs, {"smokes": False})
    assert not enabled(packs, {})


def test_not_equals_needs_an_answer_as_in_r4() -> None:
    q = form(item("rel", "choice", answerOption=[{"valueCoding": {"code": c}} for c in ("self", "spouse")]),
             item("name", "string", enableWhen=[when("rel", "!=", answerCoding={"code": "self"})]))
    name = q.by_link_id["name"]
    assert enabled(name, {"rel": "spouse"})
    assert not enabled(name, {"rel": "self"})
    assert not enabled(name, {})


@pytest.mark.parametrize(("exists", "answers", "expected"), [
    (True, {"note": "x"}, True), (True, {}, False), (True, {"note": "  "}, False),
    (False, {}, True), (False, {"note": "x"}, False),
])
def test_exists(exists: bool, answers: dict[str, str], expected: bool) -> None:
    q = form(item("note", "string"), item("more", "string", enableWhen=[when("note", "exists", answerBoolean=exists)]))
    values = {k: v for k, v in answers.items() if v.strip()}
    assert enabled(q.by_link_id["more"], values) is expected


@pytest.mark.parametrize(("operator", "value", "expected"), [
    (">", 15, True), (">", 14, False), ("<", 13, True), ("<", 14, False), (">=", 14, True), ("<=", 14, True),
    ("=", 14, True), ("!=", 14, False), (">", "20", True),
])
def test_ordered_comparisons_on_integers(operator: str, value: object, expected: bool) -> None:
    q = form(item("drinks", "integer"),
             item("advice", "boolean", enableWhen=[when("drinks", operator, answerInteger=14)]))
    assert enabled(q.by_link_id["advice"], {"drinks": value}) is expected


def test_comparisons_on_decimals_and_dates() -> None:
    q = form(item("weight", "decimal"), item("dob", "date"),
             item("heavy", "boolean", enableWhen=[when("weight", ">", answerDecimal=Decimal("300.5"))]),
             item("senior", "boolean", enableWhen=[when("dob", "<", answerDate="1961-01-01")]))
    assert enabled(q.by_link_id["heavy"], {"weight": "301"})
    assert not enabled(q.by_link_id["heavy"], {"weight": 300})
    assert enabled(q.by_link_id["senior"], {"dob": "1950-05-05"})
    assert not enabled(q.by_link_id["senior"], {"dob": "1990-05-05"})
    assert not enabled(q.by_link_id["senior"], {"dob": "not a date"})


def test_any_versus_all() -> None:
    options = [{"valueString": v} for v in ("Yes", "No", "Not sure")]
    conditions = [when("pregnant", "=", answerString="Yes"), when("pregnant", "=", answerString="Not sure")]
    q = form(item("pregnant", "choice", answerOption=options), item("age", "integer"),
             item("lmp", "date", enableWhen=conditions, enableBehavior="any"),
             item("both", "string", enableBehavior="all",
                  enableWhen=[when("pregnant", "=", answerString="Yes"), when("age", "<", answerInteger=18)]))
    assert enabled(q.by_link_id["lmp"], {"pregnant": "Not sure"})
    assert not enabled(q.by_link_id["lmp"], {"pregnant": "No"})
    assert enabled(q.by_link_id["both"], {"pregnant": "Yes", "age": 16})
    assert not enabled(q.by_link_id["both"], {"pregnant": "Yes", "age": 30})
    assert not enabled(q.by_link_id["both"], {"age": 16})


def test_a_multi_choice_question_enables_when_any_of_its_answers_matches() -> None:
    options = [{"valueCoding": {"code": c}} for c in ("asthma", "cancer", "other")]
    q = form(item("conditions", "choice", repeats=True, answerOption=options),
             item("cancer-type", "text", enableWhen=[when("conditions", "=", answerCoding={"code": "cancer"})]))
    assert enabled(q.by_link_id["cancer-type"], {"conditions": ["asthma", "cancer"]})
    assert not enabled(q.by_link_id["cancer-type"], {"conditions": ["asthma"]})


def test_a_condition_on_a_nested_group_and_children_of_a_disabled_group_are_dropped() -> None:
    q = form(item("guardian-needed", "boolean"),
             item("guardian", "group", enableWhen=[when("guardian-needed", "=", answerBoolean=True)], item=[
                 item("inner", "group", item=[item("name", "string", required=True),
                                              item("phone", "string", enableWhen=[when("name", "exists",
                                                                                       answerBoolean=True)])])]))
    typed, problems = clean(q, {"guardian-needed": "no", "guardian/inner/name": "Ann", "guardian/inner/phone": "1"})
    assert typed == {"guardian-needed": False}
    assert problems == []
    typed, problems = clean(q, {"guardian-needed": "yes", "guardian/inner/phone": "555"})
    assert typed == {"guardian-needed": True}  # phone needs a name, which is missing: dropped
    assert problems == []  # and with nothing left in the optional group, its required name is not asked for
    typed, _ = clean(q, {"guardian-needed": True, "guardian/inner/name": "Ann", "guardian/inner/phone": "555"})
    assert typed["guardian/inner/phone"] == "555"


def _allergies() -> dict[str, object]:
    return {"linkId": "allergies", "type": "group", "text": "Allergies", "repeats": True, "item": [
        item("substance", "string", required=True),
        item("reaction", "string"),
        item("severity", "choice", required=True, enableWhen=[when("reaction", "exists", answerBoolean=True)],
             answerOption=[{"valueString": s} for s in ("mild", "severe")]),
    ]}


def test_conditions_inside_a_repeating_group_are_scoped_to_their_own_instance() -> None:
    q = form(_allergies())
    severity = q.by_link_id["severity"]
    answers = {"allergies[0]/substance": "Penicillin", "allergies[0]/reaction": "Hives",
               "allergies[1]/substance": "Latex", "allergies[1]/severity": "mild"}
    assert enabled(severity, answers, "allergies[0]/severity")
    assert not enabled(severity, answers, "allergies[1]/severity")
    assert enabled(severity, answers)  # no instance given: any instance counts
    typed, problems = clean(q, answers)
    assert "allergies[1]/severity" not in typed
    assert [p.message for p in problems] == ["Allergies 1 › Severity: this question is required."]
    assert problems[0].key == "allergies[0]/severity"


def test_an_item_outside_a_repeating_group_sees_answers_in_any_instance() -> None:
    q = form(_allergies(), item("epipen", "boolean", enableWhen=[when("severity", "=", answerString="severe")]))
    answers = {"allergies[0]/substance": "Nuts", "allergies[0]/reaction": "Swelling",
               "allergies[0]/severity": "mild", "allergies[1]/substance": "Bees",
               "allergies[1]/reaction": "Anaphylaxis", "allergies[1]/severity": "severe", "epipen": True}
    assert enabled(q.by_link_id["epipen"], answers)
    typed, problems = clean(q, answers)
    assert typed["epipen"] is True and problems == []


def test_a_dropped_answer_no_longer_enables_anything() -> None:
    q = form(item("a", "boolean"), item("b", "boolean", enableWhen=[when("a", "=", answerBoolean=True)]),
             item("c", "string", enableWhen=[when("b", "=", answerBoolean=True)]))
    typed, problems = clean(q, {"a": False, "b": True, "c": "kept?"})
    assert typed == {"a": False}
    assert problems == []


@pytest.mark.parametrize(("bad", "message"), [
    ({"question": "nope", "operator": "="}, "unknown question"),
])
def test_load_rejects_an_enable_when_on_an_unknown_question(bad: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        form(item("x", "string", enableWhen=[{**bad, "answerBoolean": True}]))


@pytest.mark.parametrize(("items", "message"), [
    ([item("a/b", "string")], "may not contain"),
    ([item("a", "string"), item("a", "boolean")], "used twice"),
    ([item("a", "attachment")], "unsupported type"),
    ([item("a", "string", item=[item("b", "string")])], "not a group"),
])
def test_load_rejects_what_the_kernel_cannot_use(items: list[dict[str, object]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load({"resourceType": "Questionnaire", "status": "active", "item": items})
