"""The waitlist screen: who is waiting, and freed times to call them about (the staff task until messaging)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.messaging.selectors import offer_messages
from clinicdesk.patients import access
from clinicdesk.scheduling.models import AppointmentType, OfferStatus, WaitlistEntry, WaitlistOffer, WaitStatus, Weekday
from clinicdesk.scheduling.services import SlotUnavailable
from clinicdesk.scheduling.waitlist import waitlist_accept, waitlist_add, waitlist_decline
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.fields import TypedDateField
from clinicdesk.web.forms import apply_validation_error, current_organization


class WaitlistForm(forms.Form):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), required=False,
                                          empty_label="Any practitioner")
    earliest_date = TypedDateField(label="From")
    latest_date = TypedDateField(label="Until")
    weekdays = forms.TypedMultipleChoiceField(choices=Weekday.choices, coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple, help_text="None ticked: any day")
    priority = forms.IntegerField(initial=0, min_value=-10, max_value=10, help_text="Higher is offered first")
    notes = forms.CharField(max_length=200, required=False)


def _offers(org_id: int) -> list[WaitlistOffer]:
    return list(WaitlistOffer.objects.filter(entry__organization_id=org_id, status=OfferStatus.OPEN,
                                             expires_at__gt=timezone.now())
                .select_related("entry__patient", "entry__appointment_type", "practitioner", "location"))


@permission_required("scheduling.view_appointment", raise_exception=True)
def waitlist_page(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    actor = Actor.from_request(request)
    access.require_permission(actor, "patients.view_patient")
    offers = _offers(org.pk)
    entries = list(WaitlistEntry.objects.filter(organization=org, status=WaitStatus.WAITING)
                   .select_related("patient", "appointment_type", "practitioner"))
    # Listing names is a read of patient data: one audit event per patient shown.
    shown = {o.entry.patient_id for o in offers} | {e.patient_id for e in entries}
    audit_record_many(actor=actor, entries=[Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(pid),
                                                  patient_id=pid, detail={"list": "waitlist"}) for pid in shown])
    sent = offer_messages(organization_id=org.pk, offer_ids=[o.pk for o in offers])
    return render(request, "scheduling/waitlist/page.html",
                  {"offers": [(o, sent.get(o.pk)) for o in offers], "entries": entries})


@permission_required("scheduling.add_appointment", raise_exception=True)
def waitlist_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = access.access_patient(actor=actor, patient_id=patient_id, purpose="waitlist")
    form = WaitlistForm(request.POST or None)
    form.fields["appointment_type"].queryset = AppointmentType.objects.filter(  # type: ignore[attr-defined]
        organization=patient.organization, active=True)
    form.fields["practitioner"].queryset = Practitioner.objects.filter(  # type: ignore[attr-defined]
        organization=patient.organization, active=True)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist_add(actor=actor, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{patient.display_name} is on the waitlist for "
                                      f"{form.cleaned_data['appointment_type']}.")
            return redirect("waitlist:page")
    return render(request, "scheduling/waitlist/new.html", {"form": form, "patient": patient})


@require_POST
@permission_required("scheduling.add_appointment", raise_exception=True)
def offer_answer(request: HttpRequest, offer_id: int, answer: str) -> HttpResponse:
    offer = get_object_or_404(WaitlistOffer.objects.select_related("entry__patient"), pk=offer_id,
                              entry__organization=current_organization(request))
    actor = Actor.from_request(request)
    name = offer.entry.patient.display_name
    try:
        if answer == "accept":
            appointment = waitlist_accept(actor=actor, offer=offer)
            local = timezone.localtime(appointment.start)
            messages.success(request, f"Booked {name} {local:%a %d %b %H:%M} from the waitlist.")
        else:
            waitlist_decline(actor=actor, offer=offer)
            messages.info(request, f"{name} declined the time.")
    except SlotUnavailable:
        messages.error(request, f"Too late: that time was just taken. {name} stays on the waitlist.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("waitlist:page")
