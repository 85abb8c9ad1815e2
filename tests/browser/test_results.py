"""Lab results in the browser: the results page and the reconciliation queue pass axe (WCAG 2.2 AA), fit
1366×768, and a result is matched to a patient from the keyboard."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clinicdesk.labs.models import LabOrder, MatchStatus, ResultMatch
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD
from tests.labs.results_helpers import CMP, CORRECTED, PDF, alice, bob, cbc, file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_results_screens_have_no_wcag_aa_violations_and_fit_the_screen(page: Any, org: Any, frontdesk: Any,
                                                                          media_root: Any) -> None:
    amy = alice(org)
    for n, (day, hgb) in enumerate([("20250101", "10.9"), ("20250301", "12.4"), ("20250501", "13.2")]):
        file(org, cbc(n, day=day, hgb=hgb))
    patient = bob(org)
    file(org, CMP)
    file(org, CORRECTED)
    file(org, PDF)
    file(org, CMP.replace(b"LC20250314-0042", b"LC-OTHER-1").replace(b"LS000042", b"LS000043")
         .replace(b"SYNTHETIC^BOB^Q^JR", b"SYNTHETYC^BOBBY"))  # alike, not certain: waits for a match
    match = ResultMatch.objects.get(status=MatchStatus.NEEDS_REVIEW)
    log_in(page, frontdesk.username, PASSWORD)
    for url in (f"/patients/{amy.pk}/", f"/labs/patients/{amy.pk}/results/", f"/labs/patients/{patient.pk}/results/",
                "/labs/reconcile/", f"/labs/reconcile/{match.pk}/"):
        page.goto(url)
        assert axe_violations(page) == [], url
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, (url, width)
    page.goto(f"/labs/patients/{amy.pk}/results/")
    assert page.locator("#test-LN-718-7 svg.sparkline circle").count() == 3
    page.screenshot(path=str(media_root / "results.png"), full_page=True)


def test_a_result_is_matched_from_the_queue_with_the_keyboard(page: Any, org: Any, frontdesk: Any) -> None:
    patient = bob(org, birth_date=date(1965, 1, 7))
    [match] = file(org, CMP)
    log_in(page, frontdesk.username, PASSWORD)
    page.get_by_role("link", name="Results to match 1").click()
    page.wait_for_url("**/labs/reconcile/")
    page.locator("a.row-link").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/labs/reconcile/{match.pk}/")
    page.on("dialog", lambda dialog: dialog.accept())
    button = page.get_by_role("button", name=f"This is the patient: {patient.family_name}, {patient.given_name}")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/labs/reconcile/")
    assert "Filed Comprehensive metabolic panel under" in page.locator(".toasts").inner_text()
    assert LabOrder.objects.get().patient_id == patient.pk


def test_l_on_the_chart_opens_the_results(page: Any, org: Any, frontdesk: Any) -> None:
    amy = alice(org)
    file(org, cbc(1, day="20250101", hgb="10.9"))
    log_in(page, frontdesk.username, PASSWORD)
    page.goto(f"/patients/{amy.pk}/")
    page.keyboard.press("l")
    page.wait_for_url(f"**/labs/patients/{amy.pk}/results/")
    assert "HEMOGLOBIN" in page.locator("main").inner_text()
