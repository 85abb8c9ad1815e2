"""The practice page for managers: details, locations with rooms, departments."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.practice.forms import DepartmentForm, LocationForm, OrganizationForm, RoomForm
from clinicdesk.practice.models import Department, Location, Room
from clinicdesk.practice.services import structure_save
from clinicdesk.web.forms import apply_validation_error, current_organization

manage = permission_required("practice.change_organization", raise_exception=True)


Saver = Callable[..., models.Model]


def edit_page(request: HttpRequest, form: forms.ModelForm, title: str, back: str = "practice:overview",
              save: Saver = structure_save) -> HttpResponse:
    """Show ``form``; on a valid POST save it through the ``save`` service and go back with a message."""
    org = current_organization(request)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(actor=Actor.from_request(request), instance=form.instance,
                         fields=form.cleaned_data, organization_id=org.pk)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved {saved}.")
            return redirect(back)
    return render(request, "practice/edit.html", {"form": form, "title": title, "back": back})


def _scoped(form: forms.ModelForm, org_id: int) -> forms.ModelForm:
    for name in ("location",):
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = Location.objects.filter(organization_id=org_id)
    return form


@manage
def overview(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    locations = Location.objects.filter(organization=org).prefetch_related("rooms")
    departments = Department.objects.filter(organization=org)
    return render(request, "practice/overview.html", {"org": org, "locations": locations, "departments": departments})


@manage
def organization_edit(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    return edit_page(request, OrganizationForm(request.POST or None, instance=org), "Practice details")


def _instance(model: type[models.Model], request: HttpRequest, pk: int | None) -> models.Model:
    org = current_organization(request)
    if pk is None:
        return model(organization=org)
    return get_object_or_404(model, pk=pk, organization=org)


@manage
def location_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = _instance(Location, request, pk)
    return edit_page(request, LocationForm(request.POST or None, instance=instance),
                     f"Location {instance}" if pk else "New location")


@manage
def room_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = _instance(Room, request, pk)
    form = _scoped(RoomForm(request.POST or None, instance=instance), current_organization(request).pk)
    return edit_page(request, form, f"Room {instance}" if pk else "New room")


@manage
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = _instance(Department, request, pk)
    form = _scoped(DepartmentForm(request.POST or None, instance=instance), current_organization(request).pk)
    return edit_page(request, form, f"Department {instance}" if pk else "New department")
