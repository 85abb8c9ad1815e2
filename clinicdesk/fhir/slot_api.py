"""Slot interactions: search and read, computed on demand (see ``fhir.slot``). Needs staff.use_api only:
slots name no patient.

The search window is [start lower bound, start upper bound): by default from now for 14 days, at most 60
days; past instants yield no free slots (busy ones still show). Without ``schedule`` every schedule of
the practice is searched; without ``service-type``, every active appointment type.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from clinicdesk.fhir.codes import SLOT_STATUS
from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.dates import DateParamError
from clinicdesk.fhir.errors import bad_request, not_found
from clinicdesk.fhir.instants import parse_instant_param, window_of
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.schedule import type_key
from clinicdesk.fhir.schedule_api import schedule_locations, schedules
from clinicdesk.fhir.search import SearchParam, SearchRequest, alternatives, reference_pks, token
from clinicdesk.fhir.slot import busy_slot_to_fhir, free_slot_to_fhir, parse_busy_slot_id, parse_free_slot_id
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.calendars import location_timezone, type_spec
from clinicdesk.scheduling.models import AppointmentType, Reservation
from clinicdesk.scheduling.models import Resource as Bookable
from clinicdesk.scheduling.selectors import choice_at, find_available
from clinicdesk.scheduling.slots import Preferences

DEFAULT_WINDOW = timedelta(days=14)
MAX_WINDOW = timedelta(days=60)
# At most this many free slots per appointment type and search (a day has about a hundred per practitioner).
MAX_FREE = 5000

PARAMS = (
    SearchParam("schedule", "reference", "Schedule/<id> or <id>; commas for several."),
    SearchParam("start", "date", "Slot start, with ge/gt/le/lt (dates in the practice's time zone; a time needs a "
                "zone). The window defaults to 14 days from now and may span at most 60 days."),
    SearchParam("status", "token", "free | busy | busy-tentative (busy-unavailable and entered-in-error match "
                "nothing)."),
    SearchParam("service-type", "token", "An appointment type: urn:clinicdesk:appointment-type|<id>, "
                "urn:clinicdesk:appointment-type-code|<code>, or the id or code alone."),
)


def _zone(ctx: Ctx) -> ZoneInfo:
    return Organization.objects.get(pk=ctx.organization_id).tz


def _window(sr: SearchRequest, zone: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        lower, upper = window_of([parse_instant_param(v, zone) for v in sr.values("start")])
    except DateParamError as exc:
        raise bad_request(str(exc), expression=["start"], code="value") from exc
    lower = lower or timezone.now()
    upper = upper or lower + DEFAULT_WINDOW
    if upper - lower > MAX_WINDOW:
        raise bad_request(f"Search at most {MAX_WINDOW.days} days of slots at a time (start=ge…&start=lt…).",
                          expression=["start"], code="too-costly")
    return lower, upper


def _types(ctx: Ctx, sr: SearchRequest) -> list[AppointmentType]:
    types = AppointmentType.objects.filter(organization_id=ctx.organization_id, active=True)
    for value in sr.values("service-type"):
        condition = Q(pk__in=[])
        for system, code in map(token, alternatives(value)):
            key = type_key(system, code)
            if key is not None and key[0] == "id" and code.isdigit() and len(code) <= 18:
                condition |= Q(pk=int(code))
            elif key is not None and key[0] == "code":
                condition |= Q(code__iexact=code)
        types = types.filter(condition)
    return list(types.order_by("name", "pk"))


def _statuses(sr: SearchRequest) -> set[str]:
    wanted = set(SLOT_STATUS)
    for value in sr.values("status"):
        codes = {token(alt)[1] for alt in alternatives(value)}
        unknown = sorted(codes - SLOT_STATUS)
        if unknown:
            raise bad_request(f"“{unknown[0]}” is not a slot status; use one of: {', '.join(sorted(SLOT_STATUS))}.",
                              expression=["status"], code="code-invalid")
        wanted &= codes
    return wanted


def _schedules(ctx: Ctx, sr: SearchRequest) -> list[Bookable]:
    found = schedules(ctx.organization_id).filter(active=True, practitioner__active=True)
    for value in sr.values("schedule"):
        found = found.filter(pk__in=reference_pks(value, "Schedule"))
    return list(found)


def _free(ctx: Ctx, resources: list[Bookable], types: list[AppointmentType], lower: datetime,
          upper: datetime) -> list[Resource]:
    now = timezone.now()
    begin = max(lower, now)
    if begin >= upper or not resources:
        return []
    location_ids = schedule_locations(ctx.organization_id, [r.pk for r in resources])
    locations = sorted({loc for locs in location_ids.values() for loc in locs}, key=lambda loc: loc.pk)
    found = []
    for t in types:
        for choice in find_available(appointment_type=t, practitioners=resources, locations=locations,
                                     prefs=Preferences(earliest=begin), n=MAX_FREE,
                                     # the kernel's window holds the whole visit; ours bounds its start
                                     horizon=upper - begin + timedelta(minutes=t.duration_minutes)):
            if begin <= choice.start < upper:
                location = next(loc for loc in locations if loc.pk == choice.location_id)
                found.append(free_slot_to_fhir(choice.option.practitioner_id, choice.location_id, t, choice.start,
                                               choice.end, ZoneInfo(location_timezone(location))))
    return found


def _busy(ctx: Ctx, resources: list[Bookable], types: list[AppointmentType], lower: datetime, upper: datetime,
          statuses: set[str], zone: ZoneInfo) -> list[Resource]:
    reservations = (Reservation.objects.filter(organization_id=ctx.organization_id, active=True,
                                               resource_id__in=[r.pk for r in resources],
                                               appointment__appointment_type__in=types,
                                               start__lt=upper, end__gt=lower)
                    .select_related("appointment__appointment_type"))
    slots = [busy_slot_to_fhir(r, zone) for r in reservations]
    return [s for s in slots if s["status"] in statuses]


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    zone = _zone(ctx)
    lower, upper = _window(sr, zone)
    statuses = _statuses(sr)
    types = _types(ctx, sr)
    resources = _schedules(ctx, sr)
    found: list[Resource] = []
    if "free" in statuses:
        found += _free(ctx, resources, types, lower, upper)
    if statuses & {"busy", "busy-tentative"}:
        found += _busy(ctx, resources, types, lower, upper, statuses, zone)
    ids = {alt for value in sr.values("_id") for alt in alternatives(value)}
    if sr.values("_id"):
        found = [s for s in found if s["id"] in ids]
    found.sort(key=lambda s: (datetime.fromisoformat(s["start"]), s["id"]))
    return (found[sr.offset:sr.offset + sr.count] if sr.count else []), len(found)


def read(ctx: Ctx, logical_id: str) -> Resource:
    slot = _read_free(ctx, logical_id) if parse_free_slot_id(logical_id) else _read_busy(ctx, logical_id)
    if slot is None:
        raise not_found(f"There is no Slot/{logical_id}: it is taken, past, or never was one. Search Slot again.")
    return slot


def _read_free(ctx: Ctx, logical_id: str) -> Resource | None:
    wanted = parse_free_slot_id(logical_id)
    assert wanted is not None
    if wanted.start < timezone.now():
        return None
    resource = schedules(ctx.organization_id).filter(pk=wanted.schedule_id, active=True).first()
    location = Location.objects.filter(organization_id=ctx.organization_id, pk=wanted.location_id).first()
    t = AppointmentType.objects.filter(organization_id=ctx.organization_id, pk=wanted.type_id, active=True).first()
    if resource is None or location is None or t is None:
        return None
    choice = choice_at(type_spec(t), resource, location, wanted.start)
    if choice is None:
        return None
    return free_slot_to_fhir(resource.pk, location.pk, t, choice.start, choice.end,
                             ZoneInfo(location_timezone(location)))


def _read_busy(ctx: Ctx, logical_id: str) -> Resource | None:
    wanted = parse_busy_slot_id(logical_id)
    if wanted is None:
        return None
    reservation = (Reservation.objects.filter(organization_id=ctx.organization_id, resource_id=wanted[0],
                                              pk=wanted[1], active=True)
                   .select_related("appointment__appointment_type").first())
    return busy_slot_to_fhir(reservation, _zone(ctx)) if reservation else None


SPEC = ResourceSpec(
    type="Slot",
    documentation=("Free and busy times of the Schedules, computed when asked (nothing is stored). Free slot ids "
                   "are <schedule>-<location>-<type>-<start in Unix seconds> (comment names the Location); "
                   "one free slot per possible start on a five-minute grid, so free slots may overlap. Busy slot "
                   "ids are <schedule>-busy-<n> and never name the patient. The start window defaults to 14 "
                   "days from now and may span at most 60 days (400 too-costly beyond). Reading a slot that "
                   "is no longer free answers 404. Needs staff.use_api only."),
    read=read, search=search, params=PARAMS,
)
