"""The shipped standard intake forms."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from clinicdesk.intake.questionnaire import FORMS_DIR, STANDARD_FORMS, standard_form


@pytest.mark.parametrize("name", STANDARD_FORMS)
def test_each_shipped_form_parses_as_an_r4_questionnaire(name: str) -> None:
    data = json.loads((FORMS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    resource = FhirQuestionnaire.model_validate(data)
    assert resource.status == "active"
    assert resource.url == f"urn:clinicdesk:questionnaire:{name}"
    assert resource.version


@pytest.mark.parametrize("name", STANDARD_FORMS)
def test_each_shipped_form_loads_into_the_kernel(name: str) -> None:
    form = standard_form(name)
    assert form.canonical == f"urn:clinicdesk:questionnaire:{name}|{form.version}"
    assert form.items and all(item.text for item in form.by_link_id.values())


def test_the_forms_directory_holds_exactly_the_standard_forms() -> None:
    assert sorted(p.stem for p in FORMS_DIR.glob("*.json")) == sorted(STANDARD_FORMS)


def test_the_forms_use_every_item_type_and_operator_the_kernel_supports() -> None:
    items = [item for name in STANDARD_FORMS for item in standard_form(name).by_link_id.values()]
    assert {i.type for i in items} == {"string", "text", "integer", "decimal", "date", "boolean", "choice", "group",
                                       "display"}
    assert {c.operator for i in items for c in i.enable_when} >= {"exists", "=", "!=", ">"}
    assert {i.enable_behavior for i in items if len(i.enable_when) > 1} == {"any", "all"}
    assert any(i.type == "choice" and i.repeats for i in items)
    assert any(i.is_repeating_group for i in items)
    assert {i.rule for i in items} >= {"past-date", "must-be-true"}


def test_medical_history_has_the_expected_repeating_groups() -> None:
    form = standard_form("medical-history")
    medications = form.by_link_id["medications"]
    assert medications.is_repeating_group
    assert [c.link_id for c in medications.items][:3] == ["med-name", "med-dose", "med-frequency"]
    severity = form.by_link_id["allergy-severity"]
    assert [o.code for o in severity.options] == ["mild", "moderate", "severe"]
    assert form.by_link_id["family-history"].is_repeating_group


def test_the_subscriber_section_depends_on_the_relationship_not_being_self() -> None:
    subscriber = standard_form("insurance").by_link_id["subscriber"]
    (condition,) = subscriber.enable_when
    assert (condition.question, condition.operator, condition.answer) == ("relationship", "!=", "self")


@pytest.mark.parametrize(("name", "link_id"), [("hipaa-notice", "acknowledged"), ("consent-to-treat", "consent")])
def test_acknowledgements_are_required_and_must_be_true(name: str, link_id: str) -> None:
    item = standard_form(name).by_link_id[link_id]
    assert (item.type, item.required, item.rule) == ("boolean", True, "must-be-true")
