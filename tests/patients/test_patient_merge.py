"""Merging duplicate records and undoing it (patient_merge, patient_unmerge)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import Actor
from clinicdesk.insurance.models import Coverage, Payer
from clinicdesk.patients.models import Patient, PatientMerge, SearchToken, Status
from clinicdesk.patients.search import parse
from clinicdesk.patients.selectors import patient_search
from clinicdesk.patients.services import patient_merge, patient_unmerge, patient_update
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for, make_patient


@pytest.fixture
def duplicate(org: Organization) -> Patient:
    """Chidi registered a second time, misspelt, with his work phone."""
    return make_patient(org, family_name="Okafor", given_name="Chiddi", birth_date=date(1975, 3, 14), sex="male",
                        phone_work="(217) 555-0177")


def add_coverage(patient: Patient, payer: Payer, member_id: str) -> Coverage:
    return Coverage.objects.create(organization=patient.organization, patient=patient, payer=payer, member_id=member_id)


def merge(manager: User, source: Patient, target: Patient) -> PatientMerge:
    return patient_merge(actor=actor_for(manager), source=source, target=target, reason="Same DOB, address and phone")


def test_merge_moves_the_coverages_and_marks_the_source_merged(duplicate: Patient, patient: Patient,
                                                               coverage: Coverage, payer: Payer,
                                                               manager: User) -> None:
    theirs = [add_coverage(duplicate, payer, "DUP-1"), add_coverage(duplicate, payer, "DUP-2")]
    record = merge(manager, duplicate, patient)
    assert set(patient.coverages.values_list("pk", flat=True)) == {coverage.pk, *(c.pk for c in theirs)}
    assert not duplicate.coverages.exists()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (Status.MERGED, patient.pk)
    assert duplicate.version == 2
    assert record.moved == {"insurance.Coverage": [c.pk for c in theirs], "previous_status": "active"}
    assert (record.source, record.target, record.merged_by, record.undone_at) == (duplicate, patient, manager, None)


def test_merge_leaves_the_target_as_it_was(duplicate: Patient, patient: Patient, manager: User) -> None:
    merge(manager, duplicate, patient)
    kept = Patient.objects.get(pk=patient.pk)
    assert (kept.status, kept.merged_into_id, kept.version, kept.mrn) == (Status.ACTIVE, None, 1, patient.mrn)


def test_a_merged_record_is_hidden_from_search(org: Organization, duplicate: Patient, patient: Patient,
                                               manager: User) -> None:
    assert duplicate in patient_search(organization_id=org.pk, terms=parse("chiddi")).patients
    merge(manager, duplicate, patient)
    assert not SearchToken.objects.filter(patient=duplicate).exists()
    assert patient_search(organization_id=org.pk, terms=parse("okafor")).patients == [patient]
    assert patient_search(organization_id=org.pk, terms=parse("217 555 0177")).patients == []


def test_merge_is_audited_on_both_records(duplicate: Patient, patient: Patient, manager: User) -> None:
    record = merge(manager, duplicate, patient)
    events = AuditEvent.objects.filter(action=Action.MERGE).order_by("seq")
    assert [(e.patient_id, e.detail["role"]) for e in events] == [(duplicate.pk, "source"), (patient.pk, "target")]
    for event in events:
        assert event.user_id == manager.pk
        assert event.detail["merge_id"] == record.pk
        assert event.detail["reason"] == "Same DOB, address and phone"
        assert (event.detail["source"], event.detail["target"]) == (duplicate.pk, patient.pk)
    assert all(not breaks for breaks in audit_verify_all().values())


def test_unmerge_restores_exactly_what_moved(org: Organization, duplicate: Patient, patient: Patient,
                                             coverage: Coverage, payer: Payer, manager: User) -> None:
    theirs = add_coverage(duplicate, payer, "DUP-1")
    record = merge(manager, duplicate, patient)
    added_after = add_coverage(patient, payer, "NEW-1")
    restored = patient_unmerge(actor=actor_for(manager), merge=record)
    assert restored.pk == duplicate.pk
    assert (restored.status, restored.merged_into_id) == (Status.ACTIVE, None)
    assert list(duplicate.coverages.values_list("pk", flat=True)) == [theirs.pk]
    assert set(patient.coverages.values_list("pk", flat=True)) == {coverage.pk, added_after.pk}
    assert patient_search(organization_id=org.pk, terms=parse("okafor")).patients == [duplicate, patient]
    assert patient_search(organization_id=org.pk, terms=parse("555 0177")).patients == [duplicate]
    record.refresh_from_db()
    assert record.undone_by == manager
    assert record.undone_at is not None


def test_unmerge_brings_back_the_status_the_record_had(duplicate: Patient, patient: Patient, frontdesk: User,
                                                       manager: User) -> None:
    patient_update(actor=actor_for(frontdesk), patient=duplicate, fields={"status": Status.INACTIVE})
    record = merge(manager, duplicate, patient)
    assert patient_unmerge(actor=actor_for(manager), merge=record).status == Status.INACTIVE


def test_unmerge_is_audited_on_both_records(duplicate: Patient, patient: Patient, manager: User) -> None:
    record = merge(manager, duplicate, patient)
    patient_unmerge(actor=actor_for(manager), merge=record)
    events = AuditEvent.objects.filter(action=Action.UNMERGE).order_by("seq")
    assert [e.patient_id for e in events] == [duplicate.pk, patient.pk]
    assert {e.detail["merge_id"] for e in events} == {record.pk}


def test_a_merge_cannot_be_undone_twice(duplicate: Patient, patient: Patient, manager: User) -> None:
    record = merge(manager, duplicate, patient)
    patient_unmerge(actor=actor_for(manager), merge=record)
    with pytest.raises(ValidationError, match="already been undone"):
        patient_unmerge(actor=actor_for(manager), merge=record)


def test_an_undone_merge_can_be_done_again(duplicate: Patient, patient: Patient, manager: User) -> None:
    patient_unmerge(actor=actor_for(manager), merge=merge(manager, duplicate, patient))
    merge(manager, duplicate, patient)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED


def test_merging_a_record_twice_is_refused(org: Organization, duplicate: Patient, patient: Patient,
                                           manager: User) -> None:
    third = make_patient(org, family_name="Okafor", given_name="C", birth_date=date(1975, 3, 14))
    merge(manager, duplicate, patient)
    with pytest.raises(ValidationError, match="already been merged"):
        merge(manager, duplicate, third)
    with pytest.raises(ValidationError, match="already been merged"):
        merge(manager, third, duplicate)
    assert PatientMerge.objects.count() == 1


def test_a_record_cannot_be_merged_into_itself(patient: Patient, manager: User) -> None:
    with pytest.raises(ValidationError, match="into itself"):
        merge(manager, patient, patient)


def test_records_of_different_practices_cannot_be_merged(patient: Patient, other_org: Organization,
                                                         manager: User) -> None:
    theirs = make_patient(other_org, family_name="Okafor", given_name="Chidi", birth_date=date(1975, 3, 14))
    with pytest.raises(ValidationError, match="different practices"):
        merge(manager, theirs, patient)
    theirs.refresh_from_db()
    assert theirs.status == Status.ACTIVE


def test_a_merge_needs_a_named_member_of_staff(duplicate: Patient, patient: Patient) -> None:
    with pytest.raises(ValidationError, match="named member of staff"):
        patient_merge(actor=Actor.system(), source=duplicate, target=patient, reason="batch")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.ACTIVE


def test_a_blank_reason_is_refused(duplicate: Patient, patient: Patient, manager: User) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_merge(actor=actor_for(manager), source=duplicate, target=patient, reason="   ")
    assert "reason" in exc.value.message_dict
    assert not PatientMerge.objects.exists()
