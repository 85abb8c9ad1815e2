"""Managers create accounts, set roles and keep practitioners."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from clinicdesk.staff.models import Practitioner, User
from tests.conftest import client_for


def test_a_manager_creates_an_account_with_a_role(manager: Any, org: Any) -> None:
    response = client_for(manager).post(reverse("staff:user_new"), {
        "last_name": "Reyes", "first_name": "Ana", "username": "areyes", "roles": ["billing"],
        "password": "long-enough-pass-9"})
    assert response.status_code == 302
    user = User.objects.get(username="areyes")
    assert (user.organization_id, user.role_names) == (org.pk, ["billing"])
    assert user.check_password("long-enough-pass-9")


def test_weak_passwords_and_taken_names_are_refused(manager: Any, frontdesk: Any) -> None:
    response = client_for(manager).post(reverse("staff:user_new"), {
        "last_name": "X", "first_name": "Y", "username": frontdesk.username.upper(), "roles": ["billing"],
        "password": "password"})
    html = response.content.decode()
    assert "That user name is taken." in html
    assert "This password is too short" in html


def test_changing_roles_takes_effect_and_a_manager_cannot_deactivate_themself(manager: Any, frontdesk: Any) -> None:
    client = client_for(manager)
    client.post(reverse("staff:user_edit", kwargs={"user_id": frontdesk.pk}), {"roles": ["billing"], "active": "on"})
    frontdesk.refresh_from_db()
    assert frontdesk.role_names == ["billing"]
    response = client.post(reverse("staff:user_edit", kwargs={"user_id": manager.pk}), {"roles": ["manager"]})
    assert "You cannot deactivate your own account." in response.content.decode()


def test_a_practitioner_with_a_wrong_npi_check_digit_is_refused(manager: Any, location: Any) -> None:
    data = {"family_name": "Ito", "given_name": "Ken", "npi": "1234567890", "locations": [location.pk], "active": "on"}
    response = client_for(manager).post(reverse("staff:practitioner_new"), data)
    assert "check digit is wrong" in response.content.decode()
    response = client_for(manager).post(reverse("staff:practitioner_new"), {**data, "npi": "1234567893"})
    assert response.status_code == 302
    assert list(Practitioner.objects.get(npi="1234567893").locations.all()) == [location]


def test_managers_of_another_practice_cannot_edit_our_staff(outsider: Any, frontdesk: Any) -> None:
    response = client_for(outsider).get(reverse("staff:user_edit", kwargs={"user_id": frontdesk.pk}))
    assert response.status_code == 404
