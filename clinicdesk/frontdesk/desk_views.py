"""Walk-ins (queue, assign to the next free practitioner) and the visitor log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinicdesk.frontdesk.desk import (
    desk_settings_save,
    visitor_add,
    visitor_direct,
    visitor_leave,
    walkin_add,
    walkin_assign,
    walkin_leave,
)
from clinicdesk.frontdesk.forms import AssignForm, DirectForm, SettingsForm, VisitorForm, WalkInForm
from clinicdesk.frontdesk.models import FrontDeskSettings, VisitorEntry, WalkIn
from clinicdesk.frontdesk.selectors import visitors_today
from clinicdesk.frontdesk.views import require
from clinicdesk.patients import access
from clinicdesk.patients.views import chart_header
from clinicdesk.scheduling.views import pick_location
from clinicdesk.staff.models import User
from clinicdesk.web.forms import apply_validation_error


def _board(location_id: int) -> HttpResponse:
    return redirect(reverse("frontdesk:board") + f"?location={location_id}")


def walkin_new(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "frontdesk.add_walkin")
    raw = request.GET.get("patient", "") or request.POST.get("patient", "")
    if not raw.isdigit():
        messages.error(request, "Find the patient first, then add them to the walk-in queue.")
        return redirect("frontdesk:find")
    patient = access.access_patient(actor=actor, patient_id=int(raw), purpose="walk-in")
    location, locations = pick_location(request, organization)
    if request.method == "POST" and request.POST.get("location", "").isdigit():
        location = next((loc for loc in locations if loc.pk == int(request.POST["location"])), location)
    form = WalkInForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            walkin_add(actor=actor, location=location, patient=patient, reason=data["reason"],
                       appointment_type=data["appointment_type"],
                       preferred_practitioner=data["preferred_practitioner"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{patient.display_name} is in the walk-in queue at {location.name}.")
            return _board(location.pk)
    return render(request, "frontdesk/walkin_new.html", {
        "form": form, "patient": patient, **chart_header(patient), "location": location, "locations": locations,
    }, status=400 if form.errors else 200)


@require_POST
def walkin_assign_view(request: HttpRequest, walk_in_id: int) -> HttpResponse:
    actor, organization = require(request, "frontdesk.change_walkin", "scheduling.add_appointment")
    walk_in = get_object_or_404(WalkIn.objects.select_related("patient", "location"), pk=walk_in_id,
                                organization_id=organization.pk)
    form = AssignForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, f"{walk_in.patient.display_name}: choose the appointment type.")
        return _board(walk_in.location_id)
    try:
        appointment = walkin_assign(actor=actor, walk_in=walk_in,
                                    appointment_type=form.cleaned_data["appointment_type"],
                                    practitioner=form.cleaned_data["practitioner"])
    except ValidationError as exc:
        messages.error(request, f"{walk_in.patient.display_name}: {' '.join(exc.messages)}")
        return _board(walk_in.location_id)
    messages.success(request, f"{walk_in.patient.display_name} will see {appointment.practitioner.display_name}. "
                              "Check them in now.")
    return redirect("frontdesk:check_in", appointment_id=appointment.pk)


@require_POST
def walkin_leave_view(request: HttpRequest, walk_in_id: int) -> HttpResponse:
    actor, organization = require(request, "frontdesk.change_walkin")
    walk_in = get_object_or_404(WalkIn.objects.select_related("patient"), pk=walk_in_id,
                                organization_id=organization.pk)
    try:
        walkin_leave(actor=actor, walk_in=walk_in)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{walk_in.patient.display_name} left the walk-in queue.")
    return _board(walk_in.location_id)


def visitors(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "frontdesk.view_visitorentry")
    location, locations = pick_location(request, organization)
    raw = request.GET.get("patient", "") or request.POST.get("patient", "")
    patient = access.access_patient(actor=actor, patient_id=int(raw), purpose="visitor log") if raw.isdigit() else None
    initial = {"notify": True, **({"name": f"{patient.given_name} {patient.family_name}", "kind": "patient"}
                                  if patient else {})}
    form = VisitorForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST":
        access.require_permission(actor, "frontdesk.add_visitorentry")
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = visitor_add(actor=actor, location=location, name=data["name"], purpose=data["purpose"],
                                    kind=data["kind"], company=data["company"], host=data["host"],
                                    patient=patient, notify=data["notify"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                told = f" {entry.directed_to.display_name} has been told." if entry.directed_to else ""
                messages.success(request, f"Logged {entry.name}.{told}")
                return redirect(reverse("frontdesk:visitors") + f"?location={location.pk}")
    entries = visitors_today(location=location)
    return render(request, "frontdesk/visitors.html", {
        "form": form, "entries": entries, "location": location, "locations": locations, "patient": patient,
        "staff": list(User.objects.filter(organization=organization, is_active=True)
                      .order_by("last_name", "first_name")),
        "here": sum(1 for e in entries if e.left_at is None),
    }, status=400 if form.errors else 200)


@require_POST
def visitor_direct_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor, organization = require(request, "frontdesk.change_visitorentry")
    entry = get_object_or_404(VisitorEntry, pk=entry_id, organization_id=organization.pk)
    form = DirectForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, f"{entry.name}: choose whom to send them to.")
    else:
        try:
            visitor_direct(actor=actor, entry=entry, to=form.cleaned_data["to"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, f"{entry.name}: {' '.join(exc.messages)}")
        else:
            messages.success(request, f"{form.cleaned_data['to'].display_name} has been told that {entry.name} "
                                      "is here.")
    return redirect(reverse("frontdesk:visitors") + f"?location={entry.location_id}")


@require_POST
def visitor_leave_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor, organization = require(request, "frontdesk.change_visitorentry")
    entry = get_object_or_404(VisitorEntry, pk=entry_id, organization_id=organization.pk)
    try:
        visitor_leave(actor=actor, entry=entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{entry.name} has left.")
    return redirect(reverse("frontdesk:visitors") + f"?location={entry.location_id}")


def desk_settings(request: HttpRequest) -> HttpResponse:
    """The waiting limits and refresh of the board: practice settings, for those who change the practice."""
    actor, organization = require(request, "practice.change_organization")
    form = SettingsForm(request.POST or None, organization=organization,
                        initial={"amber_minutes": 15, "red_minutes": 30, "poll_seconds": 5})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            desk_settings_save(actor=actor, organization_id=organization.pk, location=data["location"],
                               amber_minutes=data["amber_minutes"], red_minutes=data["red_minutes"],
                               poll_seconds=data["poll_seconds"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            where = data["location"].name if data["location"] else "the whole practice"
            messages.success(request, f"Saved the front desk settings for {where}.")
            return redirect("frontdesk:settings")
    rows = FrontDeskSettings.objects.filter(organization=organization).select_related("location")
    return render(request, "frontdesk/settings.html", {"form": form, "rows": rows},
                  status=400 if form.errors else 200)
