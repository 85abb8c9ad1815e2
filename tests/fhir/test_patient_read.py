"""GET /Patient/{id}: our record as a FHIR Patient, and an audited read."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client
from fhir.resources.R4B.patient import Patient as FhirPatient

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.conftest import make_patient
from tests.fhir.conftest import get, ok, outcome


def _full_patient(org: Organization, practitioner: Practitioner) -> Patient:
    return make_patient(
        org, family_name="García", given_name="Ana", middle_name="María Luisa", preferred_name="Anita",
        suffix="Jr", birth_date=date(1988, 2, 29), sex="female", phone_mobile="217-555-0101",
        phone_home="217-555-0102", phone_work="217-555-0103", email="ana@example.org", line1="12 Elm St",
        line2="Apt 3", city="Springfield", state="IL", postal_code="62701", preferred_language="es",
        emergency_contact_name="Luis García", emergency_contact_relationship="Spouse",
        emergency_contact_phone="217-555-0104", primary_practitioner_id=practitioner.pk,
    )


def test_a_read_returns_the_record_mapped_to_fhir(desk: Client, org: Organization, practitioner: Practitioner) -> None:
    patient = _full_patient(org, practitioner)
    body = ok(get(desk, f"/Patient/{patient.pk}"))
    assert body["id"] == str(patient.pk)
    assert body["identifier"][0] == {**body["identifier"][0], "system": f"urn:clinicdesk:mrn:{org.pk}",
                                     "value": patient.mrn}
    official, usual = body["name"]
    assert official == {"use": "official", "family": "García", "given": ["Ana", "María", "Luisa"], "suffix": ["Jr"]}
    assert usual["use"] == "usual" and usual["given"] == ["Anita"]
    assert {(t["system"], t.get("use"), t["value"]) for t in body["telecom"]} == {
        ("phone", "mobile", "+12175550101"), ("phone", "home", "+12175550102"),
        ("phone", "work", "+12175550103"), ("email", None, "ana@example.org")}
    assert body["gender"] == "female" and body["birthDate"] == "1988-02-29"
    assert body["address"] == [{"use": "home", "line": ["12 Elm St", "Apt 3"], "city": "Springfield",
                                "state": "IL", "postalCode": "62701", "country": "US"}]
    assert body["communication"][0]["language"]["coding"][0]["code"] == "es"
    assert body["generalPractitioner"][0]["reference"] == f"Practitioner/{practitioner.pk}"
    contact = body["contact"][0]
    assert contact["relationship"][0]["coding"][0]["code"] == "C"
    assert contact["relationship"][1]["text"] == "Spouse"
    assert contact["name"]["text"] == "Luis García"
    assert body["managingOrganization"]["reference"] == f"Organization/{org.pk}"
    assert body["active"] is True


def test_the_outgoing_patient_is_valid_r4(desk: Client, org: Organization, practitioner: Practitioner) -> None:
    body = ok(get(desk, f"/Patient/{_full_patient(org, practitioner).pk}"))
    parsed = FhirPatient.model_validate(body)
    assert parsed.birthDate == date(1988, 2, 29)


def test_a_read_is_audited_against_the_patient(desk: Client, patient: Patient) -> None:
    ok(get(desk, f"/Patient/{patient.pk}"))
    event = AuditEvent.objects.get(patient_id=patient.pk, action=Action.VIEW)
    assert event.via == "fhir"
    assert event.object_type == "Patient"


def test_the_version_is_the_etag_and_the_meta_version(desk: Client, patient: Patient) -> None:
    response = get(desk, f"/Patient/{patient.pk}")
    assert response["ETag"] == f'W/"{patient.version}"'
    assert response.json()["meta"]["versionId"] == str(patient.version)


def test_a_missing_or_malformed_id_is_not_found(desk: Client, db: Any) -> None:
    for logical_id in ("999999", "abc", "0012", "9" * 30):
        outcome(get(desk, f"/Patient/{logical_id}"), 404)


def test_a_deceased_patient_carries_the_date_and_is_not_active(desk: Client, org: Organization) -> None:
    patient = make_patient(org, status=Status.DECEASED, deceased_date=date(2024, 1, 2))
    body = ok(get(desk, f"/Patient/{patient.pk}"))
    assert body["deceasedDateTime"] == "2024-01-02"
    assert body["active"] is False


def test_a_merged_record_points_to_the_surviving_one(desk: Client, org: Organization, patient: Patient) -> None:
    duplicate = make_patient(org)
    Patient.objects.filter(pk=duplicate.pk).update(status=Status.MERGED, merged_into=patient)
    body = ok(get(desk, f"/Patient/{duplicate.pk}"))
    assert body["link"] == [{"other": {"reference": f"Patient/{patient.pk}"}, "type": "replaced-by"}]
    assert body["active"] is False
