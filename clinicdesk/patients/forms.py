"""Patient forms, in the order people say things: last name, first name, date of birth."""

from __future__ import annotations

from typing import Any

from django import forms

from clinicdesk.lib.phones import format_phone
from clinicdesk.patients.models import Patient
from clinicdesk.patients.services import PHONE_FIELDS
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.fields import PastDateField

SECTIONS: list[tuple[str, list[str]]] = [
    ("Name and birth", ["family_name", "given_name", "middle_name", "suffix", "preferred_name", "birth_date",
                        "sex", "gender_identity", "pronouns"]),
    ("Contact", ["phone_mobile", "phone_home", "phone_work", "email", "preferred_language",
                 "consent_sms", "consent_email", "consent_voice"]),
    ("Address", ["line1", "line2", "city", "state", "postal_code", "country"]),
    ("Emergency contact and guarantor", ["emergency_contact_name", "emergency_contact_relationship",
                                         "emergency_contact_phone", "guarantor_relationship", "guarantor_name",
                                         "guarantor_phone"]),
    ("Care", ["primary_practitioner", "alerts", "notes", "status", "deceased_date"]),
]
FIELDS = [name for _, names in SECTIONS for name in names]


class PatientForm(forms.ModelForm):
    birth_date = PastDateField(label="Date of birth")
    deceased_date = PastDateField(label="Date of death", required=False)

    class Meta:
        model = Patient
        fields = FIELDS
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone_mobile": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "phone_home": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "phone_work": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "guarantor_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["primary_practitioner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Practitioner.objects.filter(organization=organization, active=True)
        for name in PHONE_FIELDS:
            if self.initial.get(name):
                self.initial[name] = format_phone(self.initial[name])
        if self.instance.pk is None:
            self.fields.pop("status")
            self.fields.pop("deceased_date")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == "deceased" and not data.get("deceased_date"):
            self.add_error("deceased_date", "Give the date of death for a deceased patient.")
        if data.get("status") == "merged":
            self.add_error("status", "Use Merge to combine duplicate records.")
        return data

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in SECTIONS]

    def changed_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


class MergeForm(forms.Form):
    target_mrn = forms.CharField(label="Keep this record (MRN)", max_length=20)
    reason = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
