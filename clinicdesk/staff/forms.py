from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from clinicdesk.practice.models import Location, Organization
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.roles import Role


class UserCreateForm(forms.Form):
    last_name = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    username = forms.CharField(max_length=150, help_text="What they type to log in.")
    email = forms.EmailField(required=False)
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(widget=forms.PasswordInput, help_text="At least 10 characters, not a common password.")

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That user name is taken.")
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


class UserRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False)
    active = forms.BooleanField(required=False, label="Account active")
    unlock = forms.BooleanField(required=False, label="Unlock after failed logins")


class PractitionerForm(forms.ModelForm):
    class Meta:
        model = Practitioner
        fields = ["family_name", "given_name", "prefix", "credentials", "npi", "taxonomy_code", "specialty",
                  "department", "locations", "phone", "email", "user", "active"]
        widgets = {"locations": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, qs in (("locations", Location.objects.filter(organization=organization)),
                         ("department", organization.departments.all()),
                         ("user", User.objects.filter(organization=organization, is_active=True))):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = qs
