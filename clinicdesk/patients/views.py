"""Patient screens: search/list, chart, register (with duplicate guard), edit, merge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.patients import access
from clinicdesk.patients.chart import chart_sections
from clinicdesk.patients.forms import MergeForm, PatientForm
from clinicdesk.patients.models import Patient, PatientMerge, Status
from clinicdesk.patients.search import parse
from clinicdesk.patients.services import (
    PossibleDuplicate,
    patient_create,
    patient_merge,
    patient_unmerge,
    patient_update,
)
from clinicdesk.web.forms import apply_validation_error, current_organization


def patient_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.view_patient")
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    result = access.access_patient_search(actor=actor, terms=terms, limit=50) if query else None
    context = {"query": query, "result": result, "problems": terms.problems}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "patients/_results.html", context)
    recent = [] if query else access.access_recent_patients(actor=actor)
    return render(request, "patients/list.html", {**context, "recent": recent})


def patient_chart(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id)
    if patient.status == Status.MERGED and patient.merged_into_id:
        messages.info(request, f"{patient.display_name} ({patient.mrn}) was merged into this record.")
        return redirect("patients:chart", patient_id=patient.merged_into_id)
    coverages = patient.coverages.select_related("payer", "plan").order_by("status", "priority")
    merges = PatientMerge.objects.filter(target=patient).select_related("source", "merged_by", "undone_by")
    return render(request, "patients/chart.html", {
        "patient": patient, "coverages": coverages, "merges": merges, **chart_header(patient),
        "sections": [render_to_string(s.template, {"patient": patient, **s.context}, request=request)
                     for s in chart_sections(patient, request.user)],
    })


def chart_header(patient: Patient) -> dict[str, object]:
    """What every patient page shows on top: age, coverage status and alerts."""
    today = timezone.localdate(timezone=patient.organization.tz)
    in_force = [c for c in patient.coverages.select_related("payer") if c.is_in_force(today)]
    alerts = []
    if patient.alerts:
        alerts.append(("danger", patient.alerts))
    if patient.status == Status.DECEASED:
        alerts.append(("muted", f"Deceased {patient.deceased_date:%m/%d/%Y}" if patient.deceased_date else "Deceased"))
    if not in_force:
        alerts.append(("warning", "No active coverage"))
    return {"age": patient.age_on(today), "coverage_in_force": in_force, "header_alerts": alerts}


def patient_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.add_patient")
    organization = current_organization(request)
    form = PatientForm(request.POST or None, organization=organization)
    candidates = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(actor=actor, organization=organization, fields=form.changed_fields(),
                                     allow_duplicate=request.POST.get("confirm_new") == "1")
        except PossibleDuplicate as dup:
            by_id = {p.pk: p for p in Patient.objects.filter(pk__in=[m.id for m in dup.matches])}
            candidates = [(by_id[m.id], m) for m in dup.matches if m.id in by_id]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Registered {patient.display_name}, MRN {patient.mrn}.")
            return redirect("patients:chart", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "candidates": candidates, "patient": None})


def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, perm="patients.change_patient",
                                    purpose="edit")
    form = PatientForm(request.POST or None, instance=patient, organization=patient.organization)
    if request.method == "POST" and form.is_valid():
        version = int(request.POST.get("version") or 0) or None
        try:
            patient_update(actor=actor, patient=patient, fields=form.changed_fields(), expected_version=version)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved changes to {patient.display_name}.")
            return redirect("patients:chart", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient, **chart_header(patient)})


def patient_merge_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    source = access.access_patient(actor=actor, patient_id=patient_id, perm="patients.merge_patient",
                                   purpose="merge")
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = Patient.objects.filter(organization_id=source.organization_id,
                                        mrn=form.cleaned_data["target_mrn"].strip().upper()).first()
        if target is None:
            form.add_error("target_mrn", "No patient of this practice has that MRN.")
        else:
            try:
                patient_merge(actor=actor, source=source, target=target, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"Merged {source.mrn} into {target.mrn}. This can be undone from "
                                          f"{target.display_name}'s chart.")
                return redirect("patients:chart", patient_id=target.pk)
    return render(request, "patients/merge.html", {"form": form, "patient": source, **chart_header(source)})


@require_POST
def patient_unmerge_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.merge_patient")
    merge = get_object_or_404(PatientMerge, pk=merge_id, organization_id=actor.organization_id)
    try:
        source = patient_unmerge(actor=actor, merge=merge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("patients:chart", patient_id=merge.target_id)
    messages.success(request, f"Merge undone: {source.display_name} ({source.mrn}) is a separate record again.")
    return redirect("patients:chart", patient_id=source.pk)


