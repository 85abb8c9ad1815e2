"""Every intake and chart-update screen: anonymous users to login, each role exactly what its permissions allow,
other practices 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clinicdesk.staff.roles import ROLE_PERMISSIONS, Role
from tests.conftest import client_for, make_user

URLS: list[tuple[str, str, str]] = [
    ("intake:patient", "patient", "intake.view_formassignment"),
    ("intake:forms", "", "intake.view_formdefinition"),
    ("intake:form_new", "", "intake.add_formdefinition"),
    ("chartupdates:review", "patient", "chartupdates.view_proposedupdate"),
]


def _url(name: str, kind: str, patient: Any) -> str:
    return reverse(name, kwargs={"patient_id": patient.pk}) if kind else reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kind", "perm"), URLS)
def test_anonymous_users_are_sent_to_login(patient: Any, name: str, kind: str, perm: str) -> None:
    response = Client().get(_url(name, kind, patient))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *Role.values])
@pytest.mark.parametrize(("name", "kind", "perm"), URLS)
def test_each_role_gets_exactly_what_its_permissions_allow(org: Any, patient: Any, role: str | None, name: str,
                                                            kind: str, perm: str) -> None:
    user = make_user(org, role)
    allowed = role is not None and perm in ROLE_PERMISSIONS[role] and (
        not kind or "patients.view_patient" in ROLE_PERMISSIONS[role])
    assert client_for(user).get(_url(name, kind, patient)).status_code == (200 if allowed else 403), (role, name)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kind", "perm"), [u for u in URLS if u[1]])
def test_another_practice_cannot_reach_this_practices_patients(outsider: Any, patient: Any, name: str, kind: str,
                                                                 perm: str) -> None:
    assert client_for(outsider).get(_url(name, kind, patient)).status_code == 404
