"""Writes for payers, plans and coverages: validated, atomic, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.insurance.models import Coverage, CoverageStatus, Payer
from clinicdesk.lib.filetypes import HEAD_BYTES, HEIC, JPEG, PDF, PNG, WEBP, sniff
from clinicdesk.patients.models import Patient
from clinicdesk.practice.services import structure_save

CARD_FILES = (JPEG, PNG, PDF, WEBP, HEIC)  # a phone's photo of the card, or a scan


def check_card(upload: UploadedFile, field: str) -> str:
    """Refuse what is not a card image; return the extension to store it under."""
    from django.conf import settings

    if upload.size and upload.size > settings.CLINICDESK_MAX_UPLOAD_BYTES:
        raise ValidationError({field: "The card image is larger than 10 MB; please take a smaller photo."})
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if (kind := sniff(head, CARD_FILES)) is None:
        raise ValidationError({field: "The card must be a photo (JPEG, PNG, WebP, HEIC) or a PDF."})
    return kind.extension


def _check_priority(coverage: Coverage) -> None:
    if coverage.status != CoverageStatus.ACTIVE:
        return
    clash = (Coverage.objects.filter(patient_id=coverage.patient_id, priority=coverage.priority,
                                     status=CoverageStatus.ACTIVE).exclude(pk=coverage.pk))
    for other in clash:
        if _overlaps(other, coverage):
            raise ValidationError({"priority": (
                f"The patient already has an active {coverage.get_priority_display().lower()} coverage "
                f"({other.payer.name}) for these dates. End it first, or choose another order.")})


def _overlaps(a: Coverage, b: Coverage) -> bool:
    """Open-ended dates count as forever in that direction."""
    a_before_b = a.end_date is not None and b.effective_date is not None and a.end_date < b.effective_date
    b_before_a = b.end_date is not None and a.effective_date is not None and b.end_date < a.effective_date
    return not (a_before_b or b_before_a)


# What a caller may set; the patient, organization and bookkeeping are the service's.
COVERAGE_FIELDS = frozenset({
    "payer", "payer_id", "plan", "plan_id", "priority", "member_id", "group_number", "relationship",
    "subscriber_family_name", "subscriber_given_name", "subscriber_birth_date", "effective_date", "end_date",
    "copay", "status",
})


def coverage_save(*, actor: Actor, coverage: Coverage, fields: dict[str, Any],
                  cards: dict[str, UploadedFile] | None = None) -> Coverage:
    """Create (``coverage.pk`` is None) or change a coverage; card images go through Django storage.

    The overlap check runs under a lock on the patient row, so two coordinators adding a primary
    coverage at the same moment cannot both succeed."""
    unknown = set(fields) - COVERAGE_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    extensions = {name: check_card(upload, name) for name, upload in (cards or {}).items()}
    for name, value in fields.items():
        setattr(coverage, name, value)
    start, end = coverage.effective_date, coverage.end_date
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise ValidationError({"end_date": "The end date is before the effective date."})
    if coverage.payer_id and coverage.payer.organization_id != coverage.organization_id:
        raise ValidationError({"payer": "Choose one of this practice's payers."})
    if coverage.plan_id and coverage.plan and coverage.plan.payer_id != coverage.payer_id:
        raise ValidationError({"plan": "That plan belongs to another payer."})
    coverage.full_clean(exclude=["card_front", "card_back"])
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=coverage.patient_id).first()
        _check_priority(coverage)
        created = coverage.pk is None
        if not created:
            coverage.version += 1
            coverage.updated_at = timezone.now()
        for name, upload in (cards or {}).items():
            # Stored under the detected type: a client-chosen ".html" must not be served as a web page.
            getattr(coverage, name).save(f"card.{extensions[name]}", upload, save=False)
        coverage.save()
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="Coverage",
                     object_id=coverage.pk, patient_id=coverage.patient_id,
                     organization_id=coverage.organization_id,
                     detail={"fields": sorted(fields), "cards": sorted(cards or {})})
    return coverage


def coverage_new(*, patient: Patient) -> Coverage:
    return Coverage(organization_id=patient.organization_id, patient=patient)


def payer_save(*, actor: Actor, payer: Payer, fields: dict[str, Any]) -> Payer:
    return structure_save(actor=actor, instance=payer, fields=fields, organization_id=payer.organization_id)
