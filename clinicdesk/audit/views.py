"""The manager's audit page: who did what to which patient, when and from where."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinicdesk.audit.forms import AuditFilterForm
from clinicdesk.audit.selectors import AuditFilter, audit_events
from clinicdesk.patients.models import Patient
from clinicdesk.web.forms import current_organization


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    form = AuditFilterForm(request.GET or None)
    events = None
    patient = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        tz = org.tz
        if data.get("mrn"):
            patient = Patient.objects.filter(organization=org, mrn=data["mrn"].strip().upper()).first()
            if patient is None:
                form.add_error("mrn", "No patient of this practice has that MRN.")
        if not form.errors:
            f = AuditFilter(
                organization_id=org.pk, username=data.get("username", "").strip(),
                patient_id=patient.pk if patient else None, action=data.get("action", ""),
                since=datetime.combine(data["since"], time.min, tz) if data.get("since") else None,
                until=datetime.combine(data["until"] + timedelta(days=1), time.min, tz) if data.get("until") else None,
            )
            events = Paginator(audit_events(f), 100).get_page(request.GET.get("page"))
    if events:
        mrns = dict(Patient.objects.filter(pk__in={e.patient_id for e in events if e.patient_id})
                    .values_list("pk", "mrn"))
        for event in events:
            event.mrn = mrns.get(event.patient_id or 0)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/list.html", {"form": form, "events": events,
                                               "query": query.urlencode()})
