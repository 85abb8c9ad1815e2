"""Every patient-data URL refuses anonymous users, roles without the permission, and other practices."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.staff.roles import ROLE_PERMISSIONS, Role
from tests.conftest import client_for, make_user

# (url name, kwargs builder, permission needed, method)
URLS: list[tuple[str, str, str]] = [
    ("patients:list", "", "patients.view_patient"),
    ("patients:new", "", "patients.add_patient"),
    ("patients:chart", "patient", "patients.view_patient"),
    ("patients:edit", "patient", "patients.change_patient"),
    ("patients:merge", "patient", "patients.merge_patient"),
    ("insurance:coverage_new", "patient", "insurance.add_coverage"),
    ("insurance:coverage_edit", "coverage", "insurance.change_coverage"),
    ("staff:list", "", "staff.manage_staff"),
    ("staff:user_new", "", "staff.manage_staff"),
    ("audit:list", "", "audit.view_auditevent"),
    ("inbox:mine", "", "inbox.view_inboxitem"),
    ("inbox:phone", "", "inbox.add_inboxitem"),
    ("inbox:all", "", "inbox.view_all_inboxitem"),
    ("inbox:rules", "", "inbox.view_routingrule"),
    ("inbox:rule_new", "", "inbox.change_routingrule"),
    ("inbox:pools", "", "inbox.view_pool"),
    ("inbox:pool_new", "", "inbox.change_pool"),
    ("inbox:absences", "", "inbox.view_absence"),
    ("inbox:on_call", "", "inbox.view_oncall"),
    ("documents:queue", "", "documents.view_document"),
    ("labs:patient_results", "patient", "labs.view_labobservation"),
    ("labs:reconcile", "", "labs.view_resultmatch"),
    ("frontdesk:find", "", "frontdesk.view_visit"),
]


def _url(name: str, kind: str, coverage: Any) -> str:
    if kind == "patient":
        return reverse(name, kwargs={"patient_id": coverage.patient_id})
    if kind == "coverage":
        return reverse(name, kwargs={"patient_id": coverage.patient_id, "coverage_id": coverage.pk})
    return reverse(name)


@pytest.mark.parametrize(("name", "kind", "perm"), URLS)
def test_anonymous_users_are_sent_to_login(coverage: Any, name: str, kind: str, perm: str) -> None:
    url = _url(name, kind, coverage)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [None, *Role.values])
@pytest.mark.parametrize(("name", "kind", "perm"), URLS)
def test_each_role_gets_exactly_what_its_permissions_allow(org: Any, coverage: Any, role: str | None,
                                                            name: str, kind: str, perm: str) -> None:
    user = make_user(org, role)
    response = client_for(user).get(_url(name, kind, coverage))
    allowed = role is not None and perm in ROLE_PERMISSIONS[role]
    assert response.status_code == (200 if allowed else 403), (role, name)


@pytest.mark.parametrize(("name", "kind", "perm"), [u for u in URLS if u[1]])
def test_another_practice_cannot_reach_this_practices_patients(outsider: Any, coverage: Any, name: str,
                                                                 kind: str, perm: str) -> None:
    response = client_for(outsider).get(_url(name, kind, coverage))
    assert response.status_code == 404


def test_another_practices_search_does_not_find_our_patients(outsider: Any, patient: Any) -> None:
    response = client_for(outsider).get(reverse("patients:list"), {"q": patient.family_name})
    assert response.status_code == 200
    assert patient.mrn not in response.content.decode()


def test_a_refused_chart_read_is_audited_as_denied(billing: Any, org: Any, patient: Any) -> None:
    no_role = make_user(org, None)
    client_for(no_role).get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
    event = AuditEvent.objects.filter(user_id=no_role.pk).latest("seq")
    assert (event.action, event.outcome, event.object_id) == ("denied", "denied", str(patient.pk))


def test_billing_may_read_but_not_change_demographics(billing: Any, patient: Any) -> None:
    client = client_for(billing)
    assert client.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).status_code == 200
    response = client.post(reverse("patients:edit", kwargs={"patient_id": patient.pk}),
                           {"family_name": "Changed", "given_name": "X", "birth_date": "01/01/1970"})
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.family_name == "Okafor"


def test_unmerge_needs_the_merge_permission(frontdesk: Any) -> None:
    response = client_for(frontdesk).post(reverse("patients:unmerge", kwargs={"merge_id": 1}))
    assert response.status_code == 403
