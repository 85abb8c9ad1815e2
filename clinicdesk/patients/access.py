"""The one door to patient data: every read goes through here and is audited.

Each ``access_*`` function checks, in order: the permission, the organization, then records the read.
Denied attempts are audited too.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from clinicdesk.audit.models import Action, Outcome
from clinicdesk.audit.services import Actor, Entry, audit_record, audit_record_many
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import Terms
from clinicdesk.patients.selectors import SearchResult, patient_page, patient_search


def require_permission(actor: Actor, perm: str, *, patient_id: int | None = None, object_id: object = "") -> None:
    if actor.user is None or actor.organization_id is None or not actor.user.has_perm(perm):
        audit_record(actor=actor, action=Action.DENIED, object_type="Patient", object_id=object_id,
                     patient_id=patient_id, outcome=Outcome.DENIED, detail={"permission": perm})
        raise PermissionDenied(f"Your role does not allow this ({perm}).")


def access_patient(*, actor: Actor, patient_id: int, perm: str = "patients.view_patient",
                   purpose: str = "chart") -> Patient:
    """Load one patient of the actor's organization for ``purpose``, recording the read."""
    require_permission(actor, perm, object_id=patient_id)
    assert actor.organization_id is not None
    patient = (Patient.objects.select_related("primary_practitioner", "organization")
               .filter(pk=patient_id, organization_id=actor.organization_id).first())
    if patient is None:
        raise Http404("No such patient in this practice.")
    audit_record(actor=actor, action=Action.VIEW, object_type="Patient", object_id=patient.pk,
                 patient_id=patient.pk, detail={"purpose": purpose})
    return patient


def access_patient_search(*, actor: Actor, terms: Terms, limit: int = 25,
                          include_inactive: bool = True) -> SearchResult:
    """Search the actor's organization; each patient found is one audit event."""
    require_permission(actor, "patients.view_patient")
    assert actor.organization_id is not None
    result = patient_search(organization_id=actor.organization_id, terms=terms, limit=limit,
                            include_inactive=include_inactive)
    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(p.pk), patient_id=p.pk)
        for p in result.patients
    ])
    return result


def access_patient_page(*, actor: Actor, terms: Terms, extra: Q | None = None, offset: int = 0,
                        limit: int = 20) -> tuple[list[Patient], int]:
    """A page of an exact, paged search (the FHIR API) and the total; each patient on the page is one
    audit event (the total alone reveals no one)."""
    require_permission(actor, "patients.view_patient")
    assert actor.organization_id is not None
    page, total = patient_page(organization_id=actor.organization_id, terms=terms, extra=extra,
                               offset=offset, limit=limit)
    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(p.pk), patient_id=p.pk)
        for p in page
    ])
    return page, total


def access_patient_export(*, actor: Actor, patient: Patient, fmt: str) -> None:
    """Record that a patient's data left the system (print, PDF, FHIR bundle, …)."""
    audit_record(actor=actor, action=Action.EXPORT, object_type="Patient", object_id=patient.pk,
                 patient_id=patient.pk, detail={"format": fmt})


def access_recent_patients(*, actor: Actor, limit: int = 12) -> list[Patient]:
    """The patients this user opened most recently (their own trail), listed again as search hits."""
    from clinicdesk.audit.models import AuditEvent

    require_permission(actor, "patients.view_patient")
    assert actor.user is not None
    recent: list[int] = []
    views = (AuditEvent.objects.filter(user_id=actor.user.pk, action=Action.VIEW, object_type="Patient",
                                       organization_id=actor.organization_id)
             .order_by("-seq").values_list("patient_id", flat=True)[:200])
    for patient_id in views:
        if patient_id and patient_id not in recent:
            recent.append(patient_id)
        if len(recent) == limit:
            break
    by_id = Patient.objects.select_related("primary_practitioner").exclude(status="merged").in_bulk(recent)
    patients = [by_id[i] for i in recent if i in by_id]
    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(p.pk), patient_id=p.pk,
              detail={"list": "recent"}) for p in patients
    ])
    return patients
