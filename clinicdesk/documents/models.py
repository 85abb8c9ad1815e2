"""Received documents (letters, reports, scans, faxes): an unclassified queue, then filed on a patient's chart."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DocumentType(models.TextChoices):
    REFERRAL = "referral", "Referral letter"
    LAB_REPORT = "lab_report", "Lab report"
    IMAGING_REPORT = "imaging_report", "Imaging report"
    CONSULT_NOTE = "consult_note", "Consult note"
    INSURANCE = "insurance", "Insurance correspondence"
    IDENTITY = "identity", "Identity document"
    CONSENT = "consent", "Consent form"
    OTHER = "other", "Other"


class DocumentStatus(models.TextChoices):
    UNCLASSIFIED = "unclassified", "Unclassified"
    FILED = "filed", "Filed"
    DISCARDED = "discarded", "Discarded"


def document_upload_to(instance: Document, filename: str) -> str:
    """The stored name: organization, month and a random part; never the patient or the name it arrived with."""
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now()
    return f"org{instance.organization_id}/documents/{stamp:%Y/%m}/{stamp:%d%H%M%S}-{secrets.token_hex(8)}.{extension}"


class Document(models.Model):
    organization = models.ForeignKey("practice.Organization", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.UNCLASSIFIED)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    content_type = models.CharField(max_length=40, help_text="Detected from the content, never from the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True, blank=True, help_text="Images only (a fax TIFF has several).")
    original_name = models.CharField(max_length=255, blank=True, help_text="The name it arrived with.")
    source = models.CharField(max_length=80, help_text='How it arrived: "upload", "fax", "email", "hl7" …')
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    inbox_item = models.ForeignKey("inbox.InboxItem", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # Set when filed (see the check constraint); a re-classification changes them and adds a Classification.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="documents")
    doc_type = models.CharField("document type", max_length=20, choices=DocumentType.choices, blank=True)
    document_date = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Junk (a misdialled fax, an advertisement) is set aside with a reason, never deleted; it can be put back.
    discarded_at = models.DateTimeField(null=True, blank=True)
    discarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    discard_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status", "received_at"], name="document_queue"),
            models.Index(fields=["patient", "document_date"], name="document_patient_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[DocumentStatus.UNCLASSIFIED, DocumentStatus.DISCARDED])
                | (Q(patient__isnull=False, document_date__isnull=False) & ~Q(doc_type="")),
                name="document_filed_is_classified"),
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or f"Document {self.pk}"

    @property
    def kind_label(self) -> str:
        from clinicdesk.documents.filetypes import ACCEPTED

        return next((k.label for k in ACCEPTED if k.content_type == self.content_type), self.content_type)


class Classification(models.Model):
    """One filing of a document, kept for good: a re-classification adds a row, never rewrites one."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="classifications")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    previous_patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    doc_type = models.CharField("document type", max_length=20, choices=DocumentType.choices)
    document_date = models.DateField()
    title = models.CharField(max_length=200)
    reason = models.CharField(max_length=200, blank=True, help_text="Required when changing a filed document.")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
