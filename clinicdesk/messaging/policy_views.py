"""The practice manager's screens: reminder policies, quiet hours and language, templates with a live preview."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.messaging import templating
from clinicdesk.messaging.forms import PolicyForm, SettingsForm, TemplateForm
from clinicdesk.messaging.links import LINK_FIELDS, public_url
from clinicdesk.messaging.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    Channel,
    MessageTemplate,
    MessagingSettings,
    ReminderPolicy,
)
from clinicdesk.messaging.reminder_services import MAP_URL
from clinicdesk.messaging.setup_services import (
    messaging_settings_save,
    parse_steps,
    policy_save,
    steps_text,
    template_save,
)
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.models import AppointmentType
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.forms import apply_validation_error, current_organization

VIEW = "messaging.view_reminderpolicy"
CHANGE_POLICY = "messaging.change_reminderpolicy"
CHANGE_TEMPLATE = "messaging.change_messagetemplate"


@permission_required(VIEW, raise_exception=True)
def policy_list(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    policies = (ReminderPolicy.objects.filter(organization=org).select_related("appointment_type")
                .prefetch_related("steps__template").order_by("name"))
    settings = MessagingSettings.objects.filter(organization=org).first()
    return render(request, "messaging/staff/policies.html", {
        "policies": policies, "templates": MessageTemplate.objects.filter(organization=org),
        "quiet_start": settings.quiet_start if settings else DEFAULT_QUIET_START,
        "quiet_end": settings.quiet_end if settings else DEFAULT_QUIET_END,
        "default_language": settings.get_default_language_display() if settings else "English"})


@permission_required(CHANGE_POLICY, raise_exception=True)
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    org = current_organization(request)
    policy = get_object_or_404(ReminderPolicy, pk=policy_id, organization=org) if policy_id else None
    initial = ({"name": policy.name, "appointment_type": policy.appointment_type, "active": policy.active,
                "steps": steps_text(policy)} if policy else {"active": True, "steps": "1d email reminder"})
    form = PolicyForm(request.POST or None, initial=initial, organization=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = policy_save(actor=Actor.from_request(request), organization=org, policy=policy, name=data["name"],
                                appointment_type=data["appointment_type"], active=data["active"],
                                steps=parse_steps(data["steps"]))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved the reminder policy “{saved.name}”"
                                      f"{'' if saved.active else ' (switched off)'}.")
            return redirect("messages:policies")
    return render(request, "messaging/staff/policy_form.html", {
        "form": form, "policy": policy, "templates": MessageTemplate.objects.filter(organization=org)})


@permission_required(CHANGE_POLICY, raise_exception=True)
def settings_edit(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    current = MessagingSettings.objects.filter(organization=org).first()
    form = SettingsForm(request.POST or None, initial={
        "quiet_start": current.quiet_start if current else DEFAULT_QUIET_START,
        "quiet_end": current.quiet_end if current else DEFAULT_QUIET_END,
        "default_language": current.default_language if current else "en"})
    if request.method == "POST" and form.is_valid():
        try:
            messaging_settings_save(actor=Actor.from_request(request), organization=org, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Saved quiet hours and language.")
            return redirect("messages:policies")
    return render(request, "messaging/staff/settings_form.html", {"form": form})


@permission_required(CHANGE_TEMPLATE, raise_exception=True)
def template_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    org = current_organization(request)
    template = get_object_or_404(MessageTemplate, pk=template_id, organization=org) if template_id else None
    form = TemplateForm(request.POST or None, instance=template,
                        initial=None if template else {"channel": Channel.EMAIL, "key": "reminder"})
    if request.method == "POST" and form.is_valid():
        try:
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            saved = template_save(actor=Actor.from_request(request), organization=org, template=template,
                                  fields=fields)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"Saved the template {saved}.")
            return redirect("messages:policies")
    preview = _preview(org, form["subject"].value() or "", form["body"].value() or "",
                       form["channel"].value() or Channel.EMAIL)
    return render(request, "messaging/staff/template_form.html", {
        "form": form, "template": template, "preview": preview, "fields": templating.MERGE_FIELDS})


@require_POST
@permission_required(CHANGE_TEMPLATE, raise_exception=True)
def template_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (htmx): the template as a patient would read it for a sample appointment."""
    org = current_organization(request)
    preview = _preview(org, request.POST.get("subject", ""), request.POST.get("body", ""),
                       request.POST.get("channel", Channel.EMAIL))
    return render(request, "messaging/staff/_preview.html", {"preview": preview})


def _preview(organization: Organization, subject: str, body: str, channel: str) -> dict[str, object]:
    errors: list[str] = []
    try:
        templating.render_check(subject=subject, body=body)
    except ValidationError as exc:
        errors = [f"{'Subject' if key == 'subject' else 'Text'}: {message}"
                  for key, messages_ in exc.message_dict.items() for message in messages_]
        return {"errors": errors}
    values = sample_values(organization)
    text = templating.render(body, values)
    return {"errors": [], "subject": templating.render(subject, values) if channel == Channel.EMAIL else "",
            "body": text, "channel": channel, "length": len(text), "segments": -(-len(text) // 153) if text else 0,
            "no_links": not public_url("/") and any(f"{{{name}}}" in body for name in LINK_FIELDS)}


def sample_values(organization: Organization) -> dict[str, str]:
    """Merge values of a made-up appointment tomorrow at 10:00 with the practice's own names (no patient data)."""
    location = Location.objects.filter(organization=organization).order_by("pk").first()
    practitioner = Practitioner.objects.filter(organization=organization, active=True).order_by("pk").first()
    appointment_type = AppointmentType.objects.filter(organization=organization).order_by("pk").first()
    tz = ZoneInfo((location.timezone if location else "") or organization.timezone)
    local = datetime.combine(timezone.now().astimezone(tz).date() + timedelta(days=1), time(10, 0), tzinfo=tz)
    address = ", ".join(location.address_lines()) if location else "1 Main Street, Springfield"
    sample_link = public_url(reverse("messaging:link", args=["sample-link"])) or ""
    return {
        "patient_first_name": "Alex",
        "practice_name": organization.name,
        "practice_phone": organization.phone,
        "practitioner_name": practitioner.display_name if practitioner else "Dr. Sam Rivera, MD",
        "appointment_type": appointment_type.name if appointment_type else "Follow-up",
        "location_name": location.name if location else "Main Street",
        "location_address": address,
        "location_phone": (location.phone if location else "") or organization.phone,
        "map_link": MAP_URL.format(quote_plus(address)),
        "appointment_date": f"{local:%A}, {local:%B} {local.day}, {local.year}",
        "appointment_time": "10:00 AM",
        "instructions": (appointment_type.patient_instructions if appointment_type else "")
        or "Please bring your insurance card.",
        **{name: sample_link for name in LINK_FIELDS},
    }
