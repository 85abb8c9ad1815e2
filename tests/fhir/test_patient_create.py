"""POST /Patient: registration through patient_create, with the duplicate check."""

from __future__ import annotations

from datetime import date

from django.test import Client

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.fhir.conftest import BASE, ok, outcome, patient_body, post

FULL = {
    "name": [{"use": "official", "family": "Kowalski", "given": ["Jan", "Piotr"], "suffix": ["Sr"]},
             {"use": "nickname", "given": ["Janek"]}],
    "telecom": [{"system": "phone", "value": "217-555-0150", "use": "mobile"},
                {"system": "phone", "value": "217-555-0151", "use": "home"},
                {"system": "phone", "value": "217-555-0152", "use": "work"},
                {"system": "email", "value": "jan@example.org"}],
    "gender": "male",
    "birthDate": "1966-09-30",
    "address": [{"use": "home", "line": ["4 Oak Ave", "Unit 2"], "city": "Peoria", "state": "IL",
                 "postalCode": "61602", "country": "USA"}],
    "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pl-PL"}]}, "preferred": True}],
    "contact": [{"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                               "code": "C"}]}, {"text": "Daughter"}],
                 "name": {"family": "Kowalska", "given": ["Ewa"]},
                 "telecom": [{"system": "phone", "value": "217-555-0153"}]}],
}


def test_a_new_patient_is_created_with_201_location_and_etag(desk: Client, org: Organization) -> None:
    response = post(desk, "/Patient", patient_body())
    body = ok(response, 201)
    patient = Patient.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{BASE}/Patient/{patient.pk}/_history/1"
    assert response["ETag"] == 'W/"1"'
    assert patient.organization_id == org.pk
    assert body["identifier"][0]["value"] == patient.mrn


def test_every_mapped_element_lands_in_the_record(desk: Client, practitioner: Practitioner) -> None:
    resource = patient_body(**FULL, generalPractitioner=[{"reference": f"PractitionerRole/{practitioner.pk}"}])
    patient = Patient.objects.get(pk=ok(post(desk, "/Patient", resource), 201)["id"])
    assert (patient.family_name, patient.given_name, patient.middle_name, patient.suffix) == (
        "Kowalski", "Jan", "Piotr", "Sr")
    assert patient.preferred_name == "Janek"
    assert (patient.phone_mobile, patient.phone_home, patient.phone_work) == (
        "+12175550150", "+12175550151", "+12175550152")
    assert patient.email == "jan@example.org"
    assert (patient.sex, patient.birth_date) == ("male", date(1966, 9, 30))
    assert (patient.line1, patient.line2, patient.city, patient.country) == ("4 Oak Ave", "Unit 2", "Peoria", "US")
    assert patient.preferred_language == "pl"
    assert (patient.emergency_contact_name, patient.emergency_contact_relationship,
            patient.emergency_contact_phone) == ("Ewa Kowalska", "Daughter", "+12175550153")
    assert patient.primary_practitioner_id == practitioner.pk


def test_the_creation_is_audited(desk: Client) -> None:
    body = ok(post(desk, "/Patient", patient_body()), 201)
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="Patient")
    assert event.patient_id == int(body["id"]) and event.via == "fhir"


def test_a_likely_duplicate_is_refused_with_409_naming_the_candidate(desk: Client, patient: Patient) -> None:
    twin = patient_body(name=[{"family": "Okafor", "given": ["Chidi"]}], birthDate="1975-03-14", gender="male")
    body = outcome(post(desk, "/Patient", twin), 409)
    assert body["issue"][0]["code"] == "duplicate"
    assert f"Patient/{patient.pk}" in body["issue"][0]["diagnostics"]
    assert Patient.objects.count() == 1


def test_the_allow_duplicate_header_registers_the_new_person(desk: Client, patient: Patient) -> None:
    twin = patient_body(name=[{"family": "Okafor", "given": ["Chidi"]}], birthDate="1975-03-14")
    ok(post(desk, "/Patient", twin, **{"X-Clinicdesk-Allow-Duplicate": "true"}), 201)
    assert Patient.objects.count() == 2


def test_an_id_in_the_body_is_ignored_on_create(desk: Client, patient: Patient) -> None:
    body = ok(post(desk, "/Patient", patient_body(id=str(patient.pk))), 201)
    assert body["id"] != str(patient.pk)


def test_another_practices_practitioner_cannot_be_the_gp(desk: Client, other_org: Organization) -> None:
    stranger = Practitioner.objects.create(organization=other_org, family_name="Far", given_name="Away")
    body = outcome(post(desk, "/Patient", patient_body(
        generalPractitioner=[{"reference": f"Practitioner/{stranger.pk}"}])), 422)
    assert body["issue"][0]["expression"] == ["Patient.generalPractitioner"]
    outcome(post(desk, "/Patient", patient_body(generalPractitioner=[{"reference": "Practitioner/987654"}])), 422)


def test_registering_with_another_practice_is_refused(desk: Client, other_org: Organization) -> None:
    outcome(post(desk, "/Patient", patient_body(managingOrganization={"reference": f"Organization/{other_org.pk}"})),
            422)


def test_a_phone_that_is_not_a_number_is_a_422_at_its_path(desk: Client) -> None:
    body = outcome(post(desk, "/Patient", patient_body(telecom=[{"system": "phone", "value": "12",
                                                                  "use": "mobile"}])), 422)
    assert body["issue"][0]["expression"] == ["Patient.telecom.where(use='mobile')"]


def test_an_unknown_language_is_a_422(desk: Client) -> None:
    outcome(post(desk, "/Patient", patient_body(communication=[{"language": {"coding": [{"code": "xx"}]}}])), 422)
