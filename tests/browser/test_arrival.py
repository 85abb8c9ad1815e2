"""The whole arrival in a real browser: walk-in patient → check-in → the board shows them waiting (also on a
second coordinator's screen, without reloading) → in room → check-out with the follow-up booked."""
# ruff: noqa: F811  (the scheduling fixtures are imported by name and used as arguments)

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from clinicdesk.frontdesk.models import Visit, WalkIn
from clinicdesk.scheduling.models import Appointment, Status
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD
from tests.frontdesk.conftest import open_all_day, rooms  # noqa: F401  (fixtures)
from tests.scheduling.conftest import CHICAGO, Clinic, clinic, monday  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parent / "screenshots"


def _shot(page: Any, name: str) -> None:
    """A picture for a human to look at, when CLINICDESK_SCREENSHOTS is set."""
    if os.environ.get("CLINICDESK_SCREENSHOTS"):
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _second_screen(browser: Any, live_server: Any, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    other = context.new_page()
    log_in(other, username, PASSWORD)
    return other


def test_walk_in_to_check_out_with_follow_up(page: Any, browser: Any, live_server: Any, frontdesk: Any,
                                            manager: Any, open_all_day: Clinic, rooms: Any, patient: Any,
                                            coverage: Any) -> None:
    clinic = open_all_day
    log_in(page, frontdesk.username, PASSWORD)
    # a coordinator at the other end of the desk watches the board
    watcher = _second_screen(browser, live_server, manager.username)
    watcher.goto("/frontdesk/")
    watcher.locator("section.fd-col-waiting").wait_for()

    # walk-in: find the patient, put them in the queue
    page.goto("/frontdesk/find/?q=okafor")
    page.get_by_role("link", name="Add Okafor as walk-in").click()
    page.get_by_label("Reason for the visit").fill("Sprained ankle")
    page.get_by_role("button", name="Add to queue").click()
    page.wait_for_url("**/frontdesk/?location=*")
    assert "Walk-ins waiting (1)" in page.locator(".fd-walkins").inner_text()
    assert axe_violations(page) == []
    _shot(page, "frontdesk-walk-in")

    # the next free time today with the practitioner, then the check-in screen
    page.get_by_label("Type for Okafor, Chidi").select_option(label="Follow-up")
    page.get_by_role("button", name="Assign Okafor").click()
    page.wait_for_url("**/frontdesk/appointments/*/check-in/")
    assert "Prairie Health Plan" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    _shot(page, "frontdesk-check-in")
    page.get_by_label("Identity confirmed (photo ID)").check()
    page.get_by_label("Consent to treat signed").check()
    page.get_by_label("Copay collected ($)").fill("25.00")
    page.get_by_label("Paid by").select_option(label="Card")
    page.get_by_role("button", name="Mark arrived").click()
    page.wait_for_url("**/frontdesk/?location=*")
    waiting = page.locator("section.fd-col-waiting")
    assert "Okafor, Chidi" in waiting.inner_text() and "waiting" in waiting.inner_text()
    appointment = Appointment.objects.get(patient=patient, status=Status.ARRIVED)
    assert Visit.objects.get(appointment=appointment).arrived_at == WalkIn.objects.get().arrived_at

    # the other screen shows them waiting too, by itself
    watcher.locator("section.fd-col-waiting", has_text="Okafor, Chidi").wait_for(timeout=15_000)
    watcher.context.close()

    # to a room, with the practitioner, ready for check-out (each a partial update of the board)
    page.get_by_label("Room for Okafor, Chidi").select_option(label="Exam 2")
    page.get_by_role("button", name="To room Okafor, Chidi").click()
    page.locator("section.fd-col-roomed", has_text="Exam 2").wait_for()
    assert axe_violations(page) == []
    _shot(page, "frontdesk-board")
    page.get_by_role("button", name="With practitioner Okafor, Chidi").click()
    page.locator("section.fd-col-with_practitioner", has_text="Okafor, Chidi").wait_for()
    page.get_by_role("button", name="Ready for check-out Okafor, Chidi").click()
    page.locator("section.fd-col-ready", has_text="Okafor, Chidi").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == Status.IN_ROOM

    # check-out, then the follow-up in two weeks from the same screen
    page.get_by_role("link", name="Check out Okafor, Chidi").click()
    page.wait_for_url("**/check-out/")
    page.get_by_label("Follow-up requested").select_option(label="In 2 weeks")
    page.get_by_role("button", name="Check out", exact=True).click()
    page.wait_for_url("**/check-out/")
    assert "Checked out Okafor, Chidi" in page.locator(".toasts").inner_text()
    assert axe_violations(page) == []
    _shot(page, "frontdesk-check-out")
    page.get_by_role("button", name=re.compile("Find follow-up times")).click()
    page.wait_for_url("**/schedule/book/?*")
    earliest = timezone.now().astimezone(CHICAGO).date() + timedelta(weeks=2)
    first = page.get_by_role("button", name=re.compile(r"^Book .* with Dr\. Maria Lindqvist")).first
    first.click()
    page.wait_for_url("**/schedule/appointments/*/")
    follow_up = Appointment.objects.filter(patient=patient, status=Status.BOOKED).get()
    assert follow_up.practitioner == clinic.practitioner
    assert follow_up.start.astimezone(CHICAGO).date() >= earliest

    page.goto(f"/frontdesk/appointments/{appointment.pk}/check-out/")
    assert "✓ Booked" in page.locator("main").inner_text()
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED
    page.goto("/frontdesk/")
    assert "Okafor, Chidi" in page.locator("section.fd-col-done").inner_text()
