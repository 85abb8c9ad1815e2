"""Who may call the API: a valid bearer token, the API permission, the role's permissions, one practice."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.insurance.models import Coverage
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import ApiToken, User
from tests.conftest import make_user
from tests.fhir.conftest import BASE, fhir_client, get, ok, outcome, patient_body, post, put


def test_a_request_without_a_token_is_refused_with_401(patient: Patient) -> None:
    response = Client().get(f"{BASE}/Patient/{patient.pk}")
    body = outcome(response, 401)
    assert body["issue"][0]["code"] == "login"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_with_401(patient: Patient) -> None:
    client = Client(headers={"Authorization": "Bearer cd_not-a-real-token"})
    outcome(client.get(f"{BASE}/Patient/{patient.pk}"), 401)


def test_an_empty_bearer_or_another_scheme_is_refused_with_401(patient: Patient) -> None:
    for header in ("Bearer ", "Basic dXNlcjpwYXNz", "cd_token-without-scheme"):
        outcome(Client(headers={"Authorization": header}).get(f"{BASE}/Patient"), 401)


def test_a_revoked_token_is_refused_with_401(frontdesk: User, patient: Patient) -> None:
    client = fhir_client(frontdesk)
    ApiToken.objects.filter(user=frontdesk).update(revoked_at=timezone.now())
    outcome(get(client, f"/Patient/{patient.pk}"), 401)


def test_the_token_of_a_deactivated_user_is_refused_with_401(frontdesk: User, patient: Patient) -> None:
    client = fhir_client(frontdesk)
    User.objects.filter(pk=frontdesk.pk).update(is_active=False)
    outcome(get(client, f"/Patient/{patient.pk}"), 401)


def test_a_user_without_the_api_permission_gets_403_and_the_refusal_is_audited(
        no_role_user: User, patient: Patient) -> None:
    body = outcome(get(fhir_client(no_role_user), f"/Patient/{patient.pk}"), 403)
    assert body["issue"][0]["code"] == "forbidden"
    assert AuditEvent.objects.filter(user_id=no_role_user.pk, action=Action.DENIED).exists()


def test_api_access_without_patient_permissions_reads_no_patients(org: Organization, patient: Patient) -> None:
    api_only = Group.objects.create(name="api-only")
    api_only.permissions.add(Permission.objects.get(content_type__app_label="staff", codename="use_api"))
    user = make_user(org, None)
    user.groups.add(api_only)
    client = fhir_client(user)
    outcome(get(client, f"/Patient/{patient.pk}"), 403)
    outcome(get(client, "/Patient?family=Okafor"), 403)
    outcome(get(client, "/Coverage"), 403)
    ok(get(client, "/Location"))
    denied = AuditEvent.objects.filter(user_id=user.pk, action=Action.DENIED)
    assert set(denied.values_list("object_type", flat=True)) == {"Patient", "Coverage"}
    assert not AuditEvent.objects.filter(user_id=user.pk, action__in=[Action.VIEW, Action.SEARCH_HIT]).exists()


def test_billing_may_read_patients_but_not_register_them(billing: User, patient: Patient) -> None:
    client = fhir_client(billing)
    ok(get(client, f"/Patient/{patient.pk}"))
    outcome(post(client, "/Patient", patient_body()), 403)
    assert not Patient.objects.filter(family_name="Nguyen").exists()


def test_the_permission_is_checked_before_the_body_is_read(billing: User) -> None:
    outcome(post(fhir_client(billing), "/Patient", "{not json"), 403)


def test_a_clinician_may_not_add_coverage(clinician: User, patient: Patient, payer: object) -> None:
    body = {"resourceType": "Coverage", "status": "active", "beneficiary": {"reference": f"Patient/{patient.pk}"},
            "payor": [{"reference": "Organization/payer-1"}], "subscriberId": "M1"}
    outcome(post(fhir_client(clinician), "/Coverage", body), 403)
    assert not Coverage.objects.exists()


def test_another_practices_patient_is_not_found(outsider: User, patient: Patient) -> None:
    outcome(get(fhir_client(outsider), f"/Patient/{patient.pk}"), 404)


def test_another_practices_coverage_is_not_found(outsider: User, coverage: Coverage) -> None:
    outcome(get(fhir_client(outsider), f"/Coverage/{coverage.pk}"), 404)


def test_a_search_sees_only_the_callers_practice(outsider: User, patient: Patient) -> None:
    bundle = ok(get(fhir_client(outsider), "/Patient?family=Okafor"))
    assert bundle["total"] == 0
    assert "entry" not in bundle


def test_another_practice_cannot_update_a_patient(outsider: User, patient: Patient) -> None:
    body = patient_body(id=str(patient.pk))
    outcome(put(fhir_client(outsider), f"/Patient/{patient.pk}", body), 404)
    patient.refresh_from_db()
    assert patient.family_name == "Okafor"
