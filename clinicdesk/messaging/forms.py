"""Forms of the staff messaging screens (log filters, policies, templates, ad-hoc messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.messaging.models import Channel, MessageTemplate
from clinicdesk.messaging.selectors import FILTER_STATUSES
from clinicdesk.patients.models import LANGUAGES, Patient
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import AppointmentType
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.fields import TypedDateField


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status")]
                               + [(s.value, s.label) for s in FILTER_STATUSES])
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    date_from = TypedDateField(label="From", required=False)
    date_to = TypedDateField(label="Until", required=False)
    mrn = forms.CharField(label="Patient MRN", max_length=40, required=False)
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), required=False,
                                              empty_label="Any appointment type")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(  # type: ignore[attr-defined]
            organization=organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The last day is before the first day.")
        mrn = (data.get("mrn") or "").strip().upper()
        data["patient"] = None
        if mrn:
            data["patient"] = Patient.objects.filter(organization=self.organization, mrn=mrn).first()
            if data["patient"] is None:
                self.add_error("mrn", "No patient of this practice has that MRN.")
        return data




class TemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["key", "language", "channel", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=120)
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), required=False,
                                              empty_label="Every appointment type",
                                              help_text="A policy for one type replaces the all-types policies for it")
    active = forms.BooleanField(required=False, initial=True)
    steps = forms.CharField(
        max_length=400, required=False, label="Steps",
        help_text="One per line: when, channel, template key — e.g. \"7d email reminder\", \"1d sms reminder\", "
                  "\"2h sms reminder\" (d = days, h = hours, m = minutes before the start)",
        widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(  # type: ignore[attr-defined]
            organization=organization)


class SettingsForm(forms.Form):
    quiet_start = forms.TimeField(label="Quiet hours from", widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(label="Quiet hours until", widget=forms.TimeInput(attrs={"type": "time"}),
                                help_text="No reminders between these local times; equal: no quiet hours")
    default_language = forms.ChoiceField(choices=LANGUAGES,
                                         help_text="Used when a template is not written in the patient's language")


class AdhocForm(forms.Form):
    """Who gets an ad-hoc message and what it says. Without a patient: the practitioner's patients on a day."""

    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          empty_label="All practitioners")
    day = TypedDateField(label="Patients booked on", required=False)
    channel = forms.ChoiceField(choices=[("preferred", "Text if agreed, else e-mail"), *Channel.choices])
    subject = forms.CharField(max_length=200, required=False, help_text="E-mail only")
    body = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="Plain text, sent exactly as written")
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, organization: Organization, single: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.filter(  # type: ignore[attr-defined]
            organization=organization, active=True)
        if single:
            del self.fields["practitioner"], self.fields["day"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "day" in self.fields and not data.get("day") and not self.errors.get("day"):
            self.add_error("day", "Choose the day whose patients get the message.")
        if data.get("channel") == Channel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "An e-mail needs a subject.")
        return data
