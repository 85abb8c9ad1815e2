"""Check-in and check-out screens, the patient search that leads to them, and the printed PDFs.

Every screen opens the patient through the audited door (``access_patient``); every PDF is an audited export.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.frontdesk import pdfs
from clinicdesk.frontdesk.forms import CheckInForm, CheckOutForm, FollowUpForm
from clinicdesk.frontdesk.models import Visit, WalkIn
from clinicdesk.frontdesk.selectors import follow_up_of, todays_appointments
from clinicdesk.frontdesk.services import visit_check_in, visit_check_out, visit_set_follow_up
from clinicdesk.frontdesk.views import require
from clinicdesk.insurance.models import Coverage, CoverageStatus
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse
from clinicdesk.patients.views import chart_header
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import Appointment, Status
from clinicdesk.web.forms import apply_validation_error


def _load(request: HttpRequest, appointment_id: int, *perms: str,
          purpose: str) -> tuple[Actor, Appointment, Patient, Visit | None]:
    actor, organization = require(request, *perms)
    appointment = get_object_or_404(
        Appointment.objects.select_related("appointment_type", "practitioner", "location__organization"),
        pk=appointment_id, organization_id=organization.pk)
    patient = access.access_patient(actor=actor, patient_id=appointment.patient_id, purpose=purpose)
    return actor, appointment, patient, Visit.objects.filter(appointment=appointment).select_related("room").first()


def _zone(appointment: Appointment) -> ZoneInfo:
    return ZoneInfo(location_timezone(appointment.location))


def _coverages(patient: Patient) -> list[Coverage]:
    return list(patient.coverages.filter(status=CoverageStatus.ACTIVE).select_related("payer", "plan"))


def _forms_outstanding(patient: Patient, appointment: Appointment) -> list[Any] | None:
    """The intake forms still missing, or None while intake does not track forms."""
    try:
        from clinicdesk.intake.selectors import forms_outstanding
    except ImportError:
        return None
    return list(forms_outstanding(patient=patient, appointment=appointment))


def _walk_in_arrival(appointment: Appointment) -> Any:
    walk_in = WalkIn.objects.filter(appointment=appointment).first()
    return walk_in.arrived_at if walk_in else None


def check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient, visit = _load(request, appointment_id, "frontdesk.add_visit",
                                               "frontdesk.change_visit", purpose="check-in")
    coverages = _coverages(patient)
    today = timezone.localdate(timezone=_zone(appointment))
    in_force = [c for c in coverages if c.is_in_force(today)]
    initial: dict[str, Any] = ({f: getattr(visit, f) for f in CheckInForm.base_fields} if visit else
                               {"copay_due": in_force[0].copay if in_force else Decimal("0.00"),
                                "copay_collected": Decimal("0.00")})
    form = CheckInForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            arrive = "arrive" in request.POST
            try:
                visit = visit_check_in(actor=actor, appointment=appointment, checklist=form.checklist(),
                                       payment=form.payment(), arrive=arrive,
                                       arrived_at=_walk_in_arrival(appointment))
            except ValidationError as exc:
                apply_validation_error(form, exc)
                status = 400
            else:
                if arrive:
                    messages.success(request, f"Checked in {patient.display_name}: waiting.")
                    return redirect(reverse("frontdesk:board") + f"?location={appointment.location_id}")
                messages.success(request, f"Saved the check-in details of {patient.display_name}.")
                return redirect("frontdesk:check_in", appointment_id=appointment.pk)
        else:
            status = 400
    appointment.refresh_from_db(fields=["status"])
    return render(request, "frontdesk/check_in.html", {
        "appointment": appointment, "patient": patient, "visit": visit, "form": form, **chart_header(patient),
        "coverages": coverages, "forms_outstanding": _forms_outstanding(patient, appointment),
        "start": appointment.start.astimezone(_zone(appointment)),
        "can_arrive": appointment.status in (Status.BOOKED, Status.CONFIRMED, Status.NO_SHOW),
    }, status=status)


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def face_sheet(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient, visit = _load(request, appointment_id, "frontdesk.view_visit",
                                               purpose="face sheet")
    kind = "label" if request.GET.get("kind") == "label" else "face sheet"
    access.access_patient_export(actor=actor, patient=patient, fmt=f"{kind} pdf")
    zone = _zone(appointment)
    if kind == "label":
        return _pdf(pdfs.visit_label(appointment=appointment, patient=patient, zone=zone), f"label-{patient.mrn}.pdf")
    body = pdfs.face_sheet(appointment=appointment, patient=patient, visit=visit, coverages=_coverages(patient),
                           zone=zone, printed=timezone.now())
    return _pdf(body, f"face-sheet-{patient.mrn}.pdf")


def follow_up_url(appointment: Appointment, weeks: int) -> str:
    """Find-available with this practitioner, type and place, from the earliest day asked for."""
    earliest = timezone.localdate(timezone=_zone(appointment)) + timedelta(weeks=weeks)
    return reverse("schedule:book") + "?" + urlencode({
        "patient": appointment.patient_id, "appointment_type": appointment.appointment_type_id,
        "practitioner": appointment.practitioner_id, "location": appointment.location_id,
        "earliest": earliest.strftime("%m/%d/%Y"), "reason": "Follow-up"})


def check_out(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient, visit = _load(request, appointment_id, "frontdesk.change_visit",
                                               purpose="check-out")
    initial = {"follow_up_weeks": visit.follow_up_weeks, "follow_up_note": visit.follow_up_note} if visit else {}
    form = CheckOutForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit_check_out(actor=actor, appointment=appointment,
                                collected_now=data["collected_now"] or Decimal("0.00"),
                                payment_method=data["payment_method"], payment_reference=data["payment_reference"],
                                follow_up_weeks=data["follow_up_weeks"], follow_up_note=data["follow_up_note"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
                status = 400
            else:
                messages.success(request, f"Checked out {patient.display_name}.")
                return redirect("frontdesk:check_out", appointment_id=appointment.pk)
        else:
            status = 400
    follow_up = follow_up_of(appointment)
    weeks = visit.follow_up_weeks if visit and visit.follow_up_weeks else None
    return render(request, "frontdesk/check_out.html", {
        "appointment": appointment, "patient": patient, "visit": visit, "form": form, **chart_header(patient),
        "start": appointment.start.astimezone(_zone(appointment)), "follow_up": follow_up,
        "follow_up_start": follow_up.start.astimezone(_zone(follow_up)) if follow_up else None,
        "follow_up_form": FollowUpForm(initial={"weeks": weeks or 2}),
        "follow_up_link": follow_up_url(appointment, weeks) if weeks else "",
        "can_check_out": appointment.status in (Status.ARRIVED, Status.IN_ROOM),
    }, status=status)


@require_POST
def follow_up(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Record the interval asked for and open find-available at the earliest day it allows."""
    actor, appointment, _, visit = _load(request, appointment_id, "frontdesk.change_visit",
                                         "scheduling.add_appointment", purpose="follow-up")
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose when the follow-up should be.")
        return redirect("frontdesk:check_out", appointment_id=appointment.pk)
    weeks = form.cleaned_data["weeks"]
    if visit is not None:
        visit_set_follow_up(actor=actor, visit=visit, weeks=weeks, note=visit.follow_up_note)
    return redirect(follow_up_url(appointment, weeks))


def summary(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient, visit = _load(request, appointment_id, "frontdesk.view_visit",
                                               purpose="visit summary")
    if appointment.status in (Status.CANCELLED, Status.RESCHEDULED, Status.NO_SHOW):
        raise Http404("There was no visit.")
    access.access_patient_export(actor=actor, patient=patient, fmt="visit summary pdf")
    body = pdfs.visit_summary(appointment=appointment, patient=patient, follow_up=follow_up_of(appointment),
                              visit=visit, zone=_zone(appointment), printed=timezone.now())
    return _pdf(body, f"visit-summary-{patient.mrn}.pdf")


def find_patient(request: HttpRequest) -> HttpResponse:
    """Check-in from a patient search: each patient found with today's appointments."""
    actor, organization = require(request, "frontdesk.view_visit")
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    rows: list[tuple[Patient, list[Appointment]]] = []
    if query and not terms.empty:
        result = access.access_patient_search(actor=actor, terms=terms, limit=15)
        rows = [(p, todays_appointments(patient_id=p.pk, organization_id=organization.pk, zone=organization.tz))
                for p in result.patients]
    return render(request, "frontdesk/find.html", {"query": query, "rows": rows, "problems": terms.problems})
