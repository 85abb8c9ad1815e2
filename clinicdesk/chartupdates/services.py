"""Writes for proposed chart updates. Accepting writes through the patients (or insurance) services, so the
search tokens, versions and audit trail stay right; nothing here changes a chart by itself."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.chartupdates.models import ProposalStatus, ProposedUpdate, Source
from clinicdesk.insurance.models import Coverage, CoverageStatus
from clinicdesk.insurance.services import coverage_save
from clinicdesk.lib.phones import InvalidPhoneNumber, normalize_phone
from clinicdesk.patients.models import Patient
from clinicdesk.patients.services import patient_update

# Patient fields a proposal may name, and the coverage fields (``coverage.<field>``, on the primary coverage).
PATIENT_FIELDS = frozenset({
    "family_name", "given_name", "middle_name", "suffix", "preferred_name", "birth_date", "sex", "gender_identity",
    "pronouns", "phone_mobile", "phone_home", "phone_work", "email", "preferred_language", "line1", "line2", "city",
    "state", "postal_code", "country", "emergency_contact_name", "emergency_contact_relationship",
    "emergency_contact_phone", "guarantor_relationship", "guarantor_name", "guarantor_phone", "deceased_date",
})
COVERAGE_FIELDS = frozenset({"coverage.member_id", "coverage.group_number"})
FIELDS = PATIENT_FIELDS | COVERAGE_FIELDS


def current_value(patient: Patient, field_name: str) -> str:
    """The chart's value of a field, as text."""
    if field_name in COVERAGE_FIELDS:
        coverage = _primary_coverage(patient)
        return str(getattr(coverage, field_name.split(".", 1)[1])) if coverage else ""
    value = getattr(patient, field_name)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _primary_coverage(patient: Patient) -> Coverage | None:
    return (Coverage.objects.filter(patient=patient, status=CoverageStatus.ACTIVE)
            .order_by("priority", "-effective_date", "pk").first())


def _normalized(name: str, value: str) -> str:
    """The value as the chart would store it (phones in E.164, single spaces), so equal values compare equal."""
    text = " ".join((value or "").split())
    if name.startswith("phone_") or name.endswith("_phone"):
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber:
            return text
    return text


def proposals_create(*, actor: Actor, patient: Patient, source: str, reference: str,
                     changes: dict[str, str]) -> list[ProposedUpdate]:
    """Propose new values for fields of a patient's chart; fields whose value is unchanged are skipped, and so is
    a value already pending for that field. Unknown fields raise ValidationError. Nothing is written to the chart."""
    if source not in Source.values:
        raise ValidationError({"source": f"Unknown source “{source}”."})
    unknown = sorted(set(changes) - FIELDS)
    if unknown:
        raise ValidationError({name: "Proposals cannot change this field." for name in unknown})
    created: list[ProposedUpdate] = []
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        for name, value in changes.items():
            proposed = _normalized(name, value)
            current = current_value(locked, name)
            if proposed == current or not proposed:
                continue
            if ProposedUpdate.objects.filter(patient=locked, field_name=name, proposed_value=proposed,
                                             status=ProposalStatus.PENDING).exists():
                continue
            row = ProposedUpdate(organization_id=locked.organization_id, patient=locked, source=source,
                                 reference=reference[:200], field_name=name, current_value=current,
                                 proposed_value=proposed)
            row.full_clean()
            row.save()
            created.append(row)
        audit_record_many(actor=actor, organization_id=locked.organization_id, entries=[
            Entry(action=Action.CREATE, object_type="chartupdates.ProposedUpdate", object_id=str(row.pk),
                  patient_id=locked.pk, detail={"field": row.field_name, "source": source, "reference": reference})
            for row in created])
    return created


def proposal_accept(*, actor: Actor, proposal: ProposedUpdate) -> ProposedUpdate:
    """Write the proposed value to the chart (through the patients/insurance services) and mark it accepted.
    ValidationError when the value is not acceptable for the field or the proposal was decided already."""
    with transaction.atomic():
        row = ProposedUpdate.objects.select_for_update().select_related("patient").get(pk=proposal.pk)
        _check_pending(row)
        if row.field_name in COVERAGE_FIELDS:
            coverage = _primary_coverage(row.patient)
            if coverage is None:
                raise ValidationError("There is no coverage on file; add the coverage from the chart first.")
            coverage_save(actor=actor, coverage=coverage, fields={row.field_name.split(".", 1)[1]: row.proposed_value})
        else:
            patient_update(actor=actor, patient=row.patient, fields={row.field_name: row.proposed_value})
        return _decide(actor, row, ProposalStatus.ACCEPTED)


def proposal_reject(*, actor: Actor, proposal: ProposedUpdate) -> ProposedUpdate:
    with transaction.atomic():
        row = ProposedUpdate.objects.select_for_update().get(pk=proposal.pk)
        _check_pending(row)
        return _decide(actor, row, ProposalStatus.REJECTED)


def _check_pending(row: ProposedUpdate) -> None:
    if row.status != ProposalStatus.PENDING:
        raise ValidationError(f"This proposal was {row.get_status_display().lower()} already.")


def _decide(actor: Actor, row: ProposedUpdate, status: str) -> ProposedUpdate:
    row.status = status
    row.decided_by = actor.user
    row.decided_at = timezone.now()
    row.full_clean()
    row.save(update_fields=["status", "decided_by", "decided_at"])
    detail: dict[str, Any] = {"field": row.field_name, "status": status, "source": row.source}
    audit_record(actor=actor, action=Action.UPDATE, object_type="chartupdates.ProposedUpdate", object_id=row.pk,
                 patient_id=row.patient_id, organization_id=row.organization_id, detail=detail)
    return row
