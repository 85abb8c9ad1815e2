"""Schedule screens: the day (practitioners or rooms as columns), a practitioner's week, the printable day list.

Booking lives in booking_views, one appointment's page in appointment_views.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.patients import access
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling import grid
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import Appointment, AvailabilityBlock
from clinicdesk.scheduling.selectors import practitioner_resources
from clinicdesk.scheduling.services import resource_for_practitioner
from clinicdesk.staff.models import Practitioner
from clinicdesk.web.forms import current_organization


def require(request: HttpRequest, perm: str) -> tuple[Actor, Organization]:
    actor = Actor.from_request(request)
    access.require_permission(actor, perm)
    return actor, current_organization(request)


def when(value: datetime, zone: ZoneInfo) -> str:
    """How coordinators say a time: Tue 3 Dec 09:30."""
    local = value.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def pick_location(request: HttpRequest, organization: Organization, *,
                  practitioner: Practitioner | None = None) -> tuple[Location, list[Location]]:
    locations = list(Location.objects.filter(organization=organization, active=True)
                     .select_related("organization").order_by("name"))
    if not locations:
        raise Http404("This practice has no location yet.")
    wanted = request.GET.get("location", "")
    if wanted.isdigit():
        for loc in locations:
            if loc.pk == int(wanted):
                return loc, locations
        raise Http404("No such location in this practice.")
    if practitioner is not None:
        used = set(AvailabilityBlock.objects.filter(resource__practitioner=practitioner)
                   .values_list("location_id", flat=True))
        for loc in locations:
            if loc.pk in used:
                return loc, locations
    return locations[0], locations


def pick_day(request: HttpRequest, zone: ZoneInfo) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate(timezone=zone)


def audit_listed(actor: Actor, appointments: list[Appointment], listing: str, action: str = Action.SEARCH_HIT,
                 *, only_new_since: timedelta | None = None) -> None:
    """One audit entry per patient shown (a list reveals who is coming, not their chart). A refresh every
    30 s would write the same entries all day, so with ``only_new_since`` only patients this user has not
    been shown on this list in that time are recorded: nobody appears on screen unaudited."""
    seen = {a.patient_id for a in appointments}
    if only_new_since is not None and seen and actor.user is not None:
        recorded = AuditEvent.objects.filter(user_id=actor.user.pk, action=action, patient_id__in=seen,
                                             at__gte=timezone.now() - only_new_since, detail__list=listing)
        seen -= set(recorded.values_list("patient_id", flat=True))
    audit_record_many(actor=actor, entries=[
        Entry(action=action, object_type="Patient", object_id=str(pid), patient_id=pid, detail={"list": listing})
        for pid in sorted(seen)])


def _nav(base: dict[str, Any], day: date, step: int) -> dict[str, str]:
    def url(d: date) -> str:
        return "?" + urlencode({**base, "date": d.isoformat()})
    return {"prev": url(day - timedelta(days=step)), "next": url(day + timedelta(days=step)),
            "today": url(timezone.localdate(timezone=base.pop("_zone")))}


def day_view(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "scheduling.view_appointment")
    location, locations = pick_location(request, organization)
    zone = ZoneInfo(location_timezone(location))
    day = pick_day(request, zone)
    mode = "rooms" if request.GET.get("view") == "rooms" else "practitioners"
    resources = practitioner_resources(organization.pk)
    chosen = request.GET.get("practitioner", "")
    if mode == "rooms":
        board = grid.room_day(location, day)
    else:
        shown = [r for r in resources if str(r.practitioner_id) == chosen] if chosen.isdigit() else resources
        board = grid.practitioner_day(location, day, shown)
    appointments = [a for col in board.columns for a in col.appointments] + board.off_grid
    polling = bool(request.headers.get("HX-Request"))
    audit_listed(actor, appointments, "day", only_new_since=timedelta(hours=12) if polling else None)
    base = {"location": location.pk, "view": mode, **({"practitioner": chosen} if chosen.isdigit() else {})}
    context = {
        "board": board, "day": day, "location": location, "locations": locations, "mode": mode,
        "practitioners": [r.practitioner for r in resources if r.practitioner], "chosen": chosen,
        "nav": _nav({**base, "_zone": zone}, day, 1), "self_url": "?" + urlencode({**base, "date": day.isoformat()}),
        "rooms_url": "?" + urlencode({**base, "date": day.isoformat(), "view": "rooms"}),
        "people_url": "?" + urlencode({**base, "date": day.isoformat(), "view": "practitioners"}),
        "refreshed": timezone.now().astimezone(zone), "count": len(appointments),
    }
    template = "scheduling/_grid.html" if polling else "scheduling/day.html"
    return render(request, template, context)


def week_view(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "scheduling.view_appointment")
    practitioners = list(Practitioner.objects.filter(organization=organization, active=True))
    if not practitioners:
        raise Http404("This practice has no practitioner yet.")
    wanted = request.GET.get("practitioner", "")
    practitioner = (get_object_or_404(Practitioner, pk=int(wanted), organization=organization)
                    if wanted.isdigit() else practitioners[0])
    location, locations = pick_location(request, organization, practitioner=practitioner)
    zone = ZoneInfo(location_timezone(location))
    day = pick_day(request, zone)
    monday = day - timedelta(days=day.weekday())
    board = grid.practitioner_week(location, monday, resource_for_practitioner(practitioner))
    audit_listed(actor, [a for col in board.columns for a in col.appointments] + board.off_grid, "week")
    base = {"practitioner": practitioner.pk, "location": location.pk}
    return render(request, "scheduling/week.html", {
        "board": board, "day": monday, "sunday": monday + timedelta(days=6), "practitioner": practitioner,
        "practitioners": practitioners, "location": location, "locations": locations,
        "nav": _nav({**base, "_zone": zone}, monday, 7),
    })


def print_view(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "scheduling.view_appointment")
    wanted = request.GET.get("practitioner", "")
    if not wanted.isdigit():
        raise Http404("Choose a practitioner.")
    practitioner = get_object_or_404(Practitioner, pk=int(wanted), organization=organization)
    zone = organization.tz
    day = pick_day(request, zone)
    lo, hi = grid.day_bounds(day, zone)
    appointments = list(Appointment.objects.filter(practitioner=practitioner, start__lt=hi, end__gt=lo,
                                                   status__in=grid.SHOWN)
                        .select_related("patient", "appointment_type", "location").order_by("start"))
    audit_listed(actor, appointments, "print", action=Action.EXPORT)
    rows = [(a, a.start.astimezone(zone), a.end.astimezone(zone)) for a in appointments]
    return render(request, "scheduling/print.html", {
        "practitioner": practitioner, "day": day, "rows": rows, "printed": timezone.now().astimezone(zone)})
