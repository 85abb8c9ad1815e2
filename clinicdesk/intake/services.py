"""Every intake write: assigning forms, saving and submitting responses. Keyword-only, atomic, audited.

A response is kept as the raw answers (so a draft resumes exactly as typed) and as the FHIR
QuestionnaireResponse of its valid answers. Submitting checks every item (types, required items,
enableWhen, rules) with the questionnaire kernel; demographic and insurance answers then become
*proposed* chart updates (``chartupdates``), never written to the chart directly.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.chartupdates.services import proposals_create
from clinicdesk.insurance.models import Coverage, CoverageStatus
from clinicdesk.insurance.services import check_card, coverage_save
from clinicdesk.intake import questionnaire as q
from clinicdesk.intake.mapping import chart_changes
from clinicdesk.intake.models import (
    AssignmentStatus,
    FormAssignment,
    FormDefinition,
    FormResponse,
    FormResponseCard,
    ResponseSource,
    ResponseStatus,
)
from clinicdesk.patients.models import Patient


class FormInvalid(Exception):
    """The answers cannot be submitted; ``problems`` says why, item by item."""

    def __init__(self, problems: list[q.Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return float(value) if "." in str(value) else int(str(value))  # Decimal


def _raw_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Only string keys, and values as strings or lists of strings (what a form posts)."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if not isinstance(key, str) or q.parse_key(key) is None:
            continue
        if isinstance(value, list | tuple):
            out[key] = [str(v) for v in value if v not in (None, "")]
        elif value not in (None, ""):
            out[key] = value if isinstance(value, bool) else str(value)
    return out


def definition_of(form: FormDefinition) -> q.Questionnaire:
    return q.load(form.questionnaire)


def form_assign(*, actor: Actor, patient: Patient, form: FormDefinition, appointment: Any = None,
                due_date: date | None = None) -> FormAssignment:
    if form.organization_id not in (None, patient.organization_id):
        raise ValidationError({"form": "That form belongs to another practice."})
    if appointment is not None and appointment.patient_id != patient.pk:
        raise ValidationError({"appointment": "That appointment is another patient's."})
    if not form.active:
        raise ValidationError({"form": "That form is no longer in use."})
    assignment = FormAssignment(organization_id=patient.organization_id, patient=patient, form=form,
                                appointment=appointment, due_date=due_date, created_by=actor.user)
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="intake.FormAssignment", object_id=assignment.pk,
                     patient_id=patient.pk, organization_id=patient.organization_id,
                     detail={"form": form.key, "version": form.version,
                             "appointment": appointment.pk if appointment is not None else None})
    return assignment


def form_assignment_cancel(*, actor: Actor, assignment: FormAssignment) -> FormAssignment:
    with transaction.atomic():
        row = FormAssignment.objects.select_for_update().get(pk=assignment.pk)
        if row.status == AssignmentStatus.COMPLETED:
            raise ValidationError("A completed form cannot be cancelled.")
        row.status = AssignmentStatus.CANCELLED
        row.updated_at = timezone.now()
        row.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="intake.FormAssignment", object_id=row.pk,
                     patient_id=row.patient_id, organization_id=row.organization_id, detail={"status": row.status})
    return row


def _locked_open(assignment: FormAssignment) -> FormAssignment:
    row = FormAssignment.objects.select_for_update().select_related("form", "patient").get(pk=assignment.pk)
    if not row.is_open:
        raise ValidationError(f"This form is {row.get_status_display().lower()}; it cannot be changed.")
    return row


def _response_for(row: FormAssignment, source: str, actor: Actor) -> FormResponse:
    response = FormResponse.objects.filter(assignment=row).first()
    if response is None:
        response = FormResponse(organization_id=row.organization_id, patient=row.patient, assignment=row,
                                form=row.form, source=source)
    response.source = source
    if actor.user is not None:
        response.author = actor.user
    return response


def _subject(patient: Patient) -> str:
    return f"Patient/{patient.pk}"


def response_save(*, actor: Actor, assignment: FormAssignment, answers: dict[str, Any],
                  source: str = ResponseSource.INTERVIEW) -> tuple[FormResponse, list[q.Problem]]:
    """Keep the answers as a draft (resumable); returns it and the problems a submit would report now."""
    raw = _raw_answers(answers)
    now = timezone.now()
    with transaction.atomic():
        row = _locked_open(assignment)
        questionnaire = definition_of(row.form)
        problems = q.validate(questionnaire, raw)
        response = _response_for(row, source, actor)
        response.answers = raw
        response.status = ResponseStatus.IN_PROGRESS
        response.resource = _json_ready(q.to_response(questionnaire, raw, subject_ref=_subject(row.patient),
                                                      authored=now, status="in-progress"))
        response.updated_at = now
        response.full_clean()
        response.save()
        if row.status == AssignmentStatus.ASSIGNED:
            row.status = AssignmentStatus.IN_PROGRESS
            row.updated_at = now
            row.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="intake.FormResponse", object_id=response.pk,
                     patient_id=row.patient_id, organization_id=row.organization_id,
                     detail={"status": "in-progress", "form": row.form.key, "source": source})
    return response, problems


def response_submit(*, actor: Actor, assignment: FormAssignment, answers: dict[str, Any],
                    source: str = ResponseSource.INTERVIEW,
                    cards: dict[str, UploadedFile] | None = None) -> FormResponse:
    """Complete the form: every item checked; FormInvalid (nothing saved) when any is wrong. Chart fields in the
    answers become proposed updates; card photos land on the patient's primary coverage (or wait on the response)."""
    raw = _raw_answers(answers)
    now = timezone.now()
    with transaction.atomic():
        row = _locked_open(assignment)
        questionnaire = definition_of(row.form)
        typed, problems = q.clean(questionnaire, raw)
        if problems:
            raise FormInvalid(problems)
        response = _response_for(row, source, actor)
        response.answers = raw
        response.status = ResponseStatus.COMPLETED
        response.resource = _json_ready(q.to_response(questionnaire, raw, subject_ref=_subject(row.patient),
                                                      authored=now, status="completed"))
        response.updated_at = response.completed_at = now
        response.full_clean()
        response.save()
        row.status = AssignmentStatus.COMPLETED
        row.updated_at = now
        row.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="intake.FormResponse", object_id=response.pk,
                     patient_id=row.patient_id, organization_id=row.organization_id,
                     detail={"status": "completed", "form": row.form.key, "source": source})
        changes = chart_changes(questionnaire.url, typed)
        if changes:
            proposals_create(actor=actor, patient=row.patient, source="intake",
                             reference=f"QuestionnaireResponse/{response.pk}", changes=changes)
        if cards:
            _store_cards(actor, row.patient, response, cards)
        if source == ResponseSource.PATIENT_LINK:
            _tell_the_desk(actor, row, response, proposed=len(changes))
    return response


