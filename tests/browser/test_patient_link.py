"""The patient's form link on a phone: fill the registration form without logging in, checked with axe;
the link is refused once submitted, and after it expires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clinicdesk.chartupdates.models import ProposedUpdate
from clinicdesk.intake.link_services import form_link_create, link_path
from clinicdesk.intake.models import FormLink, FormResponse
from tests.browser.conftest import axe_violations
from tests.conftest import actor_for
from tests.intake.conftest import assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_patient_fills_registration_on_a_phone(phone: Any, frontdesk: Any, patient: Any) -> None:
    assignment = assign(frontdesk, patient, "new-patient")
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    phone.goto(link_path(link))
    assert phone.get_by_role("heading", name="Hello Chidi").is_visible()
    assert axe_violations(phone) == []
    phone.get_by_role("link", name="New patient registration").click()
    phone.get_by_label("First name").wait_for()
    assert axe_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    phone.get_by_label("First name").fill("Chidi")
    phone.keyboard.press("Tab")  # keyboard order: first → middle → last
    phone.keyboard.type("Emeka")
    phone.keyboard.press("Tab")
    phone.keyboard.type("Okafor")
    phone.get_by_label("Date of birth").fill("1975-03-14")
    phone.get_by_role("group", name="Sex assigned at birth").get_by_label("Male", exact=True).check()
    phone.get_by_label("Mobile phone").fill("217-555-0199")
    phone.get_by_label("Street address").fill("12 Elm St")
    phone.get_by_label("City").fill("Springfield")
    phone.get_by_label("State").fill("IL")
    phone.get_by_label("ZIP code").fill("62701")
    # A conditional question appears once its answer calls for it (htmx re-render; no inline script).
    assert phone.locator("#q-language-other").count() == 0
    phone.get_by_role("group", name="Preferred language").get_by_label("Other", exact=True).check()
    phone.locator("#q-language-other").wait_for()
    phone.get_by_label("Which language?").fill("Igbo")
    assert axe_violations(phone) == []
    phone.get_by_role("button", name="Submit").click()
    phone.get_by_role("heading", name="Thank you").wait_for()
    assert axe_violations(phone) == []

    response = FormResponse.objects.get(assignment=assignment)
    assert response.status == "completed" and response.source == "patient_link"
    assert ProposedUpdate.objects.filter(patient=patient, field_name="middle_name", proposed_value="Emeka").exists()

    answer = phone.goto(link_path(link))
    assert answer.status == 410
    assert "already been submitted" in phone.locator("main").inner_text()
    assert axe_violations(phone) == []


def test_an_expired_link_is_refused(phone: Any, frontdesk: Any, patient: Any) -> None:
    assign(frontdesk, patient, "hipaa-notice")
    link = form_link_create(actor=actor_for(frontdesk), patient=patient)
    FormLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = phone.goto(link_path(link))
    assert answer.status == 410
    assert "expired" in phone.locator("main").inner_text()
    assert axe_violations(phone) == []
