from __future__ import annotations

from django import forms

from clinicdesk.audit.models import Action
from clinicdesk.web.fields import TypedDateField


class AuditFilterForm(forms.Form):
    username = forms.CharField(required=False, label="User")
    mrn = forms.CharField(required=False, label="Patient MRN")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])
    since = TypedDateField(required=False, label="From")
    until = TypedDateField(required=False, label="To (inclusive)")
