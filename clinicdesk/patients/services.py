"""Every write to the patient registry: keyword-only, validated, atomic, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.lib.names import phonetic, tokens
from clinicdesk.lib.phones import InvalidPhoneNumber, normalize_phone
from clinicdesk.patients.matching import Match
from clinicdesk.patients.models import Patient, PatientMerge, SearchToken, Status
from clinicdesk.patients.selectors import patient_duplicate_candidates
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner

PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_work", "emergency_contact_phone", "guarantor_phone")
# Fields a caller may set; everything else (MRN, status bookkeeping, versions) is the service's.
EDITABLE_FIELDS = frozenset(
    f.name for f in Patient._meta.get_fields()
    if getattr(f, "editable", False) and f.name not in {
        "id", "organization", "mrn", "merged_into", "created_at", "updated_at", "version",
    }
) | {"primary_practitioner_id"}


class PossibleDuplicate(Exception):
    """The new patient likely matches existing records; the caller shows them before going on."""

    def __init__(self, matches: list[Match]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = matches


def _clean_fields(fields: dict[str, Any], region: str = "US") -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    cleaned = dict(fields)
    errors: dict[str, str] = {}
    for name, value in fields.items():
        # Plain values arrive as text from the API and imports: convert them as the model would, so
        # "1975-03-14" equals the stored date instead of counting as a change.
        field = Patient._meta.get_field(name)
        if not isinstance(field, models.Field) or field.is_relation or not isinstance(value, str):
            continue
        if value == "" and field.null:
            cleaned[name] = None
        elif value:
            try:
                cleaned[name] = field.to_python(value)
            except ValidationError as exc:
                errors[name] = exc.messages[0]
    for name in PHONE_FIELDS:
        if name in cleaned:
            try:
                cleaned[name] = normalize_phone(cleaned[name] or "", region)
            except InvalidPhoneNumber as exc:
                errors[name] = str(exc)
    for name in ("family_name", "given_name", "middle_name", "preferred_name", "email"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = " ".join(cleaned[name].split())
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_references(patient: Patient) -> None:
    """What the patient points at must belong to the same practice."""
    if patient.primary_practitioner_id and not Practitioner.objects.filter(
            pk=patient.primary_practitioner_id, organization_id=patient.organization_id).exists():
        raise ValidationError({"primary_practitioner": "Choose one of this practice's practitioners."})


def _next_mrn(organization: Organization) -> str:
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    number = org.next_mrn
    while Patient.objects.filter(organization=org, mrn=f"{org.mrn_prefix}{number}").exists():
        number += 1
    Organization.objects.filter(pk=org.pk).update(next_mrn=number + 1)
    return f"{org.mrn_prefix}{number}"


def search_tokens_for(patient: Patient) -> list[SearchToken]:
    """The search keys of a saved patient: folded name words, their phonetic keys, reversed phone digits.
    Bulk loaders (demo data, imports) use this too, so every path indexes alike."""
    words = tokens(patient.family_name, patient.given_name, patient.middle_name, patient.preferred_name)
    rows = {("n", w[:80]) for w in words}
    rows |= {("p", key) for w in words if len(w) > 1 and (key := phonetic(w))}
    rows |= {("t", "".join(ch for ch in p if ch.isdigit())[::-1]) for p in patient.phones}
    return [SearchToken(organization_id=patient.organization_id, patient=patient, kind=k, token=t) for k, t in rows]


def _reindex(patient: Patient) -> None:
    SearchToken.objects.filter(patient=patient).delete()
    SearchToken.objects.bulk_create(search_tokens_for(patient))


def patient_create(*, actor: Actor, organization: Organization, fields: dict[str, Any],
                   allow_duplicate: bool = False) -> Patient:
    """Register a patient. Raises PossibleDuplicate unless ``allow_duplicate`` (the caller has shown
    the candidates and the user confirmed a new person), and ValidationError for bad fields."""
    cleaned = _clean_fields(fields)
    patient = Patient(organization=organization, mrn="pending", **cleaned)
    patient.full_clean(exclude=["mrn"])
    _check_references(patient)
    if patient.status == Status.MERGED:
        raise ValidationError({"status": "A new patient cannot start out merged."})
    if not allow_duplicate:
        matches = patient_duplicate_candidates(organization_id=organization.pk, patient=patient)
        if matches:
            raise PossibleDuplicate(matches)
    with transaction.atomic():
        patient.mrn = _next_mrn(organization)
        patient.save()
        _reindex(patient)
        audit_record(actor=actor, action=Action.CREATE, object_type="Patient", object_id=patient.pk,
                     patient_id=patient.pk, organization_id=organization.pk,
                     detail={"mrn": patient.mrn, "duplicate_confirmed": allow_duplicate})
    return patient


def patient_update(*, actor: Actor, patient: Patient, fields: dict[str, Any],
                   expected_version: int | None = None) -> Patient:
    """Change a patient's fields. With ``expected_version`` a concurrent edit is refused
    instead of silently overwritten."""
    cleaned = _clean_fields(fields)
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        if expected_version is not None and current.version != expected_version:
            raise ValidationError("Someone else changed this patient meanwhile; reload to see their change.")
        changes = {}
        for name, value in cleaned.items():
            old = getattr(current, name)
            if old != value:
                changes[name] = {"from": _plain(old), "to": _plain(value)}
                setattr(current, name, value)
        if not changes:
            return current
        if "status" in changes and Status.MERGED in (changes["status"]["from"], changes["status"]["to"]):
            raise ValidationError({"status": "Use merge, or undo the merge, to change whether a record is merged."})
        current.full_clean()
        _check_references(current)
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        _reindex(current)
        audit_record(actor=actor, action=Action.UPDATE, object_type="Patient", object_id=current.pk,
                     patient_id=current.pk, organization_id=current.organization_id,
                     detail={"changed": changes})
    return current


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def patient_merge(*, actor: Actor, source: Patient, target: Patient, reason: str) -> PatientMerge:
    """Merge the duplicate ``source`` into ``target``. Nothing is deleted: the source is marked merged
    and points at the target, its coverages move over, and the merge records what moved so it can be
    undone."""
    from clinicdesk.insurance.models import Coverage

    if source.pk == target.pk:
        raise ValidationError("A patient cannot be merged into itself.")
    if source.organization_id != target.organization_id:
        raise ValidationError("Patients of different practices cannot be merged.")
    if actor.user is None:
        raise ValidationError("A merge needs a named member of staff.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are the same person."})
    with transaction.atomic():
        src = Patient.objects.select_for_update().get(pk=source.pk)
        dst = Patient.objects.select_for_update().get(pk=target.pk)
        if src.status == Status.MERGED or dst.status == Status.MERGED:
            raise ValidationError("One of these records has already been merged.")
        coverage_ids = list(Coverage.objects.filter(patient=src).values_list("pk", flat=True))
        Coverage.objects.filter(pk__in=coverage_ids).update(patient=dst)
        merge = PatientMerge.objects.create(
            organization_id=src.organization_id, source=src, target=dst, reason=reason.strip(),
            moved={"insurance.Coverage": coverage_ids, "previous_status": src.status}, merged_by=actor.user,
        )
        src.status, src.merged_into = Status.MERGED, dst
        src.version += 1
        src.save(update_fields=["status", "merged_into", "version"])
        SearchToken.objects.filter(patient=src).delete()
        for patient_id, role in ((src.pk, "source"), (dst.pk, "target")):
            audit_record(actor=actor, action=Action.MERGE, object_type="Patient", object_id=patient_id,
                         patient_id=patient_id, organization_id=src.organization_id,
                         detail={"merge_id": merge.pk, "role": role, "source": src.pk, "target": dst.pk,
                                 "reason": merge.reason, "moved": merge.moved})
    return merge


def patient_unmerge(*, actor: Actor, merge: PatientMerge) -> Patient:
    """Undo a merge: the source record comes back with exactly the records that moved."""
    from clinicdesk.insurance.models import Coverage

    with transaction.atomic():
        m = PatientMerge.objects.select_for_update().get(pk=merge.pk)
        if m.undone_at:
            raise ValidationError("This merge has already been undone.")
        src = Patient.objects.select_for_update().get(pk=m.source_id)
        Coverage.objects.filter(pk__in=m.moved.get("insurance.Coverage", [])).update(patient=src)
        src.status = m.moved.get("previous_status", Status.ACTIVE)
        src.merged_into = None
        src.version += 1
        src.save(update_fields=["status", "merged_into", "version"])
        _reindex(src)
        m.undone_at, m.undone_by = timezone.now(), actor.user
        m.save(update_fields=["undone_at", "undone_by"])
        for patient_id in (m.source_id, m.target_id):
            audit_record(actor=actor, action=Action.UNMERGE, object_type="Patient", object_id=patient_id,
                         patient_id=patient_id, organization_id=src.organization_id,
                         detail={"merge_id": m.pk, "source": m.source_id, "target": m.target_id})
    return src
