"""The pages behind a reminder's signed links (no login: the signed token is the key; see links.py).

GET shows the appointment and one button; only POST acts, so a link preview or a mail scanner fetching the URL
changes nothing. Every refusal is a plain page (400 not a link of ours, 410 expired or used), never an error."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinicdesk.messaging.links import LinkRefused, LinkTarget, link_check
from clinicdesk.messaging.models import LinkUse
from clinicdesk.messaging.reminder_services import merge_values
from clinicdesk.messaging.responses import CANCEL, CONFIRM, appointment_respond, patient_actor
from clinicdesk.messaging.waitlist_offers import offer_from_token, offer_when

_ASK = {
    CONFIRM: ("Confirm your appointment", "Will you come to this appointment?", "Yes, I will come"),
    CANCEL: ("Cancel your appointment", "Do you want to cancel this appointment? The time will be given to "
                                        "someone else.", "Yes, cancel my appointment"),
    "reschedule": ("Ask for a new time", "Do you want the practice to call you to find another time? Your "
                                         "appointment stays booked until then.", "Yes, please call me"),
}
_DONE = {
    CONFIRM: ("Appointment confirmed", "Thank you. We look forward to seeing you."),
    CANCEL: ("Appointment cancelled", "Your appointment is cancelled."),
    "reschedule": ("Request received", "Thank you. The practice will contact you to find a new time."),
}


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = link_check(token)
    except LinkRefused as exc:
        return _page(request, None, status=exc.status, title="This link cannot be used", text=str(exc))
    if request.method == "GET":
        title, text, button = _ASK[target.action]
        return _page(request, target, title=title, text=text, button=button, action=target.action)
    actor = patient_actor("link", ip=request.META.get("REMOTE_ADDR") or None)
    try:
        with transaction.atomic():
            LinkUse.objects.create(message=target.message, action=target.action, ip=actor.ip)
            appointment_respond(actor=actor, appointment=target.appointment, action=target.action)
    except IntegrityError:  # answered a moment ago, e.g. a double click
        return _page(request, target, status=410, title="This link cannot be used",
                     text="This link has already been used.")
    except ValidationError:
        return _page(request, target, status=409, title="This appointment cannot be changed here",
                     text="Please call the practice.")
    title, text = _DONE[target.action]
    return _page(request, target, title=title, text=text)


def _page(request: HttpRequest, target: LinkTarget | None, *, status: int = 200, **context: Any) -> HttpResponse:
    if target is not None:
        appointment = target.appointment
        values = merge_values(appointment, ZoneInfo(appointment.location.timezone or appointment.organization.timezone))
        context.update(when=f"{values['appointment_date']}, {values['appointment_time']}",
                       practitioner=values["practitioner_name"], location=values["location_name"],
                       practice_name=values["practice_name"], practice_phone=values["location_phone"])
    return render(request, "messaging/link.html", context, status=status)


@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """A waitlist offer's accept link: GET shows the time, POST takes it (first to accept wins)."""
    from clinicdesk.scheduling.models import OfferStatus
    from clinicdesk.scheduling.services import SlotUnavailable
    from clinicdesk.scheduling.waitlist import waitlist_accept

    found = offer_from_token(token)
    if found is None:
        return render(request, "messaging/link.html", {"title": "This link cannot be used",
                                                       "text": "This link is not valid."}, status=400)
    organization = found.entry.organization
    context: dict[str, Any] = {"when": offer_when(found), "practitioner": found.practitioner.display_name,
                               "location": found.location.name, "practice_name": organization.name,
                               "practice_phone": found.location.phone or organization.phone}
    gone = "Sorry, this time is no longer available. You stay on the waitlist."
    if found.status != OfferStatus.OPEN or found.expires_at <= timezone.now():
        taken = found.status == OfferStatus.ACCEPTED
        return render(request, "messaging/link.html", {
            **context, "title": "Already booked" if taken else "This time is no longer available",
            "text": "You have this appointment." if taken else gone}, status=410)
    if request.method == "GET":
        return render(request, "messaging/link.html", {
            **context, "title": "An earlier time is free", "button": "Yes, book this time for me", "action": "accept",
            "text": f"A {found.entry.appointment_type.name} appointment is free. Do you want it? "
                    "The first to answer gets it."})
    try:
        waitlist_accept(actor=patient_actor("link", ip=request.META.get("REMOTE_ADDR") or None), offer=found)
    except SlotUnavailable:
        return render(request, "messaging/link.html", {**context, "title": "Someone was faster", "text": gone},
                      status=410)
    except ValidationError:
        return render(request, "messaging/link.html", {**context, "title": "This time is no longer available",
                                                       "text": gone}, status=410)
    return render(request, "messaging/link.html", {**context, "title": "Appointment booked",
                                                   "text": "Thank you. The appointment is yours; we look forward "
                                                           "to seeing you."})
