"""Practitioners (clinicdesk.staff.services.practitioner_save)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.practice.models import Department, Location, Organization
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.services import practitioner_save
from tests.conftest import actor_for, make_user

VALID_NPI = "1234567893"


def new(org: Organization, manager: User, **fields: object) -> Practitioner:
    values = {"family_name": "Nakamura", "given_name": "Ken", "credentials": "DO", "npi": VALID_NPI, **fields}
    return practitioner_save(actor=actor_for(manager), practitioner=Practitioner(organization=org), fields=values)


def test_a_practitioner_with_a_valid_npi_is_saved_and_audited(org: Organization, manager: User) -> None:
    saved = new(org, manager)
    assert Practitioner.objects.get(pk=saved.pk).npi == VALID_NPI
    event = AuditEvent.objects.get(object_type="Practitioner")
    assert (event.action, event.object_id, event.user_id, event.detail) == (
        Action.CREATE, str(saved.pk), manager.pk, {"npi": VALID_NPI})


def test_an_npi_with_a_wrong_check_digit_is_refused(org: Organization, manager: User) -> None:
    with pytest.raises(ValidationError) as exc:
        new(org, manager, npi="1234567890")
    assert exc.value.message_dict == {"npi": ["This NPI's check digit is wrong; please re-check the number."]}
    assert not Practitioner.objects.filter(organization=org).exists()


@pytest.mark.parametrize("npi", ["123456789", "3234567893", "12345abcde"])
def test_an_npi_of_the_wrong_shape_is_refused(org: Organization, manager: User, npi: str) -> None:
    with pytest.raises(ValidationError) as exc:
        new(org, manager, npi=npi)
    assert set(exc.value.message_dict) == {"npi"}


def test_a_practitioner_may_have_no_npi(org: Organization, manager: User) -> None:
    assert new(org, manager, npi="").pk


def test_an_npi_is_unique_within_a_practice(org: Organization, other_org: Organization, manager: User,
                                            outsider: User) -> None:
    new(org, manager)
    with pytest.raises(ValidationError):
        new(org, manager, family_name="Other")
    assert practitioner_save(actor=actor_for(outsider), practitioner=Practitioner(organization=other_org),
                             fields={"family_name": "X", "given_name": "Y", "npi": VALID_NPI}).pk
    assert new(org, manager, family_name="No", npi="").pk and new(org, manager, family_name="Npi", npi="").pk


def test_a_change_is_audited_as_an_update(practitioner: Practitioner, manager: User) -> None:
    practitioner_save(actor=actor_for(manager), practitioner=practitioner, fields={"specialty": "Pediatrics"})
    practitioner.refresh_from_db()
    assert practitioner.specialty == "Pediatrics"
    assert AuditEvent.objects.get(object_type="Practitioner").action == Action.UPDATE


def test_locations_are_set_when_given_and_kept_when_not(practitioner: Practitioner, location: Location,
                                                        manager: User) -> None:
    practitioner_save(actor=actor_for(manager), practitioner=practitioner, location_ids=[location.pk])
    assert list(practitioner.locations.all()) == [location]
    practitioner_save(actor=actor_for(manager), practitioner=practitioner, fields={"phone": "+12175550100"})
    assert list(practitioner.locations.all()) == [location]
    practitioner_save(actor=actor_for(manager), practitioner=practitioner, location_ids=[])
    assert not practitioner.locations.exists()


def test_locations_of_another_practice_are_refused(practitioner: Practitioner, other_org: Organization,
                                                   manager: User) -> None:
    theirs = Location.objects.create(organization=other_org, name="Elsewhere")
    with pytest.raises(ValidationError) as exc:
        practitioner_save(actor=actor_for(manager), practitioner=practitioner, location_ids=[theirs.pk])
    assert set(exc.value.message_dict) == {"locations"}
    assert not practitioner.locations.exists()


def test_a_department_of_another_practice_is_refused(practitioner: Practitioner, other_org: Organization,
                                                     manager: User) -> None:
    theirs = Department.objects.create(organization=other_org, name="Cardiology")
    with pytest.raises(ValidationError) as exc:
        practitioner_save(actor=actor_for(manager), practitioner=practitioner, fields={"department": theirs})
    assert set(exc.value.message_dict) == {"department"}


def test_a_login_of_another_practice_is_refused(practitioner: Practitioner, outsider: User, manager: User) -> None:
    with pytest.raises(ValidationError) as exc:
        practitioner_save(actor=actor_for(manager), practitioner=practitioner, fields={"user": outsider})
    assert set(exc.value.message_dict) == {"user"}


def test_a_login_of_the_practice_can_be_linked(org: Organization, practitioner: Practitioner, manager: User) -> None:
    login = make_user(org, "clinician")
    practitioner_save(actor=actor_for(manager), practitioner=practitioner, fields={"user": login})
    assert Practitioner.objects.get(pk=practitioner.pk).user == login
