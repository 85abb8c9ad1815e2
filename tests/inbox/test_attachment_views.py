"""Attachments on inbox items: the type comes from the bytes; downloads only through an audited view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.inbox.attachments import ACCEPTED
from clinicdesk.inbox.models import InboxAttachment
from clinicdesk.inbox.services import item_create
from clinicdesk.lib.filetypes import PDF as PDF_TYPE
from clinicdesk.lib.filetypes import PNG as PNG_TYPE
from clinicdesk.lib.filetypes import TIFF, sniff
from tests.conftest import actor_for, client_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def item(org: Any, frontdesk: Any, patient: Any) -> Any:
    return item_create(actor=actor_for(frontdesk), organization=org, kind="task", title="Fax from Dr. Ames",
                       patient=patient)  # no rules: the front desk pool (frontdesk is not a member)


def test_sniffing_reads_the_bytes_not_the_name() -> None:
    assert sniff(PDF[:12], ACCEPTED) is PDF_TYPE and sniff(PNG[:12], ACCEPTED) is PNG_TYPE
    assert sniff(b"II*\x00" + b"\x00" * 8, ACCEPTED) is TIFF  # faxes
    assert sniff(b"<html><body>", ACCEPTED) is None


def test_upload_then_download_is_audited(item: Any, frontdesk: Any, media_root: Path, patient: Any) -> None:
    client = client_for(frontdesk)  # created the item, so may work on it
    response = client.post(reverse("inbox:attach", args=[item.pk]),
                           {"file": SimpleUploadedFile("referral letter.pdf", PDF, content_type="text/html")})
    assert response.status_code == 302
    attachment = InboxAttachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.size) == ("referral letter.pdf",
                                                                           "application/pdf", len(PDF))
    assert attachment.file.name.endswith(".pdf") and "referral" not in attachment.file.name
    page = client.get(reverse("inbox:detail", args=[item.pk])).content.decode()
    assert "referral letter.pdf" in page
    download = client.get(reverse("inbox:download", args=[attachment.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="view", object_type="inbox.InboxAttachment",
                                     object_id=str(attachment.pk), patient_id=patient.pk).exists()


def test_a_web_page_renamed_to_pdf_is_refused(item: Any, frontdesk: Any, media_root: Path) -> None:
    response = client_for(frontdesk).post(reverse("inbox:attach", args=[item.pk]), {
        "file": SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script></html>")})
    assert response.status_code == 400
    assert "Attach a PDF or an image" in response.content.decode()
    assert not InboxAttachment.objects.exists()


def test_other_practices_cannot_download(item: Any, frontdesk: Any, outsider: Any, media_root: Path) -> None:
    client_for(frontdesk).post(reverse("inbox:attach", args=[item.pk]), {"file": SimpleUploadedFile("a.png", PNG)})
    attachment = InboxAttachment.objects.get()
    assert client_for(outsider).get(reverse("inbox:download", args=[attachment.pk])).status_code == 404
