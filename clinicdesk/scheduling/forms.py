"""Schedule forms: find a time (what the patient asks for), book a picked option, cancel."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.models import AppointmentType, CancelledBy, Weekday
from clinicdesk.scheduling.slots import Preferences
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.fields import TypedDateField

PARTS = [("", "Any time of day"), ("morning", "Morning (until 12:00)"), ("afternoon", "Afternoon (from 12:00)")]
WEEKDAYS = [(str(v), label[:3]) for v, label in Weekday.choices]


def parse_instant(value: str) -> datetime | None:
    """An ISO date-time from a link or hidden field; None when it is missing or has no time zone."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+")) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and timezone.is_aware(parsed) else None


class _OrgForm(forms.Form):
    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        fields: dict[str, Any] = self.fields
        if "appointment_type" in fields:
            fields["appointment_type"].queryset = AppointmentType.objects.filter(organization=organization,
                                                                                 active=True)
        if "practitioner" in fields:
            fields["practitioner"].queryset = Practitioner.objects.filter(organization=organization, active=True)
        if "location" in fields:
            fields["location"].queryset = Location.objects.filter(organization=organization, active=True)


class FindForm(_OrgForm):
    """What the caller asks for, in the order they say it."""

    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label="Appointment type",
                                              empty_label="Choose a type…")
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          empty_label="Any practitioner")
    specialty = forms.ChoiceField(required=False, label="Specialty (when any practitioner)")
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label="Any location")
    weekdays = forms.MultipleChoiceField(choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple,
                                         label="Days")
    part = forms.ChoiceField(choices=PARTS, required=False, label="Time of day")
    earliest = TypedDateField(required=False, label="Not before")
    after = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=200, label="Reason for visit")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        specialties = (Practitioner.objects.filter(organization=organization, active=True).exclude(specialty="")
                       .order_by("specialty").values_list("specialty", flat=True).distinct())
        specialty: Any = self.fields["specialty"]
        specialty.choices = [("", "Any specialty"), *((s, s) for s in specialties)]

    def preferences(self, zone: ZoneInfo) -> Preferences:
        data = self.cleaned_data
        earliest = parse_instant(data.get("after") or "")
        if data.get("earliest"):
            day_start = datetime.combine(data["earliest"], time(0), zone)
            earliest = max(earliest, day_start) if earliest else day_start
        weekdays = frozenset(int(d) for d in data.get("weekdays") or []) or None
        part = data.get("part")
        return Preferences(earliest=earliest, weekdays=weekdays,
                           day_start=time(12) if part == "afternoon" else None,
                           day_end=time(12) if part == "morning" else None)


class BookForm(_OrgForm):
    """One picked option; re-checked by the booking service."""

    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none())
    location = forms.ModelChoiceField(queryset=Location.objects.none())
    start = forms.CharField()
    reason = forms.CharField(required=False, max_length=200)

    def clean_start(self) -> datetime:
        start = parse_instant(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError("Pick one of the times offered.")
        return start


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is it cancelled?")
    by = forms.ChoiceField(choices=CancelledBy.choices, widget=forms.RadioSelect, label="Cancelled by")
