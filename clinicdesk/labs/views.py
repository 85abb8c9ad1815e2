"""Result screens on the patient's chart: the results page (tests, trends, corrections) and report downloads.

Every view is a read of patient data: the patient is loaded through ``patients.access`` (permission,
organization, audit) and the results shown are recorded as one more audit event.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.labs.models import LabReport
from clinicdesk.labs.results import patient_orders, summarize, test_groups
from clinicdesk.patients import access
from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient
from clinicdesk.patients.views import chart_header

RESULTS_PERM = "labs.view_labobservation"
ORDERS_PERM = "labs.view_laborder"
REPORTS_PERM = "labs.view_labreport"


def results_section(patient: Patient, user: Any) -> Section | None:
    """The chart's "Lab results" card: recent orders, abnormal and critical ones marked. The chart view has
    already audited the read of the patient (``access_patient``, purpose "chart") when sections are built."""
    if not user.has_perm(ORDERS_PERM):
        return None
    # Shown inside the chart, whose read patients.access has just audited (purpose "chart").
    return Section("labs/_chart_section.html", {"summaries": [summarize(o) for o in patient_orders(patient)[:8]]})


def patient_results(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    access.require_permission(actor, RESULTS_PERM, patient_id=patient_id, object_id=patient_id)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="lab results")
    groups = test_groups(patient)
    for group in groups:
        group.trend_svg = mark_safe(group.trend_svg)  # noqa: S308 - built by trends.sparkline from numbers only
    summaries = [summarize(o) for o in patient_orders(patient)[:50]]
    shown = [r.observation.pk for g in groups for r in g.rows]
    audit_record(actor=actor, action=Action.VIEW, object_type="LabObservation", object_id=patient.pk,
                 patient_id=patient.pk, detail={"purpose": "lab results", "observations": shown[:500],
                                                "count": len(shown)})
    return render(request, "labs/results.html", {"patient": patient, "groups": groups, "summaries": summaries,
                                                 **chart_header(patient)})


def report_download(request: HttpRequest, report_id: int) -> FileResponse:
    """The lab's report document (OBX type ED), only for a result filed under a patient of this practice."""
    actor = Actor.from_request(request)
    access.require_permission(actor, REPORTS_PERM, object_id=report_id)
    organization_id = actor.organization_id
    assert organization_id is not None  # require_permission refuses a user without a practice
    report = (LabReport.objects.select_related("order")
              .filter(pk=report_id, order__organization_id=organization_id, order__patient__isnull=False)
              .first())
    if report is None:
        raise Http404("No such report in this practice.")
    assert report.order.patient_id is not None
    patient = access.access_patient(actor=actor, patient_id=report.order.patient_id, purpose="lab report")
    audit_record(actor=actor, action=Action.EXPORT, object_type="LabReport", object_id=report.pk,
                 patient_id=patient.pk, detail={"format": report.mime_type, "order": report.order_id})
    try:
        handle = report.content.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The report file is missing from storage.") from exc
    return FileResponse(handle, content_type=report.mime_type or "application/octet-stream",
                        as_attachment=True, filename=report.filename)
