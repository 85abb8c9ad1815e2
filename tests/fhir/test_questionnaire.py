"""GET /Questionnaire/{id} and /Questionnaire?...: the practice's forms and the shipped ones, every version."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire

from clinicdesk.intake.definition_services import definition_save
from clinicdesk.intake.selectors import definition_current
from tests.conftest import actor_for, make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome

pytestmark = pytest.mark.django_db


def test_read_a_shipped_form(desk, org):
    form = definition_current(organization=org, key="new-patient")
    body = ok(get(desk, f"/Questionnaire/{form.pk}"))
    assert body["id"] == str(form.pk) and body["url"] == "urn:clinicdesk:questionnaire:new-patient"
    assert body["title"] == "New patient registration"
    FhirQuestionnaire.model_validate(body)


def test_search_by_url_title_and_version(desk, org, manager):
    data = dict(definition_current(organization=org, key="hipaa-notice").questionnaire)
    mine = definition_save(actor=actor_for(manager), organization=org, key="hipaa-notice", text=json.dumps(data))
    bundle = ok(get(desk, "/Questionnaire?url=urn:clinicdesk:questionnaire:hipaa-notice"))
    assert bundle["total"] == 2
    assert {e["resource"]["version"] for e in bundle["entry"]} == {"1.0.0", "2"}
    assert ok(get(desk, "/Questionnaire?url=urn:clinicdesk:questionnaire:hipaa-notice&version=2"))["entry"][0][
        "resource"]["id"] == str(mine.pk)
    assert ok(get(desk, "/Questionnaire?title=medical"))["total"] == 1
    assert ok(get(desk, "/Questionnaire?status=active"))["total"] == 6


def test_another_practices_form_is_not_found(desk, other_org):
    theirs = definition_save(actor=actor_for(make_user(other_org, "manager")), organization=other_org, key="x",
                             text='{"resourceType": "Questionnaire", "status": "active", "title": "Theirs"}')
    outcome(get(desk, f"/Questionnaire/{theirs.pk}"), 404)
    assert ok(get(desk, "/Questionnaire?title=Theirs"))["total"] == 0


def test_billing_without_permission_is_refused(org, billing):
    from django.contrib.auth.models import Permission

    billing.user_permissions.add(Permission.objects.get(codename="use_api"))
    outcome(get(fhir_client(billing), "/Questionnaire"), 403)


def test_metadata_lists_both(desk):
    body = ok(get(desk, "/metadata"))
    types = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert "Questionnaire" in types
    assert {i["code"] for i in types["QuestionnaireResponse"]["interaction"]} >= {"read", "search-type", "create"}
