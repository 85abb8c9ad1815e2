"""POST and PUT /Coverage: through coverage_save, with references checked against the practice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.insurance.models import Coverage, Payer, Plan
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient
from tests.fhir.conftest import get, ok, outcome, post, put


def coverage_body(patient: Patient, payer: Payer, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Coverage",
        "status": "active",
        "subscriberId": "W123456789",
        "beneficiary": {"reference": f"Patient/{patient.pk}"},
        "payor": [{"reference": f"Organization/payer-{payer.pk}"}],
        "order": 1,
        "period": {"start": "2025-01-01"},
        "class": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                        "code": "group"}]}, "value": "GRP-9"}],
        "costToBeneficiary": [{"type": {"coding": [{"code": "copay"}]}, "valueMoney": {"value": 30.5}}],
    }
    body.update(overrides)
    return body


def test_a_coverage_is_created_with_201(desk: Client, patient: Patient, payer: Payer) -> None:
    response = post(desk, "/Coverage", coverage_body(patient, payer))
    body = ok(response, 201)
    coverage = Coverage.objects.get(pk=body["id"])
    assert (coverage.patient_id, coverage.payer_id, coverage.member_id) == (patient.pk, payer.pk, "W123456789")
    assert coverage.group_number == "GRP-9" and coverage.copay == Decimal("30.50")
    assert str(coverage.effective_date) == "2025-01-01"
    assert response["Location"].endswith(f"/Coverage/{coverage.pk}/_history/1")
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="Coverage", patient_id=patient.pk).exists()


def test_a_dependent_with_a_plan_keeps_the_subscriber(desk: Client, patient: Patient, payer: Payer) -> None:
    plan = Plan.objects.create(payer=payer, name="Silver HMO")
    body = coverage_body(
        patient, payer, order=2, subscriber={"reference": "#sub"},
        contained=[{"resourceType": "RelatedPerson", "id": "sub", "patient": {"reference": f"Patient/{patient.pk}"},
                    "name": [{"family": "Okafor", "given": ["Ngozi"]}], "birthDate": "1950-01-01"}],
        relationship={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                                  "code": "child"}]},
        **{"class": [{"type": {"coding": [{"code": "plan"}]}, "value": str(plan.pk)}]})
    coverage = Coverage.objects.get(pk=ok(post(desk, "/Coverage", body), 201)["id"])
    assert (coverage.relationship, coverage.plan_id, coverage.priority) == ("19", plan.pk, 2)
    assert (coverage.subscriber_given_name, str(coverage.subscriber_birth_date)) == ("Ngozi", "1950-01-01")


def test_the_payer_must_belong_to_the_practice(desk: Client, patient: Patient, payer: Payer,
                                               other_org: Organization) -> None:
    foreign = Payer.objects.create(organization=other_org, name="Elsewhere Mutual")
    for reference in (f"Organization/payer-{foreign.pk}", "Organization/payer-99999", f"Organization/{payer.pk}"):
        body = outcome(post(desk, "/Coverage", coverage_body(patient, payer, payor=[{"reference": reference}])), 422)
        assert body["issue"][0]["expression"] == ["Coverage.payor"]
    assert not Coverage.objects.exists()


def test_the_patient_must_belong_to_the_practice(desk: Client, payer: Payer, other_org: Organization) -> None:
    foreign = make_patient(other_org)
    for reference in (f"Patient/{foreign.pk}", "Patient/99999", "Patient/abc"):
        body = coverage_body(foreign, payer, beneficiary={"reference": reference})
        assert outcome(post(desk, "/Coverage", body), 422)["issue"][0]["expression"] == ["Coverage.beneficiary"]


def test_another_payers_plan_is_refused(desk: Client, org: Organization, patient: Patient, payer: Payer) -> None:
    other_payer = Payer.objects.create(organization=org, name="Second Payer")
    plan = Plan.objects.create(payer=other_payer, name="Other plan")
    body = coverage_body(patient, payer, **{"class": [{"type": {"coding": [{"code": "plan"}]}, "value": str(plan.pk)}]})
    outcome(post(desk, "/Coverage", body), 422)


def test_two_active_primaries_at_once_are_refused(desk: Client, patient: Patient, payer: Payer,
                                                  coverage: Coverage) -> None:
    body = outcome(post(desk, "/Coverage", coverage_body(patient, payer)), 422)
    assert body["issue"][0]["expression"] == ["Coverage.order"]


def test_an_update_changes_the_coverage_under_if_match(desk: Client, coverage: Coverage) -> None:
    resource = ok(get(desk, f"/Coverage/{coverage.pk}"))
    resource["status"] = "cancelled"
    resource["subscriberId"] = "NEW-ID"
    body = ok(put(desk, f"/Coverage/{coverage.pk}", resource, **{"If-Match": 'W/"1"'}))
    coverage.refresh_from_db()
    assert (coverage.status, coverage.member_id, coverage.version) == ("cancelled", "NEW-ID", 2)
    assert body["meta"]["versionId"] == "2"
    assert coverage.copay == Decimal("25.00")


def test_a_stale_version_is_refused_with_412(desk: Client, coverage: Coverage) -> None:
    resource = ok(get(desk, f"/Coverage/{coverage.pk}"))
    resource["subscriberId"] = "LATE"
    outcome(put(desk, f"/Coverage/{coverage.pk}", resource, **{"If-Match": 'W/"0"'}), 412)
    coverage.refresh_from_db()
    assert coverage.member_id == "XZP123456789"


def test_a_coverage_cannot_move_to_another_patient(desk: Client, org: Organization, coverage: Coverage) -> None:
    resource = ok(get(desk, f"/Coverage/{coverage.pk}"))
    resource["beneficiary"] = {"reference": f"Patient/{make_patient(org).pk}"}
    outcome(put(desk, f"/Coverage/{coverage.pk}", resource), 422)


def test_the_body_id_must_match_and_the_coverage_must_exist(desk: Client, coverage: Coverage) -> None:
    resource = ok(get(desk, f"/Coverage/{coverage.pk}"))
    outcome(put(desk, "/Coverage/5555", resource), 400)
    outcome(put(desk, "/Coverage/5555", {**resource, "id": "5555"}), 404)
