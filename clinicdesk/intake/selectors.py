"""Reads: form definitions available to a practice, a patient's assignments and responses."""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from clinicdesk.intake import questionnaire as q
from clinicdesk.intake.models import AssignmentStatus, FormAssignment, FormDefinition, FormResponse


def forms_outstanding(*, patient: Any, appointment: Any = None) -> list[FormAssignment]:
    """The patient's assigned forms not yet completed (nor cancelled), oldest first.

    With ``appointment``: those for that appointment plus those for no appointment in particular.
    Each has ``.title`` (the form's title) and ``.status`` (``assigned`` or ``in_progress``).
    """
    rows = FormAssignment.objects.filter(
        patient=patient, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS],
    ).select_related("form")
    if appointment is not None:
        rows = rows.filter(Q(appointment=appointment) | Q(appointment__isnull=True))
    return list(rows.order_by("created_at", "pk"))


def assignments_for_patient(*, patient: Any) -> list[FormAssignment]:
    return list(FormAssignment.objects.filter(patient=patient).select_related("form", "appointment")
                .order_by("-created_at", "-pk"))


def standard_definitions_ensure() -> None:
    """Make sure the shipped forms (``intake/forms/*.json``) exist as definitions without an organization."""
    have = set(FormDefinition.objects.filter(organization__isnull=True).values_list("key", flat=True))
    for name in q.STANDARD_FORMS:
        if name in have:
            continue
        data = json.loads((q.FORMS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        try:
            with transaction.atomic():
                FormDefinition.objects.create(organization=None, key=name, version=1,
                                              title=data.get("title", name), questionnaire=data)
        except IntegrityError:  # created meanwhile by another request
            pass


def definitions_current(*, organization: Any) -> list[FormDefinition]:
    """The newest active version of every form a practice can use: its own forms, and the shipped forms it
    has not replaced with its own version."""
    standard_definitions_ensure()
    rows = (FormDefinition.objects.filter(Q(organization=organization) | Q(organization__isnull=True))
            .order_by("key", "-version"))
    newest: dict[str, FormDefinition] = {}
    for row in rows:
        chosen = newest.get(row.key)
        if chosen is None or (chosen.organization_id is None and row.organization_id is not None):
            newest[row.key] = row
    return sorted((d for d in newest.values() if d.active), key=lambda d: d.title.lower())


def definition_current(*, organization: Any, key: str) -> FormDefinition | None:
    return next((d for d in definitions_current(organization=organization) if d.key == key), None)


def definition_versions(*, organization: Any, key: str) -> QuerySet[FormDefinition]:
    return (FormDefinition.objects.filter(Q(organization=organization) | Q(organization__isnull=True), key=key)
            .order_by("-version", "organization"))


def definition_for(*, organization: Any, pk: int) -> FormDefinition | None:
    """One definition visible to the practice (its own or shipped), else None."""
    return (FormDefinition.objects.filter(Q(organization=organization) | Q(organization__isnull=True), pk=pk)
            .first())


def responses_for_patient(*, patient: Any) -> QuerySet[FormResponse]:
    return FormResponse.objects.filter(patient=patient).select_related("form", "assignment")
