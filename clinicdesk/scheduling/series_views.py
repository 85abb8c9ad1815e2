"""Booking a recurring series from the screen: check every occurrence first, then book."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.patients import access
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import AppointmentType
from clinicdesk.scheduling.series import SeriesConflicts, series_book, series_check
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.fields import TypedDateField
from clinicdesk.web.forms import apply_validation_error


class SeriesForm(forms.Form):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    first_date = TypedDateField(label="First date")
    time = forms.TimeField(label="Time", input_formats=["%H:%M", "%I:%M %p", "%I:%M%p"],
                           widget=forms.TextInput(attrs={"placeholder": "09:30", "autocomplete": "off"}))
    interval_weeks = forms.IntegerField(label="Every … weeks", min_value=1, max_value=12, initial=1)
    count = forms.IntegerField(label="Number of visits", min_value=1, max_value=52, initial=8)
    skip_conflicts = forms.BooleanField(required=False, label="Book the free dates and leave the others to me")

    def __init__(self, *args: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("appointment_type", AppointmentType.objects.filter(organization_id=organization_id,
                                                                              active=True)),
                         ("practitioner", Practitioner.objects.filter(organization_id=organization_id, active=True)),
                         ("location", Location.objects.filter(organization_id=organization_id, active=True))):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs

    def plan_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        zone = ZoneInfo(location_timezone(data["location"]))
        return {"appointment_type": data["appointment_type"], "practitioner": data["practitioner"],
                "location": data["location"], "first_start": datetime.combine(data["first_date"], data["time"], zone),
                "interval_weeks": data["interval_weeks"], "count": data["count"]}


@permission_required("scheduling.add_appointment", raise_exception=True)
def series_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="book series")
    form = SeriesForm(request.POST or None, organization_id=patient.organization_id)
    plan = None
    if request.method == "POST" and form.is_valid():
        try:
            if "book" not in request.POST:
                plan = series_check(**form.plan_args())
            else:
                _series, booked, skipped = series_book(actor=actor, patient=patient,
                                                       skip_conflicts=form.cleaned_data["skip_conflicts"],
                                                       **form.plan_args())
                note = f" {len(skipped)} date(s) still need a time." if skipped else ""
                messages.success(request, f"Booked {len(booked)} visits for {patient.display_name}.{note}")
                return redirect("patients:chart", patient_id=patient.pk)
        except SeriesConflicts as conflicts:
            plan = conflicts.occurrences
            form.add_error(None, "Some dates cannot be booked (see below). Tick the box to book the free ones.")
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return render(request, "scheduling/series/new.html", {"form": form, "patient": patient, "plan": plan})
