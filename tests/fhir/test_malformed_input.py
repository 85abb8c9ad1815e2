"""Every malformed or invalid body is a 4xx OperationOutcome, never a 5xx.

400: not JSON, not a resource, wrong type, structure, codes, ids. 415: wrong media type.
422: a well-formed resource our rules refuse (missing names or birth date, unknown references).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from clinicdesk.insurance.models import Coverage, Payer
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient
from tests.fhir.conftest import FHIR_JSON, outcome, patient_body, send

NAME = [{"family": "Nguyen", "given": ["Linh"]}]


def deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"url": "http://example.org/x", "valueString": "x"}
    for _ in range(levels):
        node = {"url": "http://example.org/x", "extension": [node]}
    return patient_body(extension=[node])


PATIENT_CASES: list[tuple[str, Any, int]] = [
    ("bad JSON", "{not json", 400),
    ("empty body", "", 400),
    ("a JSON array", "[]", 400),
    ("a JSON string", '"Patient"', 400),
    ("JSON null", "null", 400),
    ("invalid UTF-8", b"\xff\xfe{\x00", 400),
    ("NaN is not JSON", '{"resourceType": "Patient", "birthDate": NaN}', 400),
    ("a key given twice", '{"resourceType": "Patient", "gender": "male", "gender": "female"}', 400),
    ("wrong resourceType", patient_body(resourceType="Observation"), 400),
    ("no resourceType", {k: v for k, v in patient_body().items() if k != "resourceType"}, 400),
    ("unknown gender code", patient_body(gender="femal"), 400),
    ("gender not a string", patient_body(gender=1), 400),
    ("impossible birth date", patient_body(birthDate="1980-13-45"), 400),
    ("February 30th", patient_body(birthDate="1980-02-30"), 400),
    ("birth date as a number", patient_body(birthDate=19800101), 400),
    ("id longer than 64", patient_body(id="a" * 65), 400),
    ("id with bad characters", patient_body(id="a_b/c"), 400),
    ("id not a string", patient_body(id=12), 400),
    ("unknown field", patient_body(favouriteColour="blue"), 400),
    ("unknown nested field", patient_body(name=[{**NAME[0], "nickname": "L"}]), 400),
    ("name not a list", patient_body(name="Linh Nguyen"), 400),
    ("given not strings", patient_body(name=[{"family": "N", "given": [123]}]), 400),
    ("active not a boolean", patient_body(active="yes"), 400),
    ("unknown telecom system", patient_body(telecom=[{"system": "phonee", "value": "2175550100"}]), 400),
    ("unknown telecom use", patient_body(telecom=[{"system": "phone", "value": "2175550100", "use": "cell"}]), 400),
    ("unknown address use", patient_body(address=[{"use": "house", "city": "X"}]), 400),
    ("unknown name use", patient_body(name=[{**NAME[0], "use": "formal"}]), 400),
    ("two deceased choices", patient_body(deceasedBoolean=True, deceasedDateTime="2020-01-01"), 400),
    ("NUL in a name", patient_body(name=[{"family": "Ng\u0000uyen", "given": ["L"]}]), 400),
    ("lone surrogate", '{"resourceType": "Patient", "name": [{"family": "\\ud800", "given": ["L"]}]}', 400),
    ("nested too deep", deep(40), 400),
    ("contained unknown resource", patient_body(contained=[{"resourceType": "Foo", "id": "x"}]), 400),
    ("contained resource", patient_body(contained=[{"resourceType": "Practitioner", "id": "x"}]), 400),
    ("malformed reference", patient_body(generalPractitioner=[{"reference": "Dr. Who"}]), 400),
    ("reference to another type", patient_body(generalPractitioner=[{"reference": "Observation/1"}]), 422),
    ("partial birth date", patient_body(birthDate="1980"), 422),
    ("no birth date", {k: v for k, v in patient_body().items() if k != "birthDate"}, 422),
    ("no family name", patient_body(name=[{"given": ["Linh"]}]), 422),
    ("no given name", patient_body(name=[{"family": "Nguyen"}]), 422),
    ("blank family name", patient_body(name=[{"family": "   ", "given": ["Linh"]}]), 422),
    ("no name at all", {k: v for k, v in patient_body().items() if k != "name"}, 422),
    ("family name too long", patient_body(name=[{"family": "N" * 81, "given": ["L"]}]), 422),
    ("not an e-mail address", patient_body(telecom=[{"system": "email", "value": "not-an-email"}]), 422),
    ("partial deceased date", patient_body(deceasedDateTime="2020-01"), 422),
]


@pytest.mark.parametrize(("body", "status"), [(b, s) for _, b, s in PATIENT_CASES],
                         ids=[name for name, _, _ in PATIENT_CASES])
def test_a_bad_patient_is_refused(desk: Client, body: Any, status: int) -> None:
    outcome(send(desk, "POST", "/Patient", body), status)
    assert not Patient.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/fhir+xml",
                                          "multipart/form-data; boundary=x", ""])
def test_a_body_that_is_not_json_by_media_type_is_a_415(desk: Client, content_type: str, db: Any) -> None:
    outcome(send(desk, "POST", "/Patient", patient_body(), content_type=content_type), 415)


def test_a_put_with_an_unreadable_body_is_a_400(desk: Client, patient: Patient) -> None:
    outcome(send(desk, "PUT", f"/Patient/{patient.pk}", "{]"), 400)
    outcome(send(desk, "PUT", f"/Patient/{patient.pk}", patient_body(id="a" * 65)), 400)
    outcome(send(desk, "PUT", f"/Patient/{patient.pk}", patient_body(id=str(patient.pk + 1))), 400)


def coverage_case(patient: Patient, payer: Payer, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"resourceType": "Coverage", "status": "active", "subscriberId": "M-1",
                            "beneficiary": {"reference": f"Patient/{patient.pk}"},
                            "payor": [{"reference": f"Organization/payer-{payer.pk}"}]}
    return {k: v for k, v in {**body, **overrides}.items() if v is not None}


COVERAGE_CASES: list[tuple[str, dict[str, Any], int]] = [
    ("unknown status", {"status": "bogus"}, 400),
    ("status we do not keep", {"status": "draft"}, 422),
    ("no status", {"status": None}, 400),
    ("order zero", {"order": 0}, 400),
    ("order past tertiary", {"order": 4}, 422),
    ("impossible period", {"period": {"start": "2020-13-01"}}, 400),
    ("period ends before it starts", {"period": {"start": "2021-01-01", "end": "2020-01-01"}}, 422),
    ("contained observation", {"contained": [{"resourceType": "Observation", "id": "o"}]}, 400),
    ("contained with a list as its type", {"contained": [{"resourceType": ["RelatedPerson"], "id": "o"}]}, 400),
    ("contained not a list", {"contained": {"resourceType": "RelatedPerson", "id": "o"}}, 400),
    ("unknown relationship code", {"relationship": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "cousin"}]}}, 400),
    ("copay in euros", {"costToBeneficiary": [{"valueMoney": {"value": 10, "currency": "EUR"}}]}, 422),
    ("copay with fractions of cents", {"costToBeneficiary": [{"valueMoney": {"value": 10.125}}]}, 422),
    ("negative copay", {"costToBeneficiary": [{"valueMoney": {"value": -5}}]}, 422),
    ("two payors", {"payor": [{"reference": "Organization/payer-1"}, {"reference": "Organization/payer-2"}]}, 422),
    ("no payor", {"payor": None}, 400),
    ("no beneficiary", {"beneficiary": None}, 400),
    ("beneficiary not a reference", {"beneficiary": {"display": "Chidi"}}, 400),
    ("beneficiary of another type", {"beneficiary": {"reference": "Practitioner/1"}}, 422),
    ("no member id", {"subscriberId": None}, 422),
    ("unknown field", {"memberId": "M-1"}, 400),
]


@pytest.mark.parametrize(("overrides", "status"), [(o, s) for _, o, s in COVERAGE_CASES],
                         ids=[name for name, _, _ in COVERAGE_CASES])
def test_a_bad_coverage_is_refused(desk: Client, patient: Patient, payer: Payer, overrides: dict[str, Any],
                                   status: int) -> None:
    outcome(send(desk, "POST", "/Coverage", coverage_case(patient, payer, **overrides)), status)
    assert not Coverage.objects.exists()


def test_a_coverage_for_another_practices_patient_or_payer_is_refused(
        desk: Client, patient: Patient, payer: Payer, other_org: Organization) -> None:
    foreign_patient = make_patient(other_org)
    foreign_payer = Payer.objects.create(organization=other_org, name="Elsewhere")
    outcome(send(desk, "POST", "/Coverage", coverage_case(foreign_patient, payer)), 422)
    outcome(send(desk, "POST", "/Coverage", coverage_case(patient, foreign_payer)), 422)
    assert not Coverage.objects.exists()


def test_the_outcome_says_where_the_problem_is(desk: Client, db: Any) -> None:
    body = outcome(send(desk, "POST", "/Patient", json.dumps(patient_body(gender="femal"))), 400)
    assert body["issue"][0]["expression"] == ["Patient.gender"]
    assert body["issue"][0]["code"] == "code-invalid"
    body = outcome(send(desk, "POST", "/Patient", patient_body(birthDate="1980-13-45")), 400)
    assert body["issue"][0]["expression"] == ["Patient.birthDate"]
    assert FHIR_JSON


def test_a_body_over_the_upload_limit_is_a_413(desk: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    outcome(send(desk, "POST", "/Patient", patient_body(text={"status": "generated", "div": "x" * 2000})), 413)
