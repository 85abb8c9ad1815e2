"""GET /Coverage/{id} and /Coverage?...: coverages as FHIR, each read audited against its patient."""

from __future__ import annotations

from datetime import date

from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage as FhirCoverage

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.insurance.models import Coverage, Payer, Plan
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import make_patient
from tests.fhir.conftest import fhir_client, get, ok, outcome


def test_a_read_maps_the_coverage(desk: Client, coverage: Coverage, payer: Payer) -> None:
    body = ok(get(desk, f"/Coverage/{coverage.pk}"))
    assert body["status"] == "active"
    assert body["subscriberId"] == "XZP123456789"
    assert body["beneficiary"] == {"reference": f"Patient/{coverage.patient_id}"}
    assert body["subscriber"] == {"reference": f"Patient/{coverage.patient_id}"}
    assert body["payor"] == [{"reference": f"Organization/payer-{payer.pk}", "display": payer.name}]
    assert body["order"] == 1
    assert body["class"][0]["value"] == "G-100"
    assert body["costToBeneficiary"][0]["valueMoney"] == {"value": 25.0, "currency": "USD"}
    assert {c["code"] for c in body["relationship"]["coding"]} == {"self", "18"}
    FhirCoverage.model_validate(body)


def test_a_dependent_coverage_carries_the_subscriber_as_a_contained_person(
        desk: Client, patient: Patient, payer: Payer) -> None:
    plan = Plan.objects.create(payer=payer, name="Gold PPO")
    coverage = Coverage.objects.create(
        organization=patient.organization, patient=patient, payer=payer, plan=plan, member_id="D-1",
        relationship="19", subscriber_family_name="Okafor", subscriber_given_name="Ngozi",
        subscriber_birth_date=date(1950, 1, 1), effective_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    body = ok(get(desk, f"/Coverage/{coverage.pk}"))
    assert body["subscriber"] == {"reference": "#subscriber"}
    person = body["contained"][0]
    assert person["resourceType"] == "RelatedPerson" and person["birthDate"] == "1950-01-01"
    assert person["name"] == [{"family": "Okafor", "given": ["Ngozi"]}]
    assert body["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    [plan_class] = body["class"]
    assert (plan_class["type"]["coding"][0]["code"], plan_class["value"], plan_class["name"]) == (
        "plan", str(plan.pk), "Gold PPO")
    FhirCoverage.model_validate(body)


def test_a_read_is_an_audited_view_of_the_patient(desk: Client, coverage: Coverage) -> None:
    ok(get(desk, f"/Coverage/{coverage.pk}"))
    event = AuditEvent.objects.get(action=Action.VIEW, object_type="Coverage")
    assert event.patient_id == coverage.patient_id and event.via == "fhir"


def test_search_by_patient_or_beneficiary(desk: Client, org: Organization, coverage: Coverage, payer: Payer) -> None:
    other = make_patient(org, family_name="Other")
    mine = Coverage.objects.create(organization=org, patient=other, payer=payer, member_id="O-1")
    for query in (f"patient=Patient/{other.pk}", f"beneficiary={other.pk}",
                  f"patient=http://testserver/fhir/r4/Patient/{other.pk}"):
        bundle = ok(get(desk, f"/Coverage?{query}"))
        assert [e["resource"]["id"] for e in bundle["entry"]] == [str(mine.pk)], query
    assert ok(get(desk, "/Coverage"))["total"] == 2
    assert ok(get(desk, "/Coverage?patient=Patient/999999"))["total"] == 0
    Bundle.model_validate(ok(get(desk, "/Coverage")))


def test_search_by_status(desk: Client, coverage: Coverage) -> None:
    assert ok(get(desk, "/Coverage?status=active"))["total"] == 1
    assert ok(get(desk, "/Coverage?status=cancelled"))["total"] == 0
    outcome(get(desk, "/Coverage?status=expired"), 400)


def test_each_coverage_found_is_audited_against_its_patient(desk: Client, coverage: Coverage) -> None:
    ok(get(desk, f"/Coverage?patient={coverage.patient_id}"))
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="Coverage",
                                     patient_id=coverage.patient_id).count() == 1


def test_reading_coverage_needs_the_coverage_permission(no_role_user: User, coverage: Coverage) -> None:
    outcome(get(fhir_client(no_role_user), f"/Coverage/{coverage.pk}"), 403)


def test_an_unknown_coverage_is_not_found(desk: Client, coverage: Coverage) -> None:
    outcome(get(desk, "/Coverage/777777"), 404)
    outcome(get(desk, "/Coverage/payer-1"), 404)
