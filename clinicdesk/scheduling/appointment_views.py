"""One appointment: its status buttons, cancel (asks once), reschedule to a new option, and its history.

Every read goes through the patient access door, so opening an appointment is audited as a read of its patient.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.patients.views import chart_header
from clinicdesk.scheduling.booking_views import option_rows
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.forms import BookForm, CancelForm
from clinicdesk.scheduling.grid import STATUS_CLASS
from clinicdesk.scheduling.models import HOLDING, Appointment, Status
from clinicdesk.scheduling.selectors import Choice, find_available
from clinicdesk.scheduling.services import (
    TRANSITIONS,
    SlotTaken,
    SlotUnavailable,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
    resource_for_practitioner,
)
from clinicdesk.scheduling.slots import Preferences
from clinicdesk.scheduling.views import require, when
from clinicdesk.web.fields import TypedDateField

MOVABLE = HOLDING - {Status.ARRIVED, Status.IN_ROOM}
ORDER = list(Status.values)


def _load(request: HttpRequest, appointment_id: int, perm: str) -> tuple[Actor, Appointment, Patient]:
    actor, organization = require(request, perm)
    appointment = get_object_or_404(
        Appointment.objects.select_related("appointment_type", "practitioner", "location__organization",
                                           "rescheduled_from"),
        pk=appointment_id, organization_id=organization.pk)
    patient = access.access_patient(actor=actor, patient_id=appointment.patient_id, purpose="appointment")
    return actor, appointment, patient


def _zone(appointment: Appointment) -> ZoneInfo:
    return ZoneInfo(location_timezone(appointment.location))


def _detail(request: HttpRequest, appointment: Appointment, patient: Patient, *,
            cancel_form: CancelForm | None = None, status: int = 200) -> HttpResponse:
    zone = _zone(appointment)
    allowed = TRANSITIONS.get(appointment.status, frozenset())
    buttons = [(s, Status(s).label) for s in ORDER if s in allowed and s != Status.CANCELLED]
    following = Appointment.objects.filter(rescheduled_from=appointment).first()
    return render(request, "scheduling/appointment.html", {
        "appointment": appointment, "patient": patient, **chart_header(patient),
        "start": appointment.start.astimezone(zone), "end": appointment.end.astimezone(zone),
        "status_class": STATUS_CLASS.get(appointment.status, "muted"), "buttons": buttons,
        "can_cancel": Status.CANCELLED in allowed, "can_move": appointment.status in MOVABLE,
        "cancel_form": cancel_form or CancelForm(), "following": following,
        "changes": appointment.changes.select_related("user"), "zone_name": str(zone),
    }, status=status)


def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    _, appointment, patient = _load(request, appointment_id, "scheduling.view_appointment")
    return _detail(request, appointment, patient)


def _say(appointment: Appointment, patient: Patient) -> str:
    return f"{patient.display_name}, {when(appointment.start, _zone(appointment))}"


@require_POST
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient = _load(request, appointment_id, "scheduling.change_appointment")
    new = request.POST.get("status", "")
    if new == Status.CANCELLED:
        messages.error(request, "Use the cancel form: it asks why.")
        return redirect("schedule:appointment", appointment_id=appointment.pk)
    try:
        appointment_set_status(actor=actor, appointment=appointment, status=new)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Marked {Status(new).label.lower()}: {_say(appointment, patient)}.")
    return redirect("schedule:appointment", appointment_id=appointment.pk)


@require_POST
def appointment_cancel_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient = _load(request, appointment_id, "scheduling.change_appointment")
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, appointment, patient, cancel_form=form, status=400)
    try:
        appointment_cancel(actor=actor, appointment=appointment, reason=form.cleaned_data["reason"],
                           by=form.cleaned_data["by"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        by = "the patient" if form.cleaned_data["by"] == "patient" else "the practice"
        messages.success(request, f"Cancelled {_say(appointment, patient)} (by {by}). The time is free again.")
    return redirect("schedule:appointment", appointment_id=appointment.pk)


def _options(appointment: Appointment, earliest: str) -> list[Choice]:
    """The next times for the same type with the same practitioner at the same place (from now on, or from
    the day asked for)."""
    resource = resource_for_practitioner(appointment.practitioner)
    try:
        day = TypedDateField(required=False).clean(earliest)
    except forms.ValidationError:
        day = None
    prefs = Preferences(earliest=datetime.combine(day, time(0), _zone(appointment)) if day else None)
    return find_available(appointment_type=appointment.appointment_type, practitioners=[resource],
                          locations=[appointment.location], prefs=prefs, n=10)


def appointment_reschedule_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, appointment, patient = _load(request, appointment_id, "scheduling.change_appointment")
    organization = appointment.location.organization
    problem, options = "", None
    if appointment.status not in MOVABLE:
        messages.error(request, f"A {appointment.get_status_display().lower()} appointment cannot be moved.")
        return redirect("schedule:appointment", appointment_id=appointment.pk)
    if request.method == "POST":
        form = BookForm({**request.POST.dict(), "appointment_type": appointment.appointment_type_id,
                         "practitioner": appointment.practitioner_id, "location": appointment.location_id},
                        organization=organization)
        if form.is_valid():
            try:
                moved = appointment_reschedule(actor=actor, appointment=appointment, start=form.cleaned_data["start"],
                                               reason=form.cleaned_data["reason"])
            except SlotUnavailable as exc:
                taken = isinstance(exc, SlotTaken)
                problem = "That time was just taken." if taken else f"That time was just taken ({exc.message})"
                options = exc.options
            except ValidationError as exc:
                problem = " ".join(exc.messages)
            else:
                messages.success(request, f"Moved {patient.display_name} to {when(moved.start, _zone(moved))} "
                                          f"with {moved.practitioner.display_name} at {moved.location.name}.")
                return redirect("schedule:appointment", appointment_id=moved.pk)
        else:
            problem = "Pick one of the times offered."
    earliest = request.GET.get("earliest", "")
    rows = option_rows(options if options is not None else _options(appointment, earliest), organization)
    return render(request, "scheduling/reschedule.html", {
        "appointment": appointment, "patient": patient, **chart_header(patient), "options": rows,
        "problem": problem, "start": appointment.start.astimezone(_zone(appointment)), "earliest": earliest,
    }, status=409 if problem else 200)
