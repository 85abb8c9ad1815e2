"""document_receive / document_upload: stored through Django storage, type from the bytes, into the inbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from clinicdesk.audit.models import AuditEvent
from clinicdesk.documents.models import Document, DocumentStatus
from clinicdesk.documents.services import document_upload
from clinicdesk.inbox.models import InboxItem, Pool, RoutingRule
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for
from tests.documents.conftest import image_bytes, pdf_bytes, receive

pytestmark = pytest.mark.django_db


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_received_pdf_is_stored_unclassified_with_its_detected_type(frontdesk: User, org: Organization,
                                                                       media_root: Path) -> None:
    content = pdf_bytes()
    document = receive(frontdesk, org, "Okafor referral.pdf", content)
    document.refresh_from_db()
    assert document.status == DocumentStatus.UNCLASSIFIED
    assert (document.content_type, document.size, document.source) == ("application/pdf", len(content), "upload")
    assert document.original_name == "Okafor referral.pdf"
    assert document.file.read() == content
    # The stored name carries neither the patient nor the name it came with.
    assert "Okafor" not in document.file.name and document.file.name.endswith(".pdf")
    assert stored_files(media_root) == [Path(document.file.path)]


def test_each_received_document_becomes_an_inbox_item_routed_to_the_front_desk(frontdesk: User,
                                                                               org: Organization) -> None:
    document = receive(frontdesk, org, "fax.tif", image_bytes("TIFF", pages=2), source="fax")
    item = InboxItem.objects.get(pk=document.inbox_item_id)
    assert (item.kind, item.category, item.source) == ("document", "document", f"documents.Document:{document.pk}")
    assert item.assigned_pool is not None and item.assigned_pool.key == "front_desk"
    assert item.title == "Document to classify: fax.tif"
    assert document.pages == 2


def test_the_practices_routing_rules_decide_where_documents_go(frontdesk: User, org: Organization) -> None:
    records = Pool.objects.create(organization=org, key="records", name="Medical records")
    RoutingRule.objects.create(organization=org, order=1, category="document", target_kind="pool",
                               target_value="records")
    document = receive(frontdesk, org)
    assert InboxItem.objects.get(pk=document.inbox_item_id).assigned_pool == records


def test_receiving_is_audited_with_the_content_hash(frontdesk: User, org: Organization) -> None:
    document = receive(frontdesk, org, source="email")
    event = AuditEvent.objects.get(object_type="documents.Document", object_id=str(document.pk))
    assert (event.action, event.user_id, event.organization_id) == ("create", frontdesk.pk, org.pk)
    assert event.detail["sha256"] == document.sha256 and event.detail["source"] == "email"


def test_a_disguised_file_is_refused_and_leaves_nothing_behind(frontdesk: User, org: Organization,
                                                               media_root: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        receive(frontdesk, org, "lab.pdf", b"<html><body>click here</body></html>")
    assert refused.value.message_dict["file"] == [
        "“lab.pdf” is named as a PDF but its content is a web page (HTML). It was not accepted."]
    assert not Document.objects.exists() and not InboxItem.objects.exists()
    assert stored_files(media_root) == []


def test_a_damaged_image_is_refused(frontdesk: User, org: Organization) -> None:
    whole = image_bytes("PNG")
    with pytest.raises(ValidationError, match="damaged or cut off"):
        receive(frontdesk, org, "scan.png", whole[:40])


def test_a_file_over_the_limit_is_refused(frontdesk: User, org: Organization, settings: object) -> None:
    settings.CLINICDESK_MAX_DOCUMENT_BYTES = 1000  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match=r"the limit is 0\.0 MB"):
        receive(frontdesk, org, "big.pdf", pdf_bytes() + b"%" * 2000)


def test_a_channel_must_say_how_the_document_arrived(frontdesk: User, org: Organization) -> None:
    with pytest.raises(ValidationError, match="how the document arrived"):
        receive(frontdesk, org, source=" ")


def test_a_failure_after_storing_removes_the_stored_file(frontdesk: User, org: Organization, media_root: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("inbox down")

    monkeypatch.setattr("clinicdesk.inbox.services.item_create", broken)
    with pytest.raises(RuntimeError):
        receive(frontdesk, org)
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_an_upload_of_several_files_keeps_the_good_ones_and_names_each_refused_one(
        frontdesk: User, org: Organization) -> None:
    files = [SimpleUploadedFile("a.pdf", pdf_bytes()), SimpleUploadedFile("b.jpg", image_bytes("JPEG")),
             SimpleUploadedFile("c.pdf", b"GIF89a" + b"\x00" * 40),
             SimpleUploadedFile("d.png", image_bytes("TIFF"))]
    received, refused = document_upload(actor=actor_for(frontdesk), organization=org, files=files)
    assert [d.original_name for d in received] == ["a.pdf", "b.jpg"]
    assert refused == ["“c.pdf” is named as a PDF but its content is a GIF image. It was not accepted.",
                       "“d.png” is named as a PNG image but its content is a TIFF image. Check that this is the "
                       "right file, rename it to .tif and upload it again."]
    assert InboxItem.objects.filter(kind="document").count() == 2
