"""Find available and book: what the caller asks for, the next ten options, one click to book.

A time someone else took a moment ago is not an error page: the form stays as it was, with the next options.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from clinicdesk.audit.services import Actor
from clinicdesk.patients import access
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.forms import BookForm, FindForm
from clinicdesk.scheduling.selectors import Choice, find_available, practitioner_resources
from clinicdesk.scheduling.services import SlotTaken, SlotUnavailable, appointment_book
from clinicdesk.scheduling.views import require, when
from clinicdesk.staff.models import Practitioner

FIND_FIELDS = ("appointment_type", "practitioner", "specialty", "location", "weekdays", "part", "earliest", "after",
               "reason")


def option_rows(choices: list[Choice], organization: Organization) -> list[dict[str, Any]]:
    """Each option with the names a coordinator reads out: 'Tue 3 Dec 09:30 with Dr. … at Main Street'."""
    people = Practitioner.objects.in_bulk({c.practitioner_id for c in choices})
    places = Location.objects.select_related("organization").in_bulk({c.location_id for c in choices})
    rows = []
    for c in choices:
        who, where = people[c.practitioner_id], places[c.location_id]
        zone = ZoneInfo(location_timezone(where))
        start, end = c.start.astimezone(zone), c.end.astimezone(zone)
        rows.append({"choice": c, "practitioner": who, "location": where, "start": c.start.isoformat(),
                     "day_text": f"{start:%a} {start.day} {start:%b %Y}", "time_text": f"{start:%H:%M}–{end:%H:%M}",
                     "label": f"{when(c.start, zone)} with {who.display_name} at {where.name}"})
    return rows


def _search(form: FindForm, organization: Organization) -> list[Choice]:
    data = form.cleaned_data
    locations = ([data["location"]] if data.get("location") else
                 list(Location.objects.filter(organization=organization, active=True).select_related("organization")))
    chosen: Practitioner | None = data.get("practitioner")
    resources = practitioner_resources(organization.pk, practitioner_ids=[chosen.pk] if chosen else None,
                                       specialty="" if chosen else data.get("specialty") or "")
    if not locations or not resources:
        return []
    zone = ZoneInfo(location_timezone(locations[0]))
    return find_available(appointment_type=data["appointment_type"], practitioners=resources, locations=locations,
                          prefs=form.preferences(zone), n=10)


def _find_query(params: QueryDict) -> str:
    return urlencode([(k, v) for k in FIND_FIELDS for v in params.getlist(k) if v], doseq=True)


def _page(request: HttpRequest, organization: Organization, patient: Patient | None, params: QueryDict, *,
          options: list[Choice] | None = None, problem: str = "", status: int = 200) -> HttpResponse:
    wants_search = bool(params.get("appointment_type"))
    form = FindForm(params if wants_search else None, organization=organization,
                    initial={k: params.get(k) for k in FIND_FIELDS if params.get(k)})
    if options is None:
        options = _search(form, organization) if wants_search and form.is_valid() else []
    return render(request, "scheduling/book.html", {
        "form": form, "patient": patient, "options": option_rows(options, organization), "searched": wants_search,
        "problem": problem, "find_query": _find_query(params),
        "header": _header(patient) if patient else {},
    }, status=status)


def _header(patient: Patient) -> dict[str, object]:
    from clinicdesk.patients.views import chart_header

    return chart_header(patient)


def _patient(actor: Actor, raw: str | None) -> Patient | None:
    if not raw or not raw.isdigit():
        return None
    return access.access_patient(actor=actor, patient_id=int(raw), purpose="booking")


def book_view(request: HttpRequest) -> HttpResponse:
    actor, organization = require(request, "scheduling.add_appointment")
    if request.method != "POST":
        return _page(request, organization, _patient(actor, request.GET.get("patient")), request.GET)
    patient = _patient(actor, request.POST.get("patient"))
    back = QueryDict(request.POST.get("find_query", ""))
    form = BookForm(request.POST, organization=organization)
    if patient is None:
        return _page(request, organization, None, back, problem="Choose the patient first.", status=400)
    if not form.is_valid():
        return _page(request, organization, patient, back, problem="Pick one of the times offered.", status=400)
    data = form.cleaned_data
    try:
        appointment = appointment_book(actor=actor, patient=patient, appointment_type=data["appointment_type"],
                                       practitioner=data["practitioner"], location=data["location"],
                                       start=data["start"], reason=data["reason"])
    except SlotTaken as exc:
        return _page(request, organization, patient, back, options=exc.options, status=409,
                     problem="That time was just taken. Here are the next times with the same practitioner.")
    except SlotUnavailable as exc:
        return _page(request, organization, patient, back, options=exc.options, status=409,
                     problem=f"That time was just taken ({exc.message}) Here are the next times that are free.")
    except ValidationError as exc:
        return _page(request, organization, patient, back, problem=" ".join(exc.messages), status=400)
    zone = ZoneInfo(location_timezone(appointment.location))
    messages.success(request, f"Booked {when(appointment.start, zone)} with {appointment.practitioner.display_name} "
                              f"at {appointment.location.name} for {patient.display_name}.")
    return redirect("schedule:appointment", appointment_id=appointment.pk)


def book_patients(request: HttpRequest) -> HttpResponse:
    """Patient search inside the booking page (htmx): each hit keeps what was asked for so far."""
    actor, _ = require(request, "scheduling.add_appointment")
    query = request.GET.get("q", "").strip()[:200]
    terms = parse(query)
    result = access.access_patient_search(actor=actor, terms=terms, limit=15) if query else None
    keep = _find_query(request.GET)
    return render(request, "scheduling/_patient_choices.html", {
        "query": query, "result": result, "problems": terms.problems, "keep": keep})
