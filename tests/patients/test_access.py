"""The one audited door to patient data (clinicdesk.patients.access)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clinicdesk.audit.models import Action, AuditEvent, Outcome
from clinicdesk.audit.services import Actor, chain_name
from clinicdesk.patients.access import access_patient, access_patient_export, access_patient_search
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for, make_patient


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("chain", "seq"))


@pytest.mark.parametrize("persona", ["frontdesk", "billing", "clinician", "manager", "admin_user"])
def test_every_role_may_open_a_chart_of_its_practice(request: pytest.FixtureRequest, patient: Patient,
                                                     persona: str) -> None:
    user: User = request.getfixturevalue(persona)
    assert access_patient(actor=actor_for(user), patient_id=patient.pk) == patient


def test_opening_a_chart_records_who_when_from_where_and_why(patient: Patient, clinician: User) -> None:
    access_patient(actor=Actor(user=clinician, ip="10.1.2.3", via="web", role="clinician"), patient_id=patient.pk,
                   purpose="visit note")
    [event] = events(Action.VIEW)
    assert (event.user_id, event.username, event.role, event.ip, event.via) == (
        clinician.pk, clinician.username, "clinician", "10.1.2.3", "web")
    assert (event.object_type, event.object_id, event.patient_id) == ("Patient", str(patient.pk), patient.pk)
    assert event.outcome == Outcome.SUCCESS
    assert event.detail == {"purpose": "visit note"}
    assert event.chain == chain_name(patient.organization_id)


def test_every_opening_is_a_new_event(patient: Patient, frontdesk: User) -> None:
    for _ in range(3):
        access_patient(actor=actor_for(frontdesk), patient_id=patient.pk)
    assert len(events(Action.VIEW)) == 3


def test_a_user_without_the_permission_is_denied_and_the_attempt_is_audited(patient: Patient,
                                                                            no_role_user: User) -> None:
    with pytest.raises(PermissionDenied):
        access_patient(actor=actor_for(no_role_user), patient_id=patient.pk)
    [event] = events(Action.DENIED)
    assert (event.user_id, event.outcome, event.object_id) == (no_role_user.pk, Outcome.DENIED, str(patient.pk))
    assert event.detail == {"permission": "patients.view_patient"}
    assert event.organization_id == no_role_user.organization_id
    assert events(Action.VIEW) == []


def test_a_stronger_permission_than_the_role_has_is_denied(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(PermissionDenied):
        access_patient(actor=actor_for(frontdesk), patient_id=patient.pk, perm="patients.merge_patient")
    assert events(Action.DENIED)[0].detail == {"permission": "patients.merge_patient"}


def test_an_inactive_user_is_denied(patient: Patient, frontdesk: User) -> None:
    frontdesk.is_active = False
    frontdesk.save()
    with pytest.raises(PermissionDenied):
        access_patient(actor=actor_for(frontdesk), patient_id=patient.pk)


def test_nobody_logged_in_is_denied_and_audited_on_the_system_chain(patient: Patient) -> None:
    with pytest.raises(PermissionDenied):
        access_patient(actor=Actor(user=None, ip="203.0.113.9"), patient_id=patient.pk)
    [event] = events(Action.DENIED)
    assert (event.chain, event.ip, event.user_id) == ("system", "203.0.113.9", None)


def test_a_patient_of_another_practice_does_not_exist_for_the_user(patient: Patient, outsider: User) -> None:
    with pytest.raises(Http404):
        access_patient(actor=actor_for(outsider), patient_id=patient.pk)
    assert events(Action.VIEW) == []


def test_a_patient_that_does_not_exist_is_not_found(patient: Patient, frontdesk: User) -> None:
    with pytest.raises(Http404):
        access_patient(actor=actor_for(frontdesk), patient_id=patient.pk + 1000)


def test_search_records_one_hit_per_patient_shown(org: Organization, patient: Patient, frontdesk: User) -> None:
    other = make_patient(org, family_name="Okoro", given_name="Amaka", birth_date=date(1999, 9, 9))
    make_patient(org, family_name="Garcia", given_name="Luis")
    result = access_patient_search(actor=actor_for(frontdesk), terms=parse("ok"))
    assert result.patients == [patient, other]
    hits = events(Action.SEARCH_HIT)
    assert [(e.patient_id, e.object_id, e.user_id) for e in hits] == [
        (patient.pk, str(patient.pk), frontdesk.pk), (other.pk, str(other.pk), frontdesk.pk)]


def test_a_search_that_finds_nobody_records_nothing(patient: Patient, frontdesk: User) -> None:
    assert access_patient_search(actor=actor_for(frontdesk), terms=parse("zzyzx")).patients == []
    assert events(Action.SEARCH_HIT) == []


def test_search_without_the_permission_is_denied_and_audited(patient: Patient, no_role_user: User) -> None:
    with pytest.raises(PermissionDenied):
        access_patient_search(actor=actor_for(no_role_user), terms=parse("okafor"))
    assert len(events(Action.DENIED)) == 1
    assert events(Action.SEARCH_HIT) == []


def test_search_only_ever_covers_the_users_practice(patient: Patient, outsider: User) -> None:
    assert access_patient_search(actor=actor_for(outsider), terms=parse("okafor")).patients == []


def test_an_export_is_recorded_with_its_format(patient: Patient, clinician: User) -> None:
    access_patient_export(actor=actor_for(clinician), patient=patient, fmt="pdf")
    [event] = events(Action.EXPORT)
    assert (event.patient_id, event.user_id, event.detail) == (patient.pk, clinician.pk, {"format": "pdf"})
