"""In Chromium: upload two files, classify from the keyboard, previews load under the CSP, no WCAG violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clinicdesk.documents.models import Document
from tests.browser.conftest import axe_violations, log_in
from tests.conftest import PASSWORD
from tests.documents.conftest import image_bytes, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_then_classify_from_the_keyboard(page: Any, frontdesk: Any, patient: Any,
                                                tmp_path: Path) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    scan, letter = tmp_path / "scan.png", tmp_path / "letter.pdf"
    scan.write_bytes(image_bytes("PNG"))
    letter.write_bytes(pdf_bytes())
    log_in(page, frontdesk.username, PASSWORD)
    page.goto("/documents/")
    assert axe_violations(page) == []
    page.get_by_label("Files (PDF, PNG, JPEG, TIFF)").set_input_files([str(scan), str(letter)])
    page.get_by_role("button", name="Upload for classification").click()
    assert "Received 2 documents" in page.locator(".toasts").inner_text()
    assert page.locator(".sidenav").get_by_text("Documents").inner_text().startswith("Documents 2")

    page.keyboard.press("c")
    first = Document.objects.get(original_name="scan.png")
    page.wait_for_url(f"**/documents/{first.pk}/")
    image = page.locator("img.doc-image")
    page.wait_for_function("document.querySelector('img.doc-image').complete")
    assert image.evaluate("i => i.naturalWidth") == 64
    assert axe_violations(page) == []
    page.keyboard.type("oka chi")  # the patient search has the focus
    page.locator("#patient-choices a.row-link", has_text="Okafor, Chidi").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/documents/{first.pk}/?patient={patient.pk}")
    assert page.evaluate("document.activeElement.name") == "doc_type"
    page.get_by_label("Document type").select_option("identity")
    page.get_by_label("Document date").fill("11/02/2026")
    page.keyboard.press("Enter")

    second = Document.objects.get(original_name="letter.pdf")
    page.wait_for_url(f"**/documents/{second.pk}/")
    assert "to Okafor, Chidi" in page.locator(".toasts").inner_text()
    page.locator("iframe.doc-frame").wait_for()
    first.refresh_from_db()
    assert (first.status, first.patient_id, first.title) == ("filed", patient.pk, "Identity document")
    assert refused == []
