"""Interview mode from the keyboard: a follow-up group appears as soon as its answer is given, another
instance of a repeating group is added with Enter, per-item errors show next to the item, then submit."""

from __future__ import annotations

from typing import Any

import pytest

from clinicdesk.intake.models import FormResponse
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD
from tests.intake.conftest import assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_medical_history_interview_from_the_keyboard(page: Any, frontdesk: Any, patient: Any) -> None:
    assignment = assign(frontdesk, patient, "medical-history")
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/intake/assignments/{assignment.pk}/")
    assert axe_violations(page) == []
    assert page.locator("#q-medications-0--med-name").count() == 0
    page.locator("#q-takes-medications-yes").focus()
    page.keyboard.press("Space")  # Yes: the medications group appears (htmx), no reload
    page.locator("#q-medications-0--med-name").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-medications-0--med-name"
    page.keyboard.type("Metformin")
    page.keyboard.press("Tab")
    page.keyboard.type("500 mg")
    page.locator("button", has_text="Add another: medications").focus()
    page.keyboard.press("Enter")
    page.locator("#q-medications-1--med-name").wait_for()
    assert page.evaluate("document.activeElement.id") == "q-medications-1--med-name"  # the cursor is there
    assert page.locator("#q-medications-0--med-name").input_value() == "Metformin"
    page.keyboard.type("Lisinopril")
    # A bad value gets its own message next to the item.
    page.locator("#q-height-in").fill("tall")
    page.locator("#q-has-allergies-no").focus()
    page.keyboard.press("Space")
    page.locator("#q-height-in_error").wait_for()
    assert "type a number" in page.locator("#q-height-in_error").inner_text()
    assert axe_violations(page) == []
    page.locator("#q-height-in").fill("70")
    page.keyboard.press("Tab")  # leaving the field saves it; the error goes away
    page.locator("#q-height-in_error").wait_for(state="detached")
    page.get_by_role("button", name="Submit form").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/intake/patients/{patient.pk}/")
    response = FormResponse.objects.get(assignment=assignment)
    assert response.status == "completed"
    assert response.answers["medications[1]/med-name"] == "Lisinopril"
    assert response.answers["height-in"] == "70"
