"""Staff screens: a patient's forms (assign, send the link, cancel) and interview mode (fill a form with the
patient, keyboard only: one page, items in order; conditional items appear through an htmx re-render that
also saves the draft)."""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.services import Actor
from clinicdesk.chartupdates.models import ProposalStatus, ProposedUpdate
from clinicdesk.intake import filling
from clinicdesk.intake.link_services import form_link_send
from clinicdesk.intake.models import FormAssignment, FormResponse, FormResponseCard, ResponseSource
from clinicdesk.intake.selectors import assignments_for_patient, definition_for, definitions_current
from clinicdesk.intake.services import definition_of, form_assign, form_assignment_cancel
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import HOLDING, Appointment
from clinicdesk.web.fields import TypedDateField
from clinicdesk.web.forms import apply_validation_error


class AssignForm(forms.Form):
    form = forms.TypedChoiceField(label="Form", coerce=int, choices=())
    appointment = forms.TypedChoiceField(label="For appointment", coerce=int, choices=(), required=False,
                                         empty_value=None)
    due_date = TypedDateField(label="Due", required=False)


class SendLinkForm(forms.Form):
    channel = forms.ChoiceField(label="Send by", choices=[("email", "E-mail"), ("sms", "Text message (SMS)")])


def _assign_form(patient: Patient, data: object = None) -> AssignForm:
    form = AssignForm(data)  # type: ignore[arg-type]
    form.fields["form"].choices = [(d.pk, d.title) for d in definitions_current(organization=patient.organization)]  # type: ignore[attr-defined]
    upcoming = Appointment.objects.filter(patient=patient, status__in=HOLDING, start__gte=timezone.now()).order_by(
        "start")[:10]
    form.fields["appointment"].choices = [("", "Not for one visit")] + [  # type: ignore[attr-defined]
        (a.pk, timezone.localtime(a.start).strftime("%a %d %b %Y %H:%M")) for a in upcoming]
    return form


@permission_required("intake.view_formassignment", raise_exception=True)
def patient_forms(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="intake")
    assign_form = _assign_form(patient, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.user.has_perm("intake.add_formassignment"):
            raise Http404
        if assign_form.is_valid():
            definition = definition_for(organization=patient.organization, pk=assign_form.cleaned_data["form"])
            appointment = None
            if assign_form.cleaned_data["appointment"]:
                appointment = Appointment.objects.filter(pk=assign_form.cleaned_data["appointment"],
                                                         patient=patient).first()
            try:
                if definition is None:
                    raise ValidationError({"form": "Choose one of the forms."})
                assignment = form_assign(actor=actor, patient=patient, form=definition, appointment=appointment,
                                         due_date=assign_form.cleaned_data["due_date"])
            except ValidationError as exc:
                apply_validation_error(assign_form, exc)
            else:
                messages.success(request, f"Assigned “{assignment.title}”.")
                return redirect("intake:patient", patient.pk)
    pending = ProposedUpdate.objects.filter(patient=patient, status=ProposalStatus.PENDING).count()
    return render(request, "intake/patient.html", {
        "patient": patient, "assignments": assignments_for_patient(patient=patient), "assign_form": assign_form,
        "send_form": SendLinkForm(), "pending_proposals": pending,
    })


def _assignment(request: HttpRequest, actor: Actor, assignment_id: int) -> FormAssignment:
    assignment = (FormAssignment.objects.select_related("form", "patient")
                  .filter(pk=assignment_id, organization_id=actor.organization_id or 0).first())
    if assignment is None:
        raise Http404
    access.access_patient(actor=actor, patient_id=assignment.patient_id, purpose="intake")
    return assignment


@require_POST
@permission_required("intake.change_formassignment", raise_exception=True)
def assignment_cancel(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    assignment = _assignment(request, actor, assignment_id)
    try:
        form_assignment_cancel(actor=actor, assignment=assignment)
        messages.success(request, f"Cancelled “{assignment.title}”.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("intake:patient", assignment.patient_id)


@require_POST
@permission_required("intake.add_formassignment", raise_exception=True)
def send_link(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="intake")
    form = SendLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose e-mail or text message.")
        return redirect("intake:patient", patient.pk)
    try:
        link = form_link_send(actor=actor, patient=patient, channel=form.cleaned_data["channel"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Form link sent to {link.sent_to}; it works until "
                                  f"{timezone.localtime(link.expires_at):%a %d %b %Y %H:%M}.")
    return redirect("intake:patient", patient.pk)


@permission_required("intake.change_formassignment", raise_exception=True)
def interview(request: HttpRequest, assignment_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    assignment = _assignment(request, actor, assignment_id)
    if not assignment.is_open:
        response = FormResponse.objects.filter(assignment=assignment).first()
        if response is not None:
            return redirect("intake:response", response.pk)
        messages.error(request, f"“{assignment.title}” is {assignment.get_status_display().lower()}.")
        return redirect("intake:patient", assignment.patient_id)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            outcome = filling.act(actor=actor, assignment=assignment, data=request.POST,
                                  source=ResponseSource.INTERVIEW, action=action)
        except ValidationError as exc:  # completed or cancelled meanwhile (another tab, the patient's link)
            if request.headers.get("HX-Request"):
                return HttpResponse(status=204)
            messages.error(request, " ".join(exc.messages))
            return redirect("intake:patient", assignment.patient_id)
        if outcome.submitted is not None:
            messages.success(request, f"“{assignment.title}” is complete.")
            return redirect("intake:patient", assignment.patient_id)
        if request.headers.get("HX-Request"):
            if outcome.unchanged(request.POST):
                return HttpResponse(status=204)  # saved; the screen already shows these items
            return render(request, "intake/_items.html", {"nodes": outcome.nodes, "shape": outcome.shape})
        status = 422 if outcome.problems_shown else 200
        if action == "save":
            messages.success(request, "Draft saved.")
        return render(request, "intake/interview.html", _context(assignment, outcome), status=status)
    return render(request, "intake/interview.html", _context(assignment, filling.show(assignment)))


def _context(assignment: FormAssignment, outcome: filling.Outcome) -> dict[str, object]:
    return {"assignment": assignment, "patient": assignment.patient, "nodes": outcome.nodes, "shape": outcome.shape,
            "focus": outcome.focus,
            "problems_shown": outcome.problems_shown, "title": definition_of(assignment.form).title}


@permission_required("intake.view_formresponse", raise_exception=True)
def response_detail(request: HttpRequest, response_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    response = (FormResponse.objects.select_related("form", "patient", "author")
                .filter(pk=response_id, organization_id=actor.organization_id or 0).first())
    if response is None:
        raise Http404
    access.access_patient(actor=actor, patient_id=response.patient_id, purpose="intake")
    return render(request, "intake/response.html", {"response": response, "patient": response.patient,
                                                    "items": response.resource.get("item", []),
                                                    "cards": list(response.cards.all())})


@permission_required("intake.view_formresponse", raise_exception=True)
def card_image(request: HttpRequest, card_id: int) -> FileResponse:
    """A card photo sent with a form when there was no coverage to put it on (audited like every card read)."""
    actor = Actor.from_request(request)
    card = FormResponseCard.objects.filter(pk=card_id, organization_id=actor.organization_id or 0).first()
    if card is None:
        raise Http404
    access.access_patient(actor=actor, patient_id=card.patient_id, perm="insurance.view_coverage",
                          purpose=f"insurance card {card.side} (intake)")
    content_type = mimetypes.guess_type(card.image.name)[0] or "application/octet-stream"
    return FileResponse(card.image.open("rb"), content_type=content_type)
