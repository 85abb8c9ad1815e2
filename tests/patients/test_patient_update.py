"""Changing a patient (clinicdesk.patients.services.patient_update)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient, Status
from clinicdesk.patients.search import parse
from clinicdesk.patients.selectors import patient_search
from clinicdesk.patients.services import patient_update
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import actor_for


def updates(patient: Patient) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.UPDATE, patient_id=patient.pk).order_by("seq"))


def found(org: Organization, query: str) -> list[Patient]:
    return patient_search(organization_id=org.pk, terms=parse(query)).patients


def test_a_change_bumps_the_version_and_the_change_time(patient: Patient, frontdesk: User) -> None:
    changed = patient_update(actor=actor_for(frontdesk), patient=patient, fields={"email": "c.okafor@example.org"})
    assert changed.version == patient.version + 1
    assert changed.updated_at > patient.updated_at
    patient.refresh_from_db()
    assert (patient.email, patient.version) == ("c.okafor@example.org", changed.version)


def test_the_audit_event_records_exactly_the_changed_fields(patient: Patient, frontdesk: User) -> None:
    patient_update(actor=actor_for(frontdesk), patient=patient, fields={
        "email": "c.okafor@example.org", "given_name": "Chidi", "alerts": "Penicillin allergy",
        "birth_date": date(1975, 3, 15),
    })
    [event] = updates(patient)
    assert event.user_id == frontdesk.pk
    assert event.detail == {"changed": {
        "email": {"from": "chidi@example.org", "to": "c.okafor@example.org"},
        "alerts": {"from": "", "to": "Penicillin allergy"},
        "birth_date": {"from": "1975-03-14", "to": "1975-03-15"},
    }}


def test_saving_without_a_change_writes_nothing(patient: Patient, frontdesk: User) -> None:
    same = patient_update(actor=actor_for(frontdesk), patient=patient, fields={
        "family_name": "Okafor", "phone_mobile": "217-555-0142", "birth_date": "1975-03-14", "consent_sms": False,
    })
    assert same.version == patient.version
    assert updates(patient) == []


def test_a_stale_version_is_refused_and_nothing_changes(patient: Patient, frontdesk: User, clinician: User) -> None:
    seen_version = patient.version
    patient_update(actor=actor_for(clinician), patient=patient, fields={"alerts": "Latex"},
                   expected_version=seen_version)
    with pytest.raises(ValidationError, match="Someone else changed this patient"):
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"alerts": "None known"},
                       expected_version=seen_version)
    patient.refresh_from_db()
    assert patient.alerts == "Latex"
    assert patient.version == seen_version + 1
    assert len(updates(patient)) == 1


def test_the_current_version_is_accepted(patient: Patient, frontdesk: User) -> None:
    changed = patient_update(actor=actor_for(frontdesk), patient=patient, fields={"alerts": "Latex"},
                             expected_version=patient.version)
    assert changed.alerts == "Latex"


def test_a_new_name_is_found_by_search_and_the_old_one_is_not(org: Organization, patient: Patient,
                                                               frontdesk: User) -> None:
    patient_update(actor=actor_for(frontdesk), patient=patient, fields={"family_name": "Adeyemi"})
    assert found(org, "adeyemi") == [patient]
    assert found(org, "okafor") == []


def test_a_new_phone_is_normalized_and_searchable(org: Organization, patient: Patient, frontdesk: User) -> None:
    changed = patient_update(actor=actor_for(frontdesk), patient=patient, fields={"phone_mobile": "(312) 555-0177"})
    assert changed.phone_mobile == "+13125550177"
    assert found(org, "312-555-0177") == [patient]
    assert found(org, "217-555-0142") == []


def test_a_bad_phone_is_refused_on_its_field(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"phone_home": "12345"})
    assert set(exc.value.message_dict) == {"phone_home"}


def test_an_invalid_value_is_refused_and_nothing_is_saved(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"email": "not-an-email", "alerts": "x"})
    assert "email" in exc.value.message_dict
    patient.refresh_from_db()
    assert (patient.alerts, patient.version) == ("", 1)
    assert updates(patient) == []


@pytest.mark.parametrize("field", ["mrn", "organization", "version", "merged_into"])
def test_fields_the_service_owns_are_refused(patient: Patient, frontdesk: User, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={field: "X"})
    assert exc.value.message_dict == {field: ["This field cannot be set."]}


def test_a_record_cannot_be_marked_merged_by_an_edit(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"status": Status.MERGED})
    assert "status" in exc.value.message_dict
    patient.refresh_from_db()
    assert patient.status == Status.ACTIVE


def test_a_merged_record_cannot_be_revived_by_an_edit(patient: Patient, frontdesk: User) -> None:
    Patient.objects.filter(pk=patient.pk).update(status=Status.MERGED)
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"status": Status.ACTIVE})
    assert "status" in exc.value.message_dict


def test_a_patient_can_be_made_inactive_or_deceased(patient: Patient, frontdesk: User) -> None:
    changed = patient_update(actor=actor_for(frontdesk), patient=patient,
                             fields={"status": Status.DECEASED, "deceased_date": date(2024, 2, 1)})
    assert (changed.status, changed.deceased_date) == (Status.DECEASED, date(2024, 2, 1))


def test_the_primary_practitioner_must_be_of_the_same_practice(patient: Patient, frontdesk: User,
                                                               other_org: Organization) -> None:
    stranger = Practitioner.objects.create(organization=other_org, family_name="Far", given_name="Away")
    with pytest.raises(ValidationError) as exc:
        patient_update(actor=actor_for(frontdesk), patient=patient, fields={"primary_practitioner": stranger})
    assert "primary_practitioner" in exc.value.message_dict
    patient.refresh_from_db()
    assert patient.primary_practitioner_id is None


def test_a_practitioner_of_the_practice_can_be_chosen(patient: Patient, frontdesk: User,
                                                      practitioner: Practitioner) -> None:
    changed = patient_update(actor=actor_for(frontdesk), patient=patient,
                             fields={"primary_practitioner_id": practitioner.pk})
    assert changed.primary_practitioner == practitioner
    assert updates(patient)[0].detail["changed"]["primary_practitioner_id"] == {"from": None, "to": practitioner.pk}


def test_an_empty_text_clears_an_optional_date(patient: Patient, frontdesk: User) -> None:
    patient_update(actor=actor_for(frontdesk), patient=patient,
                   fields={"status": Status.DECEASED, "deceased_date": "2024-02-01"})
    changed = patient_update(actor=actor_for(frontdesk), patient=patient,
                             fields={"status": Status.ACTIVE, "deceased_date": ""})
    assert (changed.status, changed.deceased_date) == (Status.ACTIVE, None)
    assert updates(patient)[-1].detail["changed"]["deceased_date"] == {"from": "2024-02-01", "to": None}
