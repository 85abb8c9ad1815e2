"""Front desk books from a patient's chart; the day view and booking page pass axe and fit 1366×768."""
# ruff: noqa: F811  (the scheduling fixtures are imported by name and used as arguments)

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.services import appointment_book, resource_for_practitioner
from clinicdesk.staff.models import Practitioner
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD, make_patient
from tests.scheduling.conftest import Clinic, add_blocks, book_kwargs, clinic, local, monday  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent / "screenshots"


def _shot(page: Any, name: str) -> None:
    """A picture for a human to look at, when CLINICDESK_SCREENSHOTS is set."""
    import os

    if os.environ.get("CLINICDESK_SCREENSHOTS"):
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_front_desk_books_from_the_chart(page: Any, frontdesk: Any, clinic: Clinic, patient: Any,
                                        monday: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.locator("body").click()
    page.keyboard.press("b")
    page.wait_for_url(f"**/schedule/book/?patient={patient.pk}")
    page.get_by_label("Appointment type").select_option(label="Follow-up")
    page.get_by_label("Not before").fill(monday.strftime("%m/%d/%Y"))
    page.get_by_label("Reason for visit").fill("Knee pain")
    page.get_by_role("button", name="Find times").click()
    first = page.get_by_role("button", name=f"Book Mon {monday.day} {monday:%b} 09:00 with Dr. Maria Lindqvist")
    first.wait_for()
    assert axe_violations(page) == []
    _shot(page, "book")
    first.click()
    page.wait_for_url("**/schedule/appointments/*/")
    toast = page.locator(".toasts").inner_text()
    assert f"Booked Mon {monday.day} {monday:%b} 09:00 with Dr. Maria Lindqvist, MD at Main Street" in toast
    appointment = Appointment.objects.get(patient=patient)
    assert (appointment.start, appointment.reason, appointment.status) == (local(monday, 9), "Knee pain", "booked")
    _shot(page, "appointment")


def test_the_day_view_is_accessible_and_fits_with_eight_practitioners(page: Any, frontdesk: Any, clinic: Clinic,
                                                                      org: Any, patient: Any, monday: Any) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9)))
    for i in range(7):
        doc = Practitioner.objects.create(organization=org, family_name=f"Vandenberghe-{i}", given_name="Alexandra",
                                          prefix="Dr.", credentials="MD")
        add_blocks(resource_for_practitioner(doc), clinic.location, time(8), time(16, 30))
        appointment_book(actor=Actor.system(), patient=make_patient(org, family_name=f"Rasmussen{i}"),
                         appointment_type=clinic.follow_up, practitioner=doc, location=clinic.location,
                         start=local(monday, 8 + i))
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/schedule/?date={monday.isoformat()}&location={clinic.location.pk}")
    assert page.locator(".sched thead th").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    _shot(page, "day")
    page.keyboard.press("]")
    page.wait_for_url(f"**date={(monday + timedelta(days=1)).isoformat()}*")
    page.keyboard.press("[")
    page.wait_for_url(f"**date={monday.isoformat()}*")
    # the 30-second refresh replaces the grid but leaves the keyboard focus where it was
    link = page.get_by_role("link", name="09:00 Okafor, Chidi FU Booked")
    link.focus()
    focused = page.evaluate("document.activeElement.id")
    with page.expect_response(lambda r: "/schedule/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.evaluate("htmx.ajax('GET', document.getElementById('day-grid').getAttribute('hx-get'), "
                      "{target: '#day-grid', swap: 'innerHTML'})")
    page.wait_for_timeout(200)
    assert page.evaluate("document.activeElement.id") == focused


def test_an_open_cell_books_after_finding_the_patient(page: Any, frontdesk: Any, clinic: Clinic, patient: Any,
                                                      monday: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/schedule/?date={monday.isoformat()}&location={clinic.location.pk}")
    page.get_by_role("link", name=f"book Dr. Maria Lindqvist, MD Mon {monday.day} {monday:%b} 10:00").click()
    page.wait_for_url("**/schedule/book/?*")
    page.get_by_label("Find the patient").fill("okafor")
    page.get_by_role("link", name="Book for Okafor, Chidi").click()
    page.get_by_label("Appointment type").select_option(label="Follow-up")
    page.get_by_role("button", name="Find times").click()
    page.get_by_role("button", name=f"Book Mon {monday.day} {monday:%b} 10:00").click()
    page.wait_for_url("**/schedule/appointments/*/")
    assert Appointment.objects.get(patient=patient).start == local(monday, 10)
