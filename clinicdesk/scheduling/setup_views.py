"""Schedule setup for managers: appointment types with their requirements, bookable resources, each resource's
weekly template and exceptions. Thin views: authorize, scope to the practice, call setup_services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.practice.models import Room
from clinicdesk.practice.views import manage
from clinicdesk.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    Resource,
    ResourceKind,
    TypeRequirement,
)
from clinicdesk.scheduling.setup_forms import (
    AppointmentTypeForm,
    BlockForm,
    ExceptionForm,
    RequirementForm,
    ResourceForm,
)
from clinicdesk.scheduling.setup_services import make_bookable, setup_delete, setup_save
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.forms import apply_validation_error, current_organization


def _edit(request: HttpRequest, form: forms.ModelForm, title: str, back: str,
          extra: dict[str, Any] | None = None) -> HttpResponse:
    """Show ``form``; on a valid POST save it through ``setup_save`` and go back with a message."""
    org = current_organization(request)
    if request.method == "POST" and form.is_valid():
        try:
            saved = setup_save(actor=Actor.from_request(request), instance=form.instance, fields=form.cleaned_data,
                               organization_id=org.pk)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved {saved}.")
            return redirect(back)
    return render(request, "scheduling/setup/edit.html", {"form": form, "title": title, "back": back, **(extra or {})})


def _get(model: type[models.Model], request: HttpRequest, pk: int, **lookup: Any) -> Any:
    org = current_organization(request)
    if model is TypeRequirement:
        return get_object_or_404(TypeRequirement, pk=pk, appointment_type__organization=org)
    return get_object_or_404(model, pk=pk, organization=org, **lookup)


@manage
def overview(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    resources = Resource.objects.filter(organization=org).select_related("location").order_by("kind", "name")
    return render(request, "scheduling/setup/overview.html", {
        "types": AppointmentType.objects.filter(organization=org).prefetch_related("requirements"),
        "resources": resources,
        "practitioners": Practitioner.objects.filter(organization=org, active=True, resource__isnull=True),
        "rooms": Room.objects.filter(organization=org, active=True, resource__isnull=True).select_related("location"),
    })


# Appointment types and their requirements

@manage
def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    instance = _get(AppointmentType, request, pk) if pk else AppointmentType(organization=org)
    form = AppointmentTypeForm(request.POST or None, instance=instance)
    back = reverse("schedule_setup:type_edit", args=[pk]) if pk else reverse("schedule_setup:overview")
    requirements = instance.requirements.prefetch_related("pool") if pk else []
    return _edit(request, form, f"Appointment type {instance}" if pk else "New appointment type", back,
                 {"appointment_type": instance if pk else None, "requirements": requirements})


@manage
def requirement_edit(request: HttpRequest, type_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    if pk:
        instance = _get(TypeRequirement, request, pk)
    else:
        instance = TypeRequirement(appointment_type=_get(AppointmentType, request, type_pk or 0))
    form = RequirementForm(request.POST or None, instance=instance, organization=org)
    back = reverse("schedule_setup:type_edit", args=[instance.appointment_type_id])
    title = f"Requirement of {instance.appointment_type}"
    return _edit(request, form, title, back)


@manage
@require_POST
def requirement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    instance = _get(TypeRequirement, request, pk)
    back = reverse("schedule_setup:type_edit", args=[instance.appointment_type_id])
    setup_delete(actor=Actor.from_request(request), instance=instance,
                 organization_id=current_organization(request).pk)
    messages.success(request, "Requirement removed.")
    return redirect(back)


# Resources

@manage
def resource_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    instance = _get(Resource, request, pk) if pk else Resource(organization=org)
    form = ResourceForm(request.POST or None, instance=instance, organization=org)
    return _edit(request, form, f"Resource {instance}" if pk else "New equipment or support staff",
                 reverse("schedule_setup:overview"))


@manage
@require_POST
def resource_bookable(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    practitioner = room = None
    if request.POST.get("practitioner"):
        practitioner = get_object_or_404(Practitioner, pk=_int(request.POST["practitioner"]), organization=org)
    elif request.POST.get("room"):
        room = get_object_or_404(Room, pk=_int(request.POST["room"]), organization=org)
    try:
        resource = make_bookable(actor=Actor.from_request(request), organization_id=org.pk,
                                 practitioner=practitioner, room=room)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("schedule_setup:overview")
    messages.success(request, f"{resource} can now be booked.")
    return redirect("schedule_setup:overview")


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


@manage
def template(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _get(Resource, request, pk)
    return render(request, "scheduling/setup/template.html", {
        "resource": resource,
        "blocks": resource.blocks.select_related("location").prefetch_related("types"),
        "exceptions": resource.exceptions.select_related("location").prefetch_related("types"),
        "is_person": resource.kind in (ResourceKind.PRACTITIONER, ResourceKind.STAFF),
    })


@manage
def block_edit(request: HttpRequest, resource_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    if pk:
        instance = _get(AvailabilityBlock, request, pk)
    else:
        resource = _get(Resource, request, resource_pk or 0)
        instance = AvailabilityBlock(organization=org, resource=resource, location=resource.location)
    initial = {"location": instance.location_id} if not pk and instance.location_id else None
    form = BlockForm(request.POST or None, instance=instance, organization=org, initial=initial)
    return _edit(request, form, f"Weekly block of {instance.resource}",
                 reverse("schedule_setup:template", args=[instance.resource_id]))


@manage
def exception_edit(request: HttpRequest, resource_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    org = current_organization(request)
    if pk:
        instance = _get(AvailabilityException, request, pk)
    else:
        resource = _get(Resource, request, resource_pk or 0)
        instance = AvailabilityException(organization=org, resource=resource)
    form = ExceptionForm(request.POST or None, instance=instance, organization=org)
    return _edit(request, form, f"Exception for {instance.resource}",
                 reverse("schedule_setup:template", args=[instance.resource_id]))


def _delete(request: HttpRequest, model: type[models.Model], pk: int, what: str) -> HttpResponse:
    instance = _get(model, request, pk)
    back = reverse("schedule_setup:template", args=[instance.resource_id])
    setup_delete(actor=Actor.from_request(request), instance=instance,
                 organization_id=current_organization(request).pk)
    messages.success(request, f"{what} removed.")
    return redirect(back)


@manage
@require_POST
def block_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, AvailabilityBlock, pk, "Weekly block")


@manage
@require_POST
def exception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, AvailabilityException, pk, "Exception")
