"""Staff accounts (user_create, user_set_roles)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from clinicdesk.staff.services import user_create, user_set_roles
from tests.conftest import PASSWORD, actor_for


def create(org: Organization, actor: Actor, username: str = "jdoe", roles: list[str] | None = None,
           password: str | None = PASSWORD) -> User:
    return user_create(actor=actor, organization=org, username=username, password=password,
                       roles=["frontdesk"] if roles is None else roles, first_name="Jane", last_name="Doe",
                       email="jdoe@example.org")


def test_a_new_user_belongs_to_the_practice_with_the_given_roles(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager), roles=["frontdesk", "billing"])
    assert user.organization == org
    assert sorted(user.role_names) == ["billing", "frontdesk"]
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.last_name, user.email, user.is_active) == ("Jane", "Doe", "jdoe@example.org", True)


def test_creating_a_user_is_audited(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager))
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="User", object_id=str(user.pk))
    assert (event.user_id, event.organization_id) == (manager.pk, org.pk)
    assert event.detail == {"username": "jdoe", "roles": ["frontdesk"]}


def test_an_unknown_role_is_refused_and_no_user_is_made(org: Organization, manager: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, actor_for(manager), roles=["frontdesk", "superhero"])
    assert exc.value.message_dict == {"roles": ["Unknown role(s): superhero"]}
    assert not User.objects.filter(username="jdoe").exists()


def test_a_user_without_a_password_cannot_log_in_with_one(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager), password=None)
    assert not user.has_usable_password()


def test_a_taken_user_name_is_refused(org: Organization, manager: User) -> None:
    create(org, actor_for(manager))
    with pytest.raises(ValidationError) as exc:
        create(org, actor_for(manager))
    assert "username" in exc.value.message_dict


def test_an_invalid_user_name_is_refused(org: Organization, manager: User) -> None:
    with pytest.raises(ValidationError) as exc:
        create(org, actor_for(manager), username="j doe!")
    assert "username" in exc.value.message_dict


def test_changing_roles_replaces_them_and_records_before_and_after(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager), roles=["frontdesk"])
    user_set_roles(actor=actor_for(manager), user=user, roles=["billing", "clinician"], active=True)
    user = User.objects.get(pk=user.pk)
    assert user.role_names == ["billing", "clinician"]
    assert not user.has_perm("patients.add_patient")
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="User")
    assert event.detail == {"roles": {"from": ["frontdesk"], "to": ["billing", "clinician"]}, "active": True}


def test_a_user_can_be_deactivated(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager))
    user_set_roles(actor=actor_for(manager), user=user, roles=["frontdesk"], active=False)
    user.refresh_from_db()
    assert not user.is_active


def test_setting_an_unknown_role_is_refused_and_nothing_changes(org: Organization, manager: User) -> None:
    user = create(org, actor_for(manager))
    with pytest.raises(ValidationError):
        user_set_roles(actor=actor_for(manager), user=user, roles=["root"], active=True)
    assert User.objects.get(pk=user.pk).role_names == ["frontdesk"]
