"""A call comes in: take a phone message from the keyboard, find it in the pool, open it, mark it done."""

from __future__ import annotations

import re
from typing import Any

import pytest

from clinicdesk.inbox.models import InboxItem, PhoneMessage
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD
from tests.inbox.inbox_fixtures import standard_pools

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_message_from_the_keyboard_then_done_from_the_pool(page: Any, org: Any, frontdesk: Any,
                                                                  billing: Any, clinician: Any, practitioner: Any,
                                                                  patient: Any) -> None:
    standard_pools(org, frontdesk=frontdesk, billing=billing, clinician=clinician, practitioner=practitioner,
                   patient=patient)
    log_in(page, frontdesk.username, PASSWORD)
    page.goto("/inbox/")
    assert axe_violations(page) == []
    page.locator("body").click()
    page.keyboard.press("m")
    page.wait_for_url("**/inbox/phone/")
    page.keyboard.type("555-0142")  # the caller search has the focus
    page.locator("#caller-results a.row-link", has_text="Okafor, Chidi").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator(".caller-picked", has_text="Okafor").wait_for()
    assert axe_violations(page) == []
    reason = page.get_by_label("Reason")
    reason.focus()
    reason.select_option("appointment")  # a native select: the browser's own keys
    page.keyboard.press("Tab")
    page.keyboard.type("Wants to move Tuesday's visit to Thursday")
    page.keyboard.press("Tab")
    page.keyboard.type("217 555 0199")
    page.keyboard.press("Tab")
    page.keyboard.type("mornings")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/inbox/\d+/$"))
    assert "sent to Front desk" in page.locator(".toasts").inner_text()
    item = InboxItem.objects.get()
    assert item.patient_id == patient.pk and PhoneMessage.objects.get(item=item).callback_number == "+12175550199"
    assert axe_violations(page) == []

    page.goto("/inbox/pools/front_desk/")
    assert page.locator(".inbox-table a.row-link", has_text="Call from").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent").startswith("Call from")
    page.keyboard.press("x")  # ticks the row for a bulk action
    assert page.locator(".inbox-table input[type=checkbox]").first.is_checked()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/{item.pk}/")
    page.keyboard.press("e")
    page.locator(".toasts", has_text="is now done").wait_for()
    item.refresh_from_db()
    assert item.status == "done"


def test_the_routing_setup_screens_have_no_wcag_aa_violations(page: Any, org: Any, manager: Any, frontdesk: Any,
                                                               billing: Any, clinician: Any, practitioner: Any,
                                                               patient: Any) -> None:
    pools = standard_pools(org, frontdesk=frontdesk, billing=billing, clinician=clinician,
                           practitioner=practitioner, patient=patient)
    log_in(page, manager.username, PASSWORD)
    for url in ("/inbox/all/", "/inbox/setup/rules/", "/inbox/setup/rules/new/", "/inbox/setup/pools/",
                f"/inbox/setup/pools/{pools['billing'].pk}/", "/inbox/setup/absences/", "/inbox/setup/on-call/"):
        page.goto(url)
        assert axe_violations(page) == [], url
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
