"""Addresses, methods and media types the API does not serve still answer in FHIR."""

from __future__ import annotations

from django.test import Client

from clinicdesk.patients.models import Patient
from tests.fhir.conftest import BASE, get, outcome, patient_body, send


def test_an_unsupported_resource_type_is_not_found(desk: Client) -> None:
    body = outcome(get(desk, "/MedicationRequest"), 404)
    assert "MedicationRequest" in body["issue"][0]["diagnostics"]


def test_an_unknown_address_under_the_base_is_an_operation_outcome(desk: Client) -> None:
    outcome(get(desk, "/Patient/1/everything/else"), 404)
    outcome(get(desk, "/Patient/"), 404)


def test_the_base_itself_offers_no_system_interactions(desk: Client) -> None:
    outcome(get(desk, "/"), 404)


def test_delete_is_not_allowed(desk: Client, patient: Patient) -> None:
    response = desk.delete(f"{BASE}/Patient/{patient.pk}")
    outcome(response, 405)
    assert "GET" in response["Allow"]
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_read_only_resources_refuse_writes(desk: Client) -> None:
    outcome(send(desk, "POST", "/Practitioner", {"resourceType": "Practitioner"}), 405)
    outcome(send(desk, "PUT", "/Location/1", {"resourceType": "Location", "id": "1"}), 405)


def test_xml_is_not_acceptable(desk: Client, patient: Patient) -> None:
    outcome(get(desk, f"/Patient/{patient.pk}", Accept="application/fhir+xml"), 406)
    outcome(get(desk, f"/Patient/{patient.pk}?_format=xml"), 406)


def test_plain_json_is_accepted_as_a_body(desk: Client) -> None:
    response = send(desk, "POST", "/Patient", patient_body(), content_type="application/json")
    assert response.status_code == 201


def test_a_form_body_is_an_unsupported_media_type(desk: Client) -> None:
    body = outcome(send(desk, "POST", "/Patient", "family=Doe", content_type="application/x-www-form-urlencoded"),
                   415)
    assert body["issue"][0]["code"] == "not-supported"


def test_an_old_version_is_not_kept_but_the_current_one_is_readable(desk: Client, patient: Patient) -> None:
    assert get(desk, f"/Patient/{patient.pk}/_history/{patient.version}").status_code == 200
    outcome(get(desk, f"/Patient/{patient.pk}/_history/99"), 404)
    outcome(get(desk, "/Practitioner/1/_history/1"), 400)
