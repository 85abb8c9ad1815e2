"""Writes for payers, plans and coverages: validated, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.insurance.models import Coverage, CoverageStatus, Payer
from clinicdesk.patients.models import Patient

CARD_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"}
_CARD_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"%PDF", b"\x00\x00\x00")


def _check_card(upload: UploadedFile, field: str) -> None:
    from django.conf import settings

    if upload.size and upload.size > settings.CLINICDESK_MAX_UPLOAD_BYTES:
        raise ValidationError({field: "The card image is larger than 10 MB; please take a smaller photo."})
    head = upload.read(12)
    upload.seek(0)
    if not head.startswith(_CARD_MAGIC):
        raise ValidationError({field: "The card must be a photo (JPEG, PNG, WebP, HEIC) or a PDF."})


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


def coverage_save(*, actor: Actor, coverage: Coverage, fields: dict[str, Any],
                  cards: dict[str, UploadedFile] | None = None) -> Coverage:
    """Create (``coverage.pk`` is None) or change a coverage; card images go through Django storage."""
    for name, upload in (cards or {}).items():
        _check_card(upload, name)
    for name, value in fields.items():
        setattr(coverage, name, value)
    if coverage.payer_id and coverage.payer.organization_id != coverage.organization_id:
        raise ValidationError({"payer": "Choose one of this practice's payers."})
    if coverage.plan_id and coverage.plan and coverage.plan.payer_id != coverage.payer_id:
        raise ValidationError({"plan": "That plan belongs to another payer."})
    coverage.full_clean(exclude=["card_front", "card_back"])
    _check_priority(coverage)
    with transaction.atomic():
        created = coverage.pk is None
        if not created:
            coverage.version += 1
            coverage.updated_at = timezone.now()
        for name, upload in (cards or {}).items():
            getattr(coverage, name).save(upload.name or "card", upload, save=False)
        coverage.save()
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="Coverage",
                     object_id=coverage.pk, patient_id=coverage.patient_id,
                     organization_id=coverage.organization_id,
                     detail={"fields": sorted(fields), "cards": sorted(cards or {})})
    return coverage


def coverage_new(*, patient: Patient) -> Coverage:
    return Coverage(organization_id=patient.organization_id, patient=patient)


def payer_save(*, actor: Actor, payer: Payer, fields: dict[str, Any]) -> Payer:
    for name, value in fields.items():
        setattr(payer, name, value)
    payer.full_clean()
    with transaction.atomic():
        created = payer.pk is None
        payer.save()
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="Payer",
                     object_id=payer.pk, organization_id=payer.organization_id)
    return payer
