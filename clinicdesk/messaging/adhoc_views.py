"""Ad-hoc messages: write, preview (exact recipient count, exclusions and why), send. See adhoc.py."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.messaging.adhoc import Audience, adhoc_audience, adhoc_send, patients_booked
from clinicdesk.messaging.forms import AdhocForm
from clinicdesk.messaging.selectors import channel_problem
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.web.forms import apply_validation_error, current_organization

SEND = "messaging.add_outboundmessage"


@permission_required(SEND, raise_exception=True)
def adhoc_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.view_patient")
    return _adhoc(request, actor, patient=None)


@permission_required(SEND, raise_exception=True)
def adhoc_patient(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="message")
    return _adhoc(request, actor, patient=patient)


def _adhoc(request: HttpRequest, actor: Actor, patient: Patient | None) -> HttpResponse:
    org = current_organization(request)
    form = AdhocForm(request.POST or None, organization=org, single=patient is not None,
                     initial={"token": secrets.token_hex(16), "channel": "preferred"})
    audience: Audience | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patients = [patient] if patient else patients_booked(organization=org, day=data["day"],
                                                            practitioner=data["practitioner"])
        audience = adhoc_audience(patients=patients, channel=data["channel"])
        if request.POST.get("action") == "send":
            try:
                queued, before = adhoc_send(actor=actor, organization=org, audience=audience,
                                            subject=data["subject"], body=data["body"], token=data["token"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if before and not queued:
                    messages.info(request, f"Already sent: these {before} message{'s' if before != 1 else ''} "
                                           "were queued by an earlier submit; nothing was sent twice.")
                else:
                    messages.success(request, f"{queued} message{'s' if queued != 1 else ''} queued.")
                if patient is not None:
                    return redirect("patients:chart", patient_id=patient.pk)
                return redirect("messages:log")
        _audit_audience(actor, audience)
    problems = {label: channel_problem(value) for value, label in (("email", "E-mail"), ("sms", "SMS"))}
    return render(request, "messaging/staff/adhoc.html", {
        "form": form, "patient": patient, "audience": audience,
        "problems": {k: v for k, v in problems.items() if v}})


def _audit_audience(actor: Actor, audience: Audience) -> None:
    from clinicdesk.audit.models import Action
    from clinicdesk.audit.services import Entry, audit_record_many

    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(p.pk), patient_id=p.pk,
              detail={"list": "ad-hoc message recipients"}) for p in {p.pk: p for p in audience.patients}.values()])
