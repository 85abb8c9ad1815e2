"""The five roles as groups with exactly their permissions (clinicdesk.staff.roles)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission

from clinicdesk.staff.models import User
from clinicdesk.staff.roles import ROLE_PERMISSIONS, Role, sync_role_groups


def group_perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_every_permission_a_role_names_exists(db: Any) -> None:
    named = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    existing = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")}
    assert named - existing == set()


@pytest.mark.parametrize("role", list(Role))
def test_each_role_group_has_exactly_its_permissions(db: Any, role: Role) -> None:
    assert group_perms(role) == set(ROLE_PERMISSIONS[role])


def test_there_is_one_group_per_role_and_no_permission_is_listed_twice(db: Any) -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert set(ROLE_PERMISSIONS) == set(Role)
    for perms in ROLE_PERMISSIONS.values():
        assert len(perms) == len(set(perms))


def test_only_managers_and_admins_may_merge_read_the_audit_trail_or_manage_staff(db: Any) -> None:
    for perm in ("patients.merge_patient", "audit.view_auditevent", "staff.manage_staff"):
        assert {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms} == {Role.MANAGER, Role.ADMIN}


def test_every_role_may_read_patients_and_reach_the_api(db: Any) -> None:
    for perms in ROLE_PERMISSIONS.values():
        assert {"patients.view_patient", "staff.use_api"} <= set(perms)


def test_billing_cannot_register_patients_and_front_desk_cannot_edit_payers(db: Any) -> None:
    assert "patients.add_patient" not in ROLE_PERMISSIONS[Role.BILLING]
    assert "insurance.change_payer" not in ROLE_PERMISSIONS[Role.FRONTDESK]
    assert "insurance.change_coverage" not in ROLE_PERMISSIONS[Role.CLINICIAN]


def test_syncing_again_restores_a_group_changed_by_hand(db: Any) -> None:
    group = Group.objects.get(name=Role.FRONTDESK)
    group.permissions.add(Permission.objects.get(codename="merge_patient"))
    group.permissions.remove(Permission.objects.get(codename="view_patient"))
    sync_role_groups()
    assert group_perms(Role.FRONTDESK) == set(ROLE_PERMISSIONS[Role.FRONTDESK])


def test_a_user_in_a_role_group_has_the_roles_permissions(frontdesk: User, manager: User) -> None:
    assert frontdesk.has_perm("patients.add_patient")
    assert not frontdesk.has_perm("patients.merge_patient")
    assert manager.has_perm("patients.merge_patient")
    assert frontdesk.role_names == ["frontdesk"]
    assert frontdesk.primary_role == "frontdesk"


def test_the_primary_role_of_a_user_with_two_roles_is_the_broader_one(frontdesk: User) -> None:
    frontdesk.groups.add(Group.objects.get(name=Role.MANAGER))
    assert frontdesk.role_names == ["frontdesk", "manager"]
    assert frontdesk.primary_role == "manager"


def test_a_user_without_a_role_has_no_primary_role(no_role_user: User) -> None:
    assert no_role_user.role_names == []
    assert no_role_user.primary_role == ""
    assert not no_role_user.has_perm("patients.view_patient")