def _tell_the_desk(actor: Actor, row: FormAssignment, response: FormResponse, *, proposed: int) -> None:
    """A form the patient sent in is work for the desk: one inbox item (routed like any other)."""
    from clinicdesk.inbox.models import Kind
    from clinicdesk.inbox.services import item_create

    body = f"{row.patient.display_name} submitted “{row.title}” through the form link."
    if proposed:
        body += " Some answers differ from the chart: review the proposed updates."
    item_create(actor=actor, organization=row.patient.organization, kind=Kind.FORM_SUBMISSION, category="intake",
                title=f"Form submitted: {row.title}", body=body, patient=row.patient,
                source=f"QuestionnaireResponse/{response.pk}")


def _store_cards(actor: Actor, patient: Patient, response: FormResponse, cards: dict[str, UploadedFile]) -> None:
    coverage = (Coverage.objects.filter(patient=patient, status=CoverageStatus.ACTIVE)
                .order_by("priority", "-effective_date", "pk").first())
    if coverage is not None:
        coverage_save(actor=actor, coverage=coverage, fields={}, cards=cards)
        return
    for side, upload in cards.items():
        extension = check_card(upload, side)  # a photo or a PDF, stored under its detected type
        card = FormResponseCard(organization_id=patient.organization_id, patient=patient, response=response, side=side)
        card.image.save(f"card.{extension}", upload, save=False)
        card.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="intake.FormResponseCard", object_id=card.pk,
                     patient_id=patient.pk, organization_id=patient.organization_id, detail={"side": side})


def response_create(*, actor: Actor, patient: Patient, form: FormDefinition, resource: dict[str, Any],
                    source: str = ResponseSource.API) -> FormResponse:
    """A QuestionnaireResponse received whole (the FHIR API): read back through the kernel and stored; a
    "completed" one must pass every check (FormInvalid otherwise)."""
    questionnaire = definition_of(form)
    answers = q.from_response(questionnaire, resource)
    status = resource.get("status", "completed")
    if status not in ResponseStatus.values:
        raise ValidationError({"status": "Only in-progress and completed responses can be created."})
    typed, problems = q.clean(questionnaire, answers)
    if status == ResponseStatus.COMPLETED and problems:
        raise FormInvalid(problems)
    now = timezone.now()
    raw = _raw_answers(_json_ready(typed))
    response = FormResponse(organization_id=patient.organization_id, patient=patient, form=form, source=source,
                            author=actor.user, answers=raw, status=status, updated_at=now,
                            completed_at=now if status == ResponseStatus.COMPLETED else None)
    response.resource = _json_ready(q.to_response(questionnaire, raw, subject_ref=_subject(patient), authored=now,
                                                  status=status))
    response.full_clean()
    with transaction.atomic():
        response.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="intake.FormResponse", object_id=response.pk,
                     patient_id=patient.pk, organization_id=patient.organization_id,
                     detail={"status": status, "form": form.key, "source": source})
    return response
