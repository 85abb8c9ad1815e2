"""The form editor: JSON with per-problem errors, new versions on save, assignments keep their version."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from clinicdesk.intake.definition_services import questionnaire_problems
from clinicdesk.intake.selectors import definition_current
from tests.conftest import client_for
from tests.intake.conftest import assign, shipped

pytestmark = pytest.mark.django_db


def test_problems_are_listed_one_by_one():
    assert questionnaire_problems("{nope")[1][0].startswith("Line 1, column 2")
    _, problems = questionnaire_problems(json.dumps({"resourceType": "Questionnaire", "status": "active",
                                                     "title": "T", "item": [{"linkId": "a", "type": "bogus"}]}))
    assert problems and "a" in problems[0]
    _, problems = questionnaire_problems(json.dumps({"resourceType": "Questionnaire", "status": "active",
                                                     "title": "T", "item": [
                                                         {"linkId": "a", "type": "string"},
                                                         {"linkId": "a", "type": "string"}]}))
    assert problems == ["linkId “a” is used twice."]


def test_manager_edits_a_shipped_form_as_a_new_version(manager, frontdesk, org, patient):
    client = client_for(manager)
    assert client.get(reverse("intake:forms")).status_code == 200
    old_assignment = assign(frontdesk, patient, "hipaa-notice")
    data = dict(shipped(org, "hipaa-notice").questionnaire)
    data["title"] = "Privacy notice (2027)"
    bad = client.post(reverse("intake:form_edit", args=["hipaa-notice"]),
                      {"key": "hipaa-notice", "questionnaire": json.dumps({**data, "item": [{"linkId": "x/y",
                                                                                            "type": "string"}]})})
    assert bad.status_code == 422 and b"may not contain" in bad.content
    good = client.post(reverse("intake:form_edit", args=["hipaa-notice"]),
                       {"key": "hipaa-notice", "questionnaire": json.dumps(data)})
    assert good.status_code == 302
    current = definition_current(organization=org, key="hipaa-notice")
    assert current is not None and current.version == 2 and current.organization_id == org.pk
    assert current.title == "Privacy notice (2027)"
    old_assignment.refresh_from_db()
    assert old_assignment.form.version == 1  # keeps the version it was assigned with
    assert assign(frontdesk, patient, "hipaa-notice").form == current


def test_new_form_and_frontdesk_cannot_edit(manager, frontdesk, org):
    text = json.dumps({"resourceType": "Questionnaire", "status": "active", "title": "Sports physical",
                       "item": [{"linkId": "sport", "text": "Sport", "type": "string", "required": True}]})
    answer = client_for(manager).post(reverse("intake:form_new"), {"key": "sports-physical", "questionnaire": text})
    assert answer.status_code == 302
    assert definition_current(organization=org, key="sports-physical").version == 1
    again = client_for(manager).post(reverse("intake:form_new"), {"key": "sports-physical", "questionnaire": text})
    assert again.status_code == 422
    assert client_for(frontdesk).get(reverse("intake:form_new")).status_code == 403
