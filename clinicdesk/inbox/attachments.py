"""Files on inbox items: the type is read from the bytes (as for insurance cards), stored through Django storage."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.inbox.models import InboxAttachment, InboxItem
from clinicdesk.lib.filetypes import HEAD_BYTES, HEIC, JPEG, PDF, PNG, TIFF, WEBP, sniff

# What may be attached: PDFs and the images phones, scanners and fax servers make.
ACCEPTED = (PDF, JPEG, PNG, WEBP, HEIC, TIFF)


def attachment_add(*, actor: Actor, item: InboxItem, upload: UploadedFile) -> InboxAttachment:
    """Attach a PDF or an image to the item."""
    if upload.size is not None and upload.size > settings.CLINICDESK_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "The file is larger than 10 MB."})
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = sniff(head, ACCEPTED)
    if kind is None:
        raise ValidationError({"file": "Attach a PDF or an image (JPEG, PNG, WebP, HEIC, TIFF)."})
    name = (upload.name or "attachment").rsplit("/", 1)[-1][:120]
    attachment = InboxAttachment(item=item, name=name, content_type=kind.content_type, size=upload.size or 0,
                                 uploaded_by=actor.user)
    with transaction.atomic():
        # Stored under the detected type: a client-chosen ".html" must not be served as a web page.
        attachment.file.save(f"attachment.{kind.extension}", upload, save=False)
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
