"""Every write to documents: keyword-only, validated, atomic, audited.

``document_receive`` is the one way in, whatever the channel (the upload screen, later fax, e-mail, HL7): the bytes
are checked, stored through Django's storage, and each document becomes an inbox item so it is routed to whoever
classifies documents. ``document_classify`` files it on a patient's chart; filing again (a wrong patient, a wrong
type) needs a reason and keeps the earlier filing as history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.documents import filetypes
from clinicdesk.documents.models import Classification, Document, DocumentStatus, DocumentType
from clinicdesk.documents.preview import image_problem, page_count
from clinicdesk.inbox import services as inbox
from clinicdesk.inbox.models import InboxItem, ItemStatus, Kind, Pool
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User

OBJECT_TYPE = "documents.Document"
INBOX_CATEGORY = "document"


def max_document_bytes() -> int:
    return int(getattr(settings, "CLINICDESK_MAX_DOCUMENT_BYTES", settings.CLINICDESK_MAX_UPLOAD_BYTES))


def _checked(filename: str, content: bytes) -> filetypes.FileType:
    try:
        kind = filetypes.check(filename, content, max_bytes=max_document_bytes())
    except filetypes.Refused as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if kind.content_type.startswith("image/") and (problem := image_problem(content)):
        raise ValidationError({"file": f"“{filename or 'The file'}” {problem}."})
    return kind


def document_receive(*, actor: Actor, organization: Organization, filename: str, content: bytes,
                     source: str) -> Document:
    """Store a received file as an unclassified document and put it in the inbox; refuse what is not a
    PDF/PNG/JPEG/TIFF (judged by its content) with a ValidationError on "file"."""
    source = source.strip()
    if not source:
        raise ValidationError({"source": "Say how the document arrived (upload, fax, email, …)."})
    filename = (filename or "").strip()[:255]
    kind = _checked(filename, content)
    document = Document(organization=organization, content_type=kind.content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), original_name=filename, source=source[:80],
                        received_at=timezone.now(), received_by=actor.user,
                        pages=page_count(content) if kind.content_type.startswith("image/") else None)
    # Stored under the detected type: a client-chosen name never decides how the file is served.
    document.file.save(f"document.{kind.extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.full_clean()
            document.save()
            document.inbox_item = inbox.item_create(
                actor=actor, organization=organization, kind=Kind.DOCUMENT, category=INBOX_CATEGORY,
                title=f"Document to classify: {filename or kind.label}",
                body=f"Received by {source}: {kind.label}, {_size(len(content))}.",
                source=f"documents.Document:{document.pk}")
            document.save(update_fields=["inbox_item"])
            audit_record(actor=actor, action=Action.CREATE, object_type=OBJECT_TYPE, object_id=document.pk,
                         organization_id=organization.pk,
                         detail={"source": document.source, "content_type": kind.content_type,
                                 "size": document.size, "sha256": document.sha256})
    except BaseException:
        document.file.delete(save=False)  # nothing refers to it: the row was rolled back
        raise
    return document


def document_upload(*, actor: Actor, organization: Organization,
                    files: Sequence[UploadedFile]) -> tuple[list[Document], list[str]]:
    """Receive several uploaded files, each on its own: the good ones are kept even when others are refused.
    Returns the documents and one message per refused file."""
    received: list[Document] = []
    refused: list[str] = []
    limit = max_document_bytes()
    for upload in files:
        name = upload.name or ""
        if upload.size is not None and upload.size > limit:  # refused before reading it into memory
            refused.append(f"“{name}” is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.1f} MB. "
                           "Scan it at a lower resolution or split it.")
            continue
        try:
            received.append(document_receive(actor=actor, organization=organization, filename=name,
                                              content=upload.read(), source="upload"))
        except ValidationError as exc:
            refused.extend(exc.messages)
    return received, refused


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1048576 else f"{size / 1048576:.1f} MB"


def _validate(document: Document, patient: Patient, doc_type: str, document_date: date,
              user: User | None, pool: Pool | None) -> None:
    errors: dict[str, str] = {}
    if patient.organization_id != document.organization_id:
        errors["patient"] = "Choose a patient of this practice."
    if doc_type not in DocumentType.values:
        errors["doc_type"] = "Choose a document type."
    today = timezone.localdate(timezone=document.organization.tz)
    if document_date > today:
        errors["document_date"] = "The document date is in the future; use the date written on the document."
    for assignee in (user, pool):
        if assignee is not None and assignee.organization_id != document.organization_id:
            errors["route"] = "Send it to someone in this practice."
    if errors:
        raise ValidationError(errors)


def document_classify(*, actor: Actor, document: Document, patient: Patient, doc_type: str, document_date: date,
                      title: str = "", reason: str = "", route_user: User | None = None,
                      route_pool: Pool | None = None, expected_version: int | None = None) -> Document:
    """File the document on the patient's chart (or file it again, with a reason), optionally sending its
    inbox item to a practitioner or pool for review; the item is done otherwise."""
    _validate(document, patient, doc_type, document_date, route_user, route_pool)
    title = title.strip() or DocumentType(doc_type).label
    reason = reason.strip()
    with transaction.atomic():
        document = Document.objects.select_for_update().select_related("organization").get(pk=document.pk)
        if expected_version is not None and document.version != expected_version:
            raise ValidationError("Someone else changed this document while you were looking at it. "
                                  "Reload the page to see how it is filed now.")
        if document.status == DocumentStatus.DISCARDED:
            raise ValidationError("This document was set aside as not for a patient. Put it back in the queue first.")
        previous = document.patient_id
        refiling = document.status == DocumentStatus.FILED
        if refiling and not reason:
            raise ValidationError({"reason": "This document is already filed. Say why you are changing it."})
        Classification.objects.create(document=document, patient=patient, previous_patient_id=previous,
                                      doc_type=doc_type, document_date=document_date, title=title[:200],
                                      reason=reason[:200], by=actor.user)
        document.status, document.patient = DocumentStatus.FILED, patient
        document.doc_type, document.document_date, document.title = doc_type, document_date, title[:200]
        document.version += 1
        document.full_clean(exclude=["file"])
        document.save()
        _audit_classification(actor, document, previous, refiling, reason)
        _update_inbox_item(actor, document, previous, refiling, reason, route_user, route_pool)
    return document


def _audit_classification(actor: Actor, document: Document, previous: int | None, refiling: bool,
                          reason: str) -> None:
    detail = {"doc_type": document.doc_type, "document_date": document.document_date.isoformat()
              if document.document_date else None, "title": document.title, "version": document.version}
    entries = [Entry(action=Action.UPDATE, object_type=OBJECT_TYPE, object_id=str(document.pk),
                     patient_id=document.patient_id,
                     detail={**detail, "classified": "refiled" if refiling else "filed", "reason": reason,
                             "previous_patient": previous})]
    if previous is not None and previous != document.patient_id:
        # The patient it was taken from gets an event of their own: their trail shows it left their chart.
        entries.append(Entry(action=Action.UPDATE, object_type=OBJECT_TYPE, object_id=str(document.pk),
                             patient_id=previous,
                             detail={"removed_from_chart": True, "moved_to_patient": document.patient_id,
                                     "reason": reason}))
    audit_record_many(actor=actor, entries=entries, organization_id=document.organization_id)


def _update_inbox_item(actor: Actor, document: Document, previous: int | None, refiling: bool, reason: str,
                       user: User | None, pool: Pool | None) -> None:
    if document.inbox_item_id is None:
        return
    item = InboxItem.objects.get(pk=document.inbox_item_id)
    patient = document.patient
    assert patient is not None and document.document_date is not None
    what = (f"Filed to {patient.display_name} ({patient.mrn}) as {document.get_doc_type_display()}, "
            f"dated {document.document_date:%m/%d/%Y}: “{document.title}”.")
    if refiling:
        moved = " (moved from another patient)" if previous != patient.pk else ""
        what = f"Re-filed{moved}. {what} Reason: {reason}"
    item = inbox.item_set_patient(actor=actor, item=item, patient=patient)
    inbox.item_comment(actor=actor, item=item, text=what)
    if user is not None or pool is not None:
        item = inbox.item_reassign(actor=actor, item=item, user=user, pool=pool, reason="document filed for review")
        if item.status == ItemStatus.DONE:
            inbox.item_update_status(actor=actor, item=item, status=ItemStatus.NEW)
    elif not refiling:
        inbox.item_update_status(actor=actor, item=item, status=ItemStatus.DONE)


def document_discard(*, actor: Actor, document: Document, reason: str) -> Document:
    """Set an unclassified document aside as not for any patient (a misdialled fax, an advertisement): kept,
    with who and why, out of the queue; its inbox item is done."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"discard_reason": "Say why this document is not for a patient."})
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.status != DocumentStatus.UNCLASSIFIED:
            raise ValidationError("Only a document waiting for classification can be set aside.")
        document.status, document.discard_reason = DocumentStatus.DISCARDED, reason[:200]
        document.discarded_at, document.discarded_by = timezone.now(), actor.user
        document.version += 1
        document.save()
        audit_record(actor=actor, action=Action.UPDATE, object_type=OBJECT_TYPE, object_id=document.pk,
                     organization_id=document.organization_id, detail={"discarded": reason})
        if document.inbox_item_id is not None:
            item = InboxItem.objects.get(pk=document.inbox_item_id)
            inbox.item_comment(actor=actor, item=item, text=f"Set aside as not for a patient: {reason}")
            inbox.item_update_status(actor=actor, item=item, status=ItemStatus.DONE)
    return document


def document_restore(*, actor: Actor, document: Document) -> Document:
    """Put a set-aside document back in the queue (and its inbox item back to new)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.status != DocumentStatus.DISCARDED:
            raise ValidationError("This document was not set aside.")
        document.status, document.version = DocumentStatus.UNCLASSIFIED, document.version + 1
        document.save(update_fields=["status", "version"])
        audit_record(actor=actor, action=Action.UPDATE, object_type=OBJECT_TYPE, object_id=document.pk,
                     organization_id=document.organization_id,
                     detail={"restored": True, "was_discarded_for": document.discard_reason})
        if document.inbox_item_id is not None:
            item = InboxItem.objects.get(pk=document.inbox_item_id)
            inbox.item_comment(actor=actor, item=item, text="Put back in the documents queue.")
            inbox.item_update_status(actor=actor, item=item, status=ItemStatus.NEW)
    return document
