"""Front desk forms: the check-in checklist and copay, check-out, walk-ins, visitors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from clinicdesk.frontdesk.models import PaymentMethod, VisitorKind
from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import AppointmentType
from clinicdesk.staff.models import Practitioner, User

FOLLOW_UPS = [("", "No follow-up"), ("1", "In 1 week"), ("2", "In 2 weeks"), ("4", "In 4 weeks (1 month)"),
              ("6", "In 6 weeks"), ("12", "In 12 weeks (3 months)"), ("26", "In 6 months"), ("52", "In 1 year")]


def money(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=8, decimal_places=2,
                              min_value=Decimal("0"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class CheckInForm(forms.Form):
    identity_confirmed = forms.BooleanField(required=False, label="Identity confirmed (photo ID)")
    demographics_confirmed = forms.BooleanField(required=False, label="Address, phone and contacts confirmed")
    coverage_reviewed = forms.BooleanField(required=False, label="Insurance reviewed (cards seen)")
    consent_to_treat = forms.BooleanField(required=False, label="Consent to treat signed")
    privacy_notice = forms.BooleanField(required=False, label="Privacy notice acknowledged")
    copay_due = money("Copay due ($)")
    copay_collected = money("Copay collected ($)")
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices, required=False, label="Paid by")
    payment_reference = forms.CharField(max_length=40, required=False, label="Receipt / check number")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("copay_collected") and not data.get("payment_method"):
            self.add_error("payment_method", "Say how the copay was paid.")
        return data

    def checklist(self) -> dict[str, bool]:
        names = ("identity_confirmed", "demographics_confirmed", "coverage_reviewed", "consent_to_treat",
                 "privacy_notice")
        return {n: bool(self.cleaned_data[n]) for n in names}

    def payment(self) -> dict[str, Any]:
        return {n: self.cleaned_data[n] or ("" if n.startswith("payment") else Decimal("0.00"))
                for n in ("copay_due", "copay_collected", "payment_method", "payment_reference")}


class CheckOutForm(forms.Form):
    collected_now = money("Collected now ($)", required=False)
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices, required=False, label="Paid by")
    payment_reference = forms.CharField(max_length=40, required=False, label="Receipt / check number")
    follow_up_weeks = forms.TypedChoiceField(choices=FOLLOW_UPS, required=False, coerce=int, empty_value=None,
                                             label="Follow-up requested")
    follow_up_note = forms.CharField(max_length=200, required=False, label="Follow-up note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("collected_now") and not data.get("payment_method"):
            self.add_error("payment_method", "Say how the copay was paid.")
        return data


class FollowUpForm(forms.Form):
    weeks = forms.TypedChoiceField(choices=FOLLOW_UPS[1:], coerce=int, label="Follow-up in")


class RoomForm(forms.Form):
    room = forms.ModelChoiceField(queryset=Room.objects.none(), empty_label="Choose a room…")

    def __init__(self, *args: Any, location_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        room: Any = self.fields["room"]
        room.queryset = Room.objects.filter(location_id=location_id, active=True)


class _OrgForm(forms.Form):
    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if "appointment_type" in fields:
            fields["appointment_type"].queryset = AppointmentType.objects.filter(organization=organization,
                                                                                 active=True)
        for name in ("practitioner", "preferred_practitioner"):
            if name in fields:
                fields[name].queryset = Practitioner.objects.filter(organization=organization, active=True)
        for name in ("host", "to"):
            if name in fields:
                fields[name].queryset = (User.objects.filter(organization=organization, is_active=True)
                                         .order_by("last_name", "first_name"))
                fields[name].label_from_instance = lambda u: u.display_name


class WalkInForm(_OrgForm):
    reason = forms.CharField(max_length=200, label="Reason for the visit")
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), required=False,
                                              label="Appointment type", empty_label="Decide later")
    preferred_practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                                    label="Practitioner", empty_label="Next available")


class AssignForm(_OrgForm):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label="Type",
                                              empty_label="Choose a type…")
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          label="Practitioner", empty_label="Next available")


class VisitorForm(_OrgForm):
    name = forms.CharField(max_length=120, label="Name")
    kind = forms.ChoiceField(choices=VisitorKind.choices, label="Who they are")
    purpose = forms.CharField(max_length=200, label="Purpose of the visit")
    company = forms.CharField(max_length=120, required=False, label="Company / relation")
    host = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Came to see",
                                  empty_label="Nobody in particular")
    notify = forms.BooleanField(required=False, initial=True, label="Notify them now")


class DirectForm(_OrgForm):
    to = forms.ModelChoiceField(queryset=User.objects.none(), label="Send to", empty_label="Choose a person…")
    note = forms.CharField(max_length=200, required=False, label="Note")


class SettingsForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False,
                                      empty_label="Whole practice (default)", label="Applies to")
    amber_minutes = forms.IntegerField(min_value=1, max_value=600, label="Amber after (minutes waiting)")
    red_minutes = forms.IntegerField(min_value=2, max_value=600, label="Red after (minutes waiting)")
    poll_seconds = forms.IntegerField(min_value=2, max_value=60, label="Board refresh (seconds)")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location: Any = self.fields["location"]
        location.queryset = Location.objects.filter(organization=organization, active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amber, red = data.get("amber_minutes"), data.get("red_minutes")
        if amber is not None and red is not None and red <= amber:
            self.add_error("red_minutes", "Red must come after amber.")
        return data
