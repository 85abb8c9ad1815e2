"""Registering a patient (clinicdesk.patients.services.patient_create)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.patients.models import Patient, SearchToken, Status
from clinicdesk.patients.search import parse
from clinicdesk.patients.selectors import patient_search
from clinicdesk.patients.services import PossibleDuplicate, patient_create, patient_merge
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import actor_for, make_patient

CHIDI = {"family_name": "Okafor", "given_name": "Chidi", "birth_date": date(1975, 3, 14), "sex": "male"}


def create(org: Organization, user: User, allow_duplicate: bool = False, **fields: Any) -> Patient:
    return patient_create(actor=actor_for(user), organization=org, fields={**CHIDI, **fields},
                          allow_duplicate=allow_duplicate)


def test_patients_get_sequential_mrns_with_the_practice_prefix(org: Organization, frontdesk: User) -> None:
    first_number = org.next_mrn
    mrns = [create(org, frontdesk, given_name=name, birth_date=date(1990, 1, n)).mrn
            for n, name in enumerate(["Ada", "Bea", "Cy"], start=1)]
    assert mrns == [f"LS{first_number}", f"LS{first_number + 1}", f"LS{first_number + 2}"]
    org.refresh_from_db()
    assert org.next_mrn == first_number + 3


def test_an_mrn_already_taken_is_skipped(org: Organization, frontdesk: User) -> None:
    imported = make_patient(org, family_name="Imported", given_name="Ivy")
    org.refresh_from_db()
    next_number = org.next_mrn
    Patient.objects.filter(pk=imported.pk).update(mrn=f"LS{next_number}")
    assert create(org, frontdesk).mrn == f"LS{next_number + 1}"
    org.refresh_from_db()
    assert org.next_mrn == next_number + 2


def test_each_practice_numbers_its_own_patients(org: Organization, other_org: Organization,
                                                frontdesk: User, outsider: User) -> None:
    ours = create(org, frontdesk)
    theirs = patient_create(actor=actor_for(outsider), organization=other_org, fields=CHIDI)
    assert ours.mrn == f"LS{ours.mrn[2:]}"
    assert theirs.mrn == str(other_org.next_mrn)
    assert ours.organization_id == org.pk and theirs.organization_id == other_org.pk


def test_phones_are_stored_in_e164(org: Organization, frontdesk: User) -> None:
    patient = create(org, frontdesk, phone_mobile="(217) 555-0142", phone_home="217.555.0143",
                     phone_work="+1 217 555 0144", emergency_contact_phone="2175550145",
                     guarantor_phone="1-217-555-0146")
    patient.refresh_from_db()
    assert [patient.phone_mobile, patient.phone_home, patient.phone_work, patient.emergency_contact_phone,
            patient.guarantor_phone] == ["+12175550142", "+12175550143", "+12175550144", "+12175550145",
                                         "+12175550146"]


def test_a_bad_phone_is_refused_with_an_error_on_that_field(org: Organization, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, phone_mobile="555-0142", phone_home="(217) 555-0143")
    assert set(exc.value.message_dict) == {"phone_mobile"}
    assert "555-0142" in exc.value.message_dict["phone_mobile"][0]
    assert not Patient.objects.filter(organization=org).exists()


def test_every_bad_phone_is_reported_at_once(org: Organization, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, phone_mobile="12", guarantor_phone="not a phone")
    assert set(exc.value.message_dict) == {"phone_mobile", "guarantor_phone"}


@pytest.mark.parametrize("field", ["mrn", "organization", "version", "merged_into", "created_at", "shoe_size"])
def test_fields_the_service_owns_or_that_do_not_exist_are_refused(org: Organization, frontdesk: User,
                                                                  field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        patient_create(actor=actor_for(frontdesk), organization=org, fields={**CHIDI, field: "X"})
    assert exc.value.message_dict == {field: ["This field cannot be set."]}
    assert not Patient.objects.filter(organization=org).exists()


def test_a_missing_required_field_is_refused(org: Organization, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, family_name="")
    assert "family_name" in exc.value.message_dict


def test_a_patient_cannot_be_registered_as_already_merged(org: Organization, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, status=Status.MERGED)
    assert "status" in exc.value.message_dict


def test_runs_of_spaces_in_names_collapse(org: Organization, frontdesk: User) -> None:
    patient = create(org, frontdesk, family_name="  Van   der  Berg ", given_name=" Ana ")
    assert (patient.family_name, patient.given_name) == ("Van der Berg", "Ana")


def test_a_date_of_birth_given_as_text_is_stored_as_a_date(org: Organization, frontdesk: User) -> None:
    patient = create(org, frontdesk, birth_date="1975-03-14")
    patient.refresh_from_db()
    assert patient.birth_date == date(1975, 3, 14)


def test_an_impossible_date_of_birth_is_refused_on_its_field(org: Organization, frontdesk: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, birth_date="1975-02-30")
    assert set(exc.value.message_dict) == {"birth_date"}


def test_the_primary_practitioner_must_be_of_the_same_practice(org: Organization, other_org: Organization,
                                                               frontdesk: User, practitioner: Practitioner) -> None:
    stranger = Practitioner.objects.create(organization=other_org, family_name="Far", given_name="Away")
    with pytest.raises(ValidationError) as exc:
        create(org, frontdesk, primary_practitioner_id=stranger.pk)
    assert "primary_practitioner" in exc.value.message_dict
    assert create(org, frontdesk, primary_practitioner=practitioner).primary_practitioner == practitioner


def test_registering_is_audited_with_the_mrn(org: Organization, frontdesk: User) -> None:
    patient = create(org, frontdesk)
    event = AuditEvent.objects.get(action=Action.CREATE, patient_id=patient.pk)
    assert (event.user_id, event.object_type, event.object_id) == (frontdesk.pk, "Patient", str(patient.pk))
    assert event.organization_id == org.pk
    assert event.detail == {"mrn": patient.mrn, "duplicate_confirmed": False}


def test_a_new_patient_is_searchable_at_once(org: Organization, frontdesk: User) -> None:
    patient = create(org, frontdesk, phone_mobile="(217) 555-0142", middle_name="Emeka", preferred_name="Chi")
    kinds = set(SearchToken.objects.filter(patient=patient).values_list("kind", "token"))
    assert {("n", "okafor"), ("n", "chidi"), ("n", "emeka"), ("t", "24105557121")} <= kinds
    assert patient_search(organization_id=org.pk, terms=parse("emeka")).patients == [patient]


def test_the_same_birthday_and_a_similar_name_is_a_possible_duplicate(org: Organization, frontdesk: User) -> None:
    existing = create(org, frontdesk, family_name="Johnson", given_name="Peter")
    with pytest.raises(PossibleDuplicate) as exc:
        create(org, frontdesk, family_name="Jonsen", given_name="Peter")
    assert [m.id for m in exc.value.matches] == [existing.pk]
    assert exc.value.matches[0].reasons == ("same date of birth and similar name",)
    assert Patient.objects.filter(organization=org).count() == 1


def test_swapped_first_and_last_names_are_a_possible_duplicate(org: Organization, frontdesk: User) -> None:
    existing = create(org, frontdesk)
    with pytest.raises(PossibleDuplicate) as exc:
        create(org, frontdesk, family_name="Chidi", given_name="Okafor")
    assert [m.id for m in exc.value.matches] == [existing.pk]


def test_a_shared_phone_is_a_possible_duplicate(org: Organization, frontdesk: User) -> None:
    existing = create(org, frontdesk, phone_home="(217) 555-0142")
    with pytest.raises(PossibleDuplicate) as exc:
        create(org, frontdesk, family_name="Garcia", given_name="Luis", birth_date=date(2001, 7, 4),
               phone_mobile="217 555 0142")
    assert [(m.id, m.reasons) for m in exc.value.matches] == [(existing.pk, ("same phone number",))]


def test_a_different_person_on_the_same_birthday_is_not_a_duplicate(org: Organization, frontdesk: User) -> None:
    create(org, frontdesk)
    assert create(org, frontdesk, family_name="Garcia", given_name="Luis").pk


def test_confirming_a_new_person_bypasses_the_duplicate_guard(org: Organization, frontdesk: User) -> None:
    existing = create(org, frontdesk)
    twin = create(org, frontdesk, allow_duplicate=True)
    assert twin.pk != existing.pk and twin.mrn != existing.mrn
    assert AuditEvent.objects.get(action=Action.CREATE, patient_id=twin.pk).detail["duplicate_confirmed"] is True


def test_patients_of_other_practices_are_never_duplicates(org: Organization, other_org: Organization,
                                                          frontdesk: User) -> None:
    make_patient(other_org, **CHIDI)
    assert create(org, frontdesk).pk


def test_a_merged_record_is_not_offered_as_a_duplicate(org: Organization, frontdesk: User, manager: User) -> None:
    source = create(org, frontdesk)
    target = create(org, frontdesk, allow_duplicate=True)
    patient_merge(actor=actor_for(manager), source=source, target=target, reason="same person")
    with pytest.raises(PossibleDuplicate) as exc:
        create(org, frontdesk)
    assert [m.id for m in exc.value.matches] == [target.pk]
