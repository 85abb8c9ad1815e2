"""PUT /Patient/{id}: the whole resource replaces the mapped fields, guarded by If-Match."""

from __future__ import annotations

from typing import Any

from django.test import Client

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient, Status
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import make_patient
from tests.fhir.conftest import fhir_client, get, ok, outcome, put


def current(client: Client, patient: Patient) -> dict[str, Any]:
    return ok(get(client, f"/Patient/{patient.pk}"))


def test_an_update_changes_the_record_and_bumps_the_version(desk: Client, patient: Patient) -> None:
    resource = current(desk, patient)
    resource["name"][0]["family"] = "Okafor-Reyes"
    resource["telecom"].append({"system": "phone", "value": "217-555-0177", "use": "work"})
    response = put(desk, f"/Patient/{patient.pk}", resource)
    body = ok(response)
    patient.refresh_from_db()
    assert patient.family_name == "Okafor-Reyes" and patient.phone_work == "+12175550177"
    assert patient.version == 2
    assert body["meta"]["versionId"] == "2" and response["ETag"] == 'W/"2"'
    assert AuditEvent.objects.filter(action=Action.UPDATE, patient_id=patient.pk, via="fhir").exists()


def test_putting_back_what_was_read_changes_nothing(desk: Client, patient: Patient) -> None:
    ok(put(desk, f"/Patient/{patient.pk}", current(desk, patient)))
    patient.refresh_from_db()
    assert patient.version == 1


def test_a_matching_if_match_is_accepted(desk: Client, patient: Patient) -> None:
    resource = current(desk, patient)
    resource["gender"] = "other"
    ok(put(desk, f"/Patient/{patient.pk}", resource, **{"If-Match": 'W/"1"'}))
    patient.refresh_from_db()
    assert patient.sex == "other"


def test_a_stale_if_match_is_refused_with_412_and_nothing_changes(desk: Client, patient: Patient) -> None:
    resource = current(desk, patient)
    resource["gender"] = "other"
    response = put(desk, f"/Patient/{patient.pk}", resource, **{"If-Match": 'W/"7"'})
    outcome(response, 412)
    assert response["ETag"] == 'W/"1"'
    patient.refresh_from_db()
    assert patient.sex == "male"


def test_a_malformed_if_match_is_a_400(desk: Client, patient: Patient) -> None:
    outcome(put(desk, f"/Patient/{patient.pk}", current(desk, patient), **{"If-Match": "version one"}), 400)


def test_the_body_id_must_be_the_url_id(desk: Client, org: Organization, patient: Patient) -> None:
    other = make_patient(org)
    outcome(put(desk, f"/Patient/{other.pk}", current(desk, patient)), 400)
    resource = current(desk, patient)
    del resource["id"]
    outcome(put(desk, f"/Patient/{patient.pk}", resource), 400)


def test_an_unknown_patient_cannot_be_created_by_put(desk: Client, patient: Patient) -> None:
    resource = current(desk, patient)
    resource["id"] = "424242"
    outcome(put(desk, "/Patient/424242", resource), 404)


def test_a_clinician_may_update_but_billing_may_not(clinician: User, billing: User, patient: Patient) -> None:
    resource = current(fhir_client(clinician), patient)
    resource["gender"] = "unknown"
    ok(put(fhir_client(clinician), f"/Patient/{patient.pk}", resource))
    outcome(put(fhir_client(billing), f"/Patient/{patient.pk}", resource), 403)


def test_deceased_and_inactive_set_the_status(desk: Client, patient: Patient) -> None:
    resource = current(desk, patient)
    ok(put(desk, f"/Patient/{patient.pk}", {**resource, "active": False}))
    patient.refresh_from_db()
    assert patient.status == Status.INACTIVE
    resource = current(desk, patient)
    ok(put(desk, f"/Patient/{patient.pk}", {**resource, "deceasedDateTime": "2025-06-01T08:30:00-05:00"}))
    patient.refresh_from_db()
    assert patient.status == Status.DECEASED and str(patient.deceased_date) == "2025-06-01"


def test_a_merged_record_cannot_be_updated(desk: Client, org: Organization, patient: Patient) -> None:
    duplicate = make_patient(org)
    Patient.objects.filter(pk=duplicate.pk).update(status=Status.MERGED, merged_into=patient)
    resource = current(desk, duplicate)
    resource.pop("link")
    outcome(put(desk, f"/Patient/{duplicate.pk}", resource), 422)
