"""GET /metadata: the CapabilityStatement, open without a token."""

from __future__ import annotations

from typing import Any

from django.test import Client
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.fhir.conftest import BASE, FHIR_JSON, ok, outcome

RESOURCES = {"Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Coverage", "Schedule",
             "Slot", "Appointment"}
RESOURCES |= {"Observation", "DiagnosticReport", "Task", "Communication"}  # work inbox and lab results
RESOURCES |= {"Questionnaire", "QuestionnaireResponse"}  # intake forms


def _statement(db: Any) -> dict[str, Any]:
    return ok(Client().get(f"{BASE}/metadata"))


def test_metadata_answers_without_a_token_as_fhir_json(db: Any) -> None:
    response = Client().get(f"{BASE}/metadata")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(FHIR_JSON)


def test_the_capability_statement_is_valid_r4(db: Any) -> None:
    statement = _statement(db)
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["kind"] == "instance"


def test_it_lists_every_resource_with_its_interactions(db: Any) -> None:
    resources = {r["type"]: r for r in _statement(db)["rest"][0]["resource"]}
    assert set(resources) == RESOURCES
    assert {i["code"] for i in resources["Patient"]["interaction"]} == {
        "read", "vread", "search-type", "create", "update"}
    assert {i["code"] for i in resources["Coverage"]["interaction"]} >= {"create", "update"}
    assert {i["code"] for i in resources["Location"]["interaction"]} == {"read", "search-type"}


def test_it_lists_the_patient_search_parameters(db: Any) -> None:
    patient = next(r for r in _statement(db)["rest"][0]["resource"] if r["type"] == "Patient")
    names = {p["name"] for p in patient["searchParam"]}
    assert {"name", "family", "given", "birthdate", "identifier", "phone", "gender", "_id"} <= names


def test_it_documents_the_token_and_the_duplicate_override(db: Any) -> None:
    rest = _statement(db)["rest"][0]
    assert "Bearer" in rest["security"]["description"]
    assert "X-Clinicdesk-Allow-Duplicate" in rest["documentation"]


def test_metadata_cannot_be_posted_to(db: Any) -> None:
    response = Client().post(f"{BASE}/metadata", "{}", content_type=FHIR_JSON)
    outcome(response, 405)


def test_it_lists_the_scheduling_resources_and_the_slot_window_cap(db: Any) -> None:
    resources = {r["type"]: r for r in _statement(db)["rest"][0]["resource"]}
    assert {i["code"] for i in resources["Appointment"]["interaction"]} == {
        "read", "vread", "search-type", "create", "update"}
    assert {i["code"] for i in resources["Slot"]["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in resources["Slot"]["searchParam"]} >= {"schedule", "start", "status", "service-type"}
    assert "60 days" in resources["Slot"]["documentation"]
    assert "409" in resources["Appointment"]["documentation"]
