"""Messaging screens in the browser: the template editor's live preview re-renders as one types (htmx) and shows
merge-field errors; the log, outbox, policy and ad-hoc screens pass axe (WCAG 2.2 AA) and fit 1366×768."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD, make_patient
from tests.messaging.ui_helpers import book, reminder
from tests.scheduling.conftest import Clinic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_template_preview_follows_typing_and_flags_unknown_fields(page: Any, manager: Any, clinic: Clinic) -> None:
    log_in(page, manager.username, PASSWORD)
    page.goto("/messages/templates/new/")
    page.get_by_label("Subject").fill("Your visit on {appointment_date}")
    page.get_by_label("Body").fill("Hi {patient_first_name}, see you at {appointment_time}.")
    page.locator("#preview-body").filter(has_text="Hi Alex, see you at 10:00 AM.").wait_for()
    page.get_by_label("Body").fill("Hi {patient_name}")
    page.locator("#preview-errors").filter(has_text="Unknown merge field: {patient_name}").wait_for()
    assert axe_violations(page) == []


def test_messaging_screens_are_accessible_and_fit(page: Any, frontdesk: Any, manager: Any, clinic: Clinic,
                                                  monday: date) -> None:
    patient = make_patient(clinic.org, family_name="Okafor", given_name="Chidi", email="chidi@example.org",
                           consent_email=True)
    message = reminder(book(clinic, patient, monday), status="failed", error="550 No such user")
    log_in(page, manager.username, PASSWORD)
    for url in ("/messages/", f"/messages/{message.pk}/", "/messages/outbox/", "/messages/policies/",
                "/messages/policies/new/", "/messages/settings/",
                "/messages/send/", f"/messages/send/patient/{patient.pk}/", f"/patients/{patient.pk}/",
                f"/schedule/?date={monday.isoformat()}"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, (url, width)
    page.goto(f"/schedule/?date={monday.isoformat()}")
    page.locator("#failed-reminders").filter(has_text="did not reach the patient").wait_for()
