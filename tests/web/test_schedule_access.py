"""Every schedule URL refuses anonymous users, roles without the permission, and other practices."""
# ruff: noqa: F811  (the scheduling fixtures are imported by name and used as arguments)

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.services import appointment_book
from clinicdesk.staff.roles import ROLE_PERMISSIONS, Role
from tests.conftest import client_for, make_user
from tests.scheduling.conftest import Clinic, book_kwargs, clinic, local, monday  # noqa: F401  (fixtures)

VIEW, ADD, CHANGE = "scheduling.view_appointment", "scheduling.add_appointment", "scheduling.change_appointment"
# (url template, permission needed)
URLS = [
    ("/schedule/?date={day}", VIEW),
    ("/schedule/?date={day}&view=rooms", VIEW),
    ("/schedule/week/?practitioner={practitioner}&date={day}", VIEW),
    ("/schedule/print/?practitioner={practitioner}&date={day}", VIEW),
    ("/schedule/book/?patient={patient}", ADD),
    ("/schedule/book/patients/?q=okafor", ADD),
    ("/schedule/appointments/{appointment}/", VIEW),
    ("/schedule/appointments/{appointment}/reschedule/", CHANGE),
]
# Reach into one practice's data by id: another practice gets 404.
BY_ID = [u for u in URLS if "{practitioner}" in u[0] or "{appointment}" in u[0] or "{patient}" in u[0]]


@pytest.fixture
def booked(clinic: Clinic, patient: Any, monday: Any) -> Appointment:
    return appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9)))


def _url(template: str, booked: Appointment) -> str:
    return template.format(day=booked.start.date().isoformat(), practitioner=booked.practitioner_id,
                           patient=booked.patient_id, appointment=booked.pk)


@pytest.mark.parametrize(("url", "perm"), URLS)
def test_anonymous_users_are_sent_to_login(booked: Appointment, url: str, perm: str) -> None:
    response = Client().get(_url(url, booked))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", [None, *Role.values])
@pytest.mark.parametrize(("url", "perm"), URLS)
def test_each_role_gets_exactly_what_its_permissions_allow(org: Any, booked: Appointment, role: str | None,
                                                            url: str, perm: str) -> None:
    response = client_for(make_user(org, role)).get(_url(url, booked))
    allowed = role is not None and perm in ROLE_PERMISSIONS[role]
    assert response.status_code == (200 if allowed else 403), (role, url)


@pytest.mark.parametrize(("url", "perm"), BY_ID)
def test_another_practice_cannot_reach_this_practices_schedule(outsider: Any, booked: Appointment, url: str,
                                                                perm: str) -> None:
    assert client_for(outsider).get(_url(url, booked)).status_code == 404


@pytest.mark.parametrize("action", ["status", "cancel", "reschedule"])
def test_another_practice_cannot_change_an_appointment(outsider: Any, booked: Appointment, action: str) -> None:
    response = client_for(outsider).post(f"/schedule/appointments/{booked.pk}/{action}/",
                                         {"status": "arrived", "reason": "x", "by": "patient", "start": "x"})
    assert response.status_code == 404
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_billing_cannot_book(billing: Any, clinic: Clinic, patient: Any, monday: Any) -> None:
    response = client_for(billing).post("/schedule/book/", {
        "patient": patient.pk, "appointment_type": clinic.follow_up.pk, "practitioner": clinic.practitioner.pk,
        "location": clinic.location.pk, "start": local(monday, 10).isoformat()})
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_billing_cannot_change_status(billing: Any, booked: Appointment) -> None:
    response = client_for(billing).post(f"/schedule/appointments/{booked.pk}/status/", {"status": "arrived"})
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_clinician_may_mark_arrived_but_not_book(clinician: Any, booked: Appointment) -> None:
    client = client_for(clinician)
    assert client.post(f"/schedule/appointments/{booked.pk}/status/", {"status": "arrived"}).status_code == 302
    booked.refresh_from_db()
    assert booked.status == "arrived"
    assert client.get("/schedule/book/").status_code == 403


def test_opening_an_appointment_is_audited_as_a_read_of_its_patient(frontdesk: Any, booked: Appointment) -> None:
    client_for(frontdesk).get(f"/schedule/appointments/{booked.pk}/")
    event = AuditEvent.objects.filter(user_id=frontdesk.pk, action="view").latest("seq")
    assert (event.patient_id, event.detail["purpose"]) == (booked.patient_id, "appointment")
