"""Helpers for showing service errors on forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from clinicdesk.practice.models import Organization


def apply_validation_error(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (or on top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def current_organization(request: HttpRequest) -> Organization:
    """The practice the logged-in user works for; staff without one can do nothing."""
    organization = getattr(request.user, "organization", None)
    if organization is None:
        raise PermissionDenied("Your account is not linked to a practice.")
    return organization
