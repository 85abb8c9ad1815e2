"""Coverage editing on the patient's chart, and the card images (served only through an audited view)."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.insurance.forms import CoverageForm
from clinicdesk.insurance.models import Coverage
from clinicdesk.insurance.services import coverage_new, coverage_save
from clinicdesk.patients import access
from clinicdesk.patients.views import chart_header
from clinicdesk.web.forms import apply_validation_error


def coverage_edit(request: HttpRequest, patient_id: int, coverage_id: int | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    perm = "insurance.change_coverage" if coverage_id else "insurance.add_coverage"
    patient = access.access_patient(actor=actor, patient_id=patient_id, perm=perm, purpose="coverage")
    coverage = (get_object_or_404(Coverage, pk=coverage_id, patient=patient) if coverage_id
                else coverage_new(patient=patient))
    form = CoverageForm(request.POST or None, request.FILES or None, instance=coverage,
                        organization=patient.organization)
    if request.method == "POST" and form.is_valid():
        try:
            saved = coverage_save(actor=actor, coverage=coverage, fields=form.model_fields(), cards=form.cards())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved {saved.get_priority_display().lower()} coverage "
                                      f"{saved.payer.name} {saved.member_id}.")
            return redirect("patients:chart", patient_id=patient.pk)
    return render(request, "insurance/coverage_form.html",
                  {"form": form, "patient": patient, "coverage": coverage, **chart_header(patient)})


def coverage_card(request: HttpRequest, patient_id: int, coverage_id: int, side: str) -> FileResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, perm="insurance.view_coverage",
                                    purpose=f"insurance card {side}")
    coverage = get_object_or_404(Coverage, pk=coverage_id, patient=patient)
    if side not in ("front", "back"):
        raise Http404("No such card side.")
    image = getattr(coverage, f"card_{side}")
    if not image:
        raise Http404("No card image on file.")
    content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    return FileResponse(image.open("rb"), content_type=content_type)
