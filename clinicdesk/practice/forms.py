from __future__ import annotations

from django import forms

from clinicdesk.practice.models import Department, Location, Organization, Room

ADDRESS = ["line1", "line2", "city", "state", "postal_code", "country"]


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "timezone", "tax_id", "billing_npi", "phone", "mrn_prefix", *ADDRESS]


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "phone", "timezone", *ADDRESS, "active"]


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "kind", "active"]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "location", "active"]
