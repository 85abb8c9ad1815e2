"""Files on inbox items: the type is read from the bytes (as for insurance cards), stored through Django storage."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.inbox.models import InboxAttachment, InboxItem

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# extension → content type served back
TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
         "heic": "image/heic", "tif": "image/tiff"}


def sniff(head: bytes) -> str | None:
    """The file type from its first 12 bytes (never from the name or type the client sent)."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # RIFF is also WAV and AVI
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:  # ISO media is also MP4 and MOV
        return "heic"
    if head[:4] in (b"II*\x00", b"MM\x00*"):  # faxes often arrive as TIFF
        return "tif"
    return None


def attachment_add(*, actor: Actor, item: InboxItem, upload: UploadedFile) -> InboxAttachment:
    """Attach a PDF or an image to the item."""
    if upload.size is not None and upload.size > settings.CLINICDESK_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "The file is larger than 10 MB."})
    head = upload.read(12)
    upload.seek(0)
    extension = sniff(head)
    if extension is None:
        raise ValidationError({"file": "Attach a PDF or an image (JPEG, PNG, WebP, HEIC, TIFF)."})
    name = (upload.name or "attachment").rsplit("/", 1)[-1][:120]
    attachment = InboxAttachment(item=item, name=name, content_type=TYPES[extension], size=upload.size or 0,
                                 uploaded_by=actor.user)
    with transaction.atomic():
        # Stored under the detected type: a client-chosen ".html" must not be served as a web page.
        attachment.file.save(f"attachment.{extension}", upload, save=False)
        attachment.full_clean()
        attachment.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="inbox.InboxAttachment",
                     object_id=attachment.pk, patient_id=item.patient_id, organization_id=item.organization_id,
                     detail={"item": item.pk, "content_type": attachment.content_type, "size": attachment.size})
    return attachment


def attachment_open(*, actor: Actor, attachment: InboxAttachment) -> None:
    """Record the download (the view has checked permission and organization)."""
    audit_record(actor=actor, action=Action.VIEW, object_type="inbox.InboxAttachment", object_id=attachment.pk,
                 patient_id=attachment.item.patient_id, organization_id=attachment.item.organization_id,
                 detail={"item": attachment.item_id})
