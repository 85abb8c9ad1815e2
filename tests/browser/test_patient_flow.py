"""A coordinator's first minute: log in, find a patient from the keyboard, change a phone number."""

from __future__ import annotations

from typing import Any

import pytest

from clinicdesk.audit.models import AuditEvent
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_search_and_edit_a_phone_number(page: Any, frontdesk: Any, patient: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    page.keyboard.press("/")
    page.keyboard.type("oka chi")
    result = page.locator("#results a.row-link", has_text="Okafor, Chidi")
    result.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patients/{patient.pk}/")
    assert page.locator(".chart-header").inner_text().count(patient.mrn) == 1

    page.keyboard.press("e")
    page.wait_for_url(f"**/patients/{patient.pk}/edit/")
    phone = page.get_by_label("Mobile phone")
    assert phone.input_value() == "(217) 555-0142"
    phone.fill("217.555.0177")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/patients/{patient.pk}/")
    assert "Saved changes to Okafor, Chidi" in page.locator(".toasts").inner_text()
    assert "(217) 555-0177" in page.content()

    patient.refresh_from_db()
    assert patient.phone_mobile == "+12175550177"
    assert AuditEvent.objects.filter(action="update", patient_id=patient.pk, user_id=frontdesk.pk).exists()


def test_a_field_error_is_shown_next_to_the_field(page: Any, frontdesk: Any, patient: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/patients/{patient.pk}/edit/")
    page.get_by_label("Mobile phone").fill("12")
    page.get_by_role("button", name="Save changes").click()
    assert "is not a valid phone number" in page.locator(".has-error").inner_text()


def test_the_main_screens_have_no_wcag_aa_violations(page: Any, frontdesk: Any, patient: Any, coverage: Any) -> None:
    page.goto("/login/")
    assert axe_violations(page) == []
    log_in(page, frontdesk.username, PASSWORD)
    for url in ("/patients/?q=okafor", f"/patients/{patient.pk}/", f"/patients/{patient.pk}/edit/",
                "/patients/new/", f"/patients/{patient.pk}/coverages/new/"):
        page.goto(url)
        assert axe_violations(page) == [], url


def test_the_layout_fits_1366_by_768_without_horizontal_scrolling(page: Any, frontdesk: Any, patient: Any,
                                                                  coverage: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    for url in ("/patients/?q=okafor", f"/patients/{patient.pk}/", f"/patients/{patient.pk}/edit/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url


def test_question_mark_opens_the_shortcut_list(page: Any, frontdesk: Any) -> None:
    log_in(page, frontdesk.username, PASSWORD)
    page.locator("body").click()
    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()


def test_the_accessibility_check_does_catch_an_unlabelled_input(page: Any) -> None:
    page.set_content("<html lang=en><title>t</title><main><input type=text></main></html>")
    assert any(v["id"] == "label" for v in axe_violations(page))
