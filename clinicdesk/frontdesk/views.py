"""The today board: one location's day as the desk sees it, refreshed by htmx polling, with one-click moves.

A poll sends the fingerprint of what the user already sees; when nothing changed the answer is 204 (htmx
swaps nothing), otherwise the board fragment. Each patient shown is audited once per user per 12 hours.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.frontdesk.forms import AssignForm, RoomForm
from clinicdesk.frontdesk.selectors import Board, today_board
from clinicdesk.frontdesk.services import visit_step
from clinicdesk.patients import access
from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.selectors import practitioner_resources
from clinicdesk.scheduling.views import pick_location
from clinicdesk.web.forms import current_organization

LISTING = "frontdesk"
AUDIT_WINDOW = timedelta(hours=12)


def require(request: HttpRequest, *perms: str) -> tuple[Actor, Organization]:
    actor = Actor.from_request(request)
    for perm in perms:
        access.require_permission(actor, perm)
    return actor, current_organization(request)


def audit_shown(actor: Actor, patient_ids: set[int], *, polling: bool) -> None:
    """One audit entry per patient on the board; a poll records only those this user was not shown lately."""
    seen = set(patient_ids)
    if polling and seen and actor.user is not None:
        recorded = AuditEvent.objects.filter(user_id=actor.user.pk, action=Action.SEARCH_HIT, patient_id__in=seen,
                                             at__gte=timezone.now() - AUDIT_WINDOW, detail__list=LISTING)
        seen -= set(recorded.values_list("patient_id", flat=True))
    audit_record_many(actor=actor, entries=[
        Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(pid), patient_id=pid,
              detail={"list": LISTING}) for pid in sorted(seen)])


def _filters(request: HttpRequest) -> tuple[str, int | None]:
    chosen = request.GET.get("practitioner", "") or request.POST.get("practitioner", "")
    return (chosen, int(chosen)) if chosen.isdigit() else ("", None)


def _assign_choices(organization: Organization, needed: bool) -> dict[str, list[object]]:
    """The type and practitioner choices of the walk-in assign forms (read once, only when someone waits)."""
    if not needed:
        return {"types": [], "doctors": []}
    fields: dict[str, Any] = AssignForm(organization=organization).fields
    return {"types": list(fields["appointment_type"].queryset), "doctors": list(fields["practitioner"].queryset)}


def _board_context(request: HttpRequest, organization: Organization, location: Location, board: Board,
                   chosen: str) -> dict[str, object]:
    base = {"location": location.pk, **({"practitioner": chosen} if chosen else {})}
    return {
        "board": board, "location": location, "chosen": chosen, "now": timezone.now().astimezone(board.zone),
        "poll_url": reverse("frontdesk:board") + "?" + urlencode({**base, "since": board.fingerprint}),
        "rooms": list(Room.objects.filter(location=location, active=True)),
        **_assign_choices(organization, bool(board.walk_ins)),
        "count": len(board.appointments),
    }


def board_view(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "frontdesk.view_visit")
    location, locations = pick_location(request, organization)
    chosen, practitioner_id = _filters(request)
    board = today_board(location=location, practitioner_id=practitioner_id)
    polling = bool(request.headers.get("HX-Request"))
    if polling and request.GET.get("since") == board.fingerprint:
        return HttpResponse(status=204)
    audit_shown(actor, {a.patient_id for a in board.appointments} | {w.patient_id for w in board.walk_ins},
                polling=polling)
    context = _board_context(request, organization, location, board, chosen)
    if polling:
        return render(request, "frontdesk/_board.html", context)
    resources = practitioner_resources(organization.pk)
    return render(request, "frontdesk/board.html", {
        **context, "locations": locations, "practitioners": [r.practitioner for r in resources if r.practitioner]})


def _back(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """After a move: the fresh board fragment for htmx, else the board page."""
    chosen, practitioner_id = _filters(request)
    if request.headers.get("HX-Request"):
        actor, organization = require(request, "frontdesk.view_visit")
        board = today_board(location=appointment.location, practitioner_id=practitioner_id)
        audit_shown(actor, {a.patient_id for a in board.appointments}, polling=True)
        return render(request, "frontdesk/_board.html",
                      _board_context(request, organization, appointment.location, board, chosen))
    query = urlencode({"location": appointment.location_id, **({"practitioner": chosen} if chosen else {})})
    return redirect(reverse("frontdesk:board") + "?" + query)


@require_POST
def step_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor, organization = require(request, "frontdesk.change_visit", "scheduling.change_appointment")
    appointment = get_object_or_404(Appointment.objects.select_related("patient", "location"), pk=appointment_id,
                                    organization_id=organization.pk)
    step = request.POST.get("step", "")
    room = None
    if step == "room":
        form = RoomForm(request.POST, location_id=appointment.location_id)
        room = form.cleaned_data["room"] if form.is_valid() else None
    try:
        visit_step(actor=actor, appointment=appointment, step=step, room=room)
    except ValidationError as exc:
        messages.error(request, f"{appointment.patient.display_name}: {' '.join(exc.messages)}")
    else:
        label = {"room": f"to {room.name}" if room else "", "with_practitioner": "with the practitioner",
                 "ready": "ready for check-out", "no_show": "marked no-show"}.get(step, step)
        messages.success(request, f"{appointment.patient.display_name}: {label}.")
    return _back(request, appointment)
