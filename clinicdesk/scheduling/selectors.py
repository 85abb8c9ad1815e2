"""Reads for scheduling: find the next available options, and the appointments of a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from clinicdesk.practice.models import Location
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.calendars import TemplateLoader, calendars, type_spec
from clinicdesk.scheduling.configcache import Memo
from clinicdesk.scheduling.models import HOLDING, Appointment, AppointmentType, Resource, ResourceKind
from clinicdesk.scheduling.slots import (
    NO_PREFERENCES,
    Interval,
    Option,
    Preferences,
    TypeSpec,
    find_options,
    option_at,
)

# Searched in growing steps, stopping as soon as enough options are found: most searches end in the
# first few days and never read the reservations of the weeks after.
_STEPS = (timedelta(days=2), timedelta(days=10), timedelta(days=60), timedelta(days=180))


LONGEST_APPOINTMENT = timedelta(hours=12)  # AppointmentType.duration_minutes is at most 720


@dataclass(frozen=True)
class Choice:
    """One bookable option: when, with whom, where, and which resources it would hold."""

    start: datetime
    end: datetime
    practitioner_id: int
    location_id: int
    option: Option


def practitioner_resources(organization_id: int, *, practitioner_ids: Sequence[int] | None = None,
                           specialty: str = "") -> list[Resource]:
    resources = Resource.objects.filter(organization_id=organization_id, kind=ResourceKind.PRACTITIONER,
                                        active=True, practitioner__active=True).select_related("practitioner")
    if practitioner_ids is not None:
        resources = resources.filter(practitioner_id__in=practitioner_ids)
    if specialty:
        resources = resources.filter(practitioner__specialty__iexact=specialty)
    return list(resources.order_by("practitioner__family_name", "practitioner__given_name", "pk"))


def _at_location(spec: TypeSpec, location: Location, memo: Memo | None = None) -> tuple[TypeSpec, list[int]] | None:
    """The type's requirements with each pool narrowed to resources usable at ``location``; None when some
    requirement has no resource there (the type cannot be held at this location)."""
    return configcache.get(memo, ("at", spec, location.pk), lambda: _narrowed(spec, location))


def _narrowed(spec: TypeSpec, location: Location) -> tuple[TypeSpec, list[int]] | None:
    pool_ids = {rid for req in spec.requirements for rid in req.pool}
    if not pool_ids:
        return spec, []
    here = set(Resource.objects.filter(pk__in=pool_ids, active=True)
               .filter(Q(location=location) | Q(location__isnull=True)).values_list("pk", flat=True))
    pools = [tuple(r for r in req.pool if r in here) for req in spec.requirements]
    if not all(pools):
        return None
    requirements = tuple(replace(req, pool=pool) for req, pool in zip(spec.requirements, pools, strict=True))
    return replace(spec, requirements=requirements), sorted(here)


def options_at(spec: TypeSpec, practitioners: Sequence[Resource], location: Location, window: Interval,
               prefs: Preferences, n: int, busy_cache: dict[int, list[Interval]] | None = None,
               loader: TemplateLoader | None = None,
               narrowed: tuple[TypeSpec, list[Resource]] | None = None) -> list[Choice]:
    """Options at one location within ``window``. A multi-step search passes the same ``loader`` (templates
    read once) and the ``narrowed`` spec with its pool resources (see ``narrow``) to every step."""
    narrowed = narrowed or narrow(spec, location)
    if narrowed is None:
        return []
    local_spec, pool = narrowed
    resources = list(practitioners) + pool
    cals = calendars(resources, location, window, busy_cache, spec.id, loader)
    practitioner_cals = [cals[r.pk] for r in practitioners if cals[r.pk].blocks or cals[r.pk].extra]
    if not practitioner_cals:
        return []
    by_resource = {r.pk: r.practitioner_id or 0 for r in practitioners}
    return [Choice(o.start, o.end, by_resource[o.practitioner_id], location.pk, o)
            for o in find_options(local_spec, practitioner_cals, cals, window, prefs, n)]


def _resources(ids: list[int], memo: Memo | None) -> list[Resource]:
    if not ids:
        return []
    return list(configcache.get(memo, ("resources", tuple(ids)), lambda: list(Resource.objects.filter(pk__in=ids))))


def narrow(spec: TypeSpec, location: Location, memo: Memo | None = None) -> tuple[TypeSpec, list[Resource]] | None:
    """The type as it can be held at ``location`` and the resources of its pools there (None: it cannot)."""
    narrowed = _at_location(spec, location, memo)
    if narrowed is None:
        return None
    local_spec, pool_ids = narrowed
    return local_spec, _resources(pool_ids, memo)


def choice_at(spec: TypeSpec, practitioner: Resource, location: Location, start: datetime,
              memo: Memo | None = None, busy: bool = True) -> Choice | None:
    """The option at exactly ``start`` with this practitioner at this location, or None. With ``busy`` False
    the practitioner's reservations are not read: the answer then only says that the templates, exceptions
    and time off allow the time (a booking leaves the rest to the database's overlap guarantee)."""
    narrowed = _at_location(spec, location, memo)
    if narrowed is None:
        return None
    local_spec, pool_ids = narrowed
    resources = [practitioner, *_resources(pool_ids, memo)]
    reach = spec.duration + spec.buffer_before + spec.buffer_after + timedelta(hours=12)
    cals = calendars(resources, location, Interval(start - reach, start + reach), memo=memo,
                     busy_cache=None if busy else {practitioner.pk: []})
    option = option_at(local_spec, cals[practitioner.pk], cals, start)
    if option is None:
        return None
    return Choice(option.start, option.end, practitioner.practitioner_id or 0, location.pk, option)


def find_available(*, appointment_type: AppointmentType, practitioners: Sequence[Resource],
                   locations: Sequence[Location], prefs: Preferences = NO_PREFERENCES, n: int = 10,
                   horizon: timedelta = timedelta(days=60)) -> list[Choice]:
    """The next ``n`` options for the type across the practitioners and locations, in time order."""
    memo = configcache.current()
    spec = type_spec(appointment_type, memo)
    begin = max(prefs.earliest or timezone.now(), timezone.now())
    prefs = replace(prefs, earliest=begin)
    found: list[Choice] = []
    searched_to = begin
    loader = TemplateLoader(Interval(begin - timedelta(hours=12), begin + horizon), memo)
    narrowed = {location.pk: narrow(spec, location, memo) for location in locations}
    for step in _STEPS:
        end = min(begin + step, begin + horizon)
        if end <= searched_to:
            break
        window = Interval(searched_to - timedelta(hours=12), end)
        busy_cache: dict[int, list[Interval]] = {}
        for location in locations:
            if narrowed[location.pk] is None:
                continue
            found += [c for c in options_at(spec, practitioners, location, window, prefs, n, busy_cache, loader,
                                            narrowed[location.pk])
                      if c.start >= searched_to]
        searched_to = end
        if len(found) >= n:
            break
    found.sort(key=lambda c: (c.start, c.practitioner_id, c.location_id))
    return found[:n]


def day_appointments(*, organization_id: int, start: datetime, end: datetime,
                     practitioner_ids: Sequence[int] | None = None) -> QuerySet[Appointment]:
    # The lower bound on start keeps the index range to the day: without it, "start < end" alone walks the
    # practice's whole history before that day (an appointment is at most 12 hours long).
    qs = (Appointment.objects.filter(organization_id=organization_id, start__lt=end, end__gt=start,
                                     start__gte=start - LONGEST_APPOINTMENT)
          .select_related("patient", "appointment_type", "practitioner", "location"))
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    return qs.order_by("start")


__all__ = ["HOLDING", "Choice", "day_appointments", "find_available", "practitioner_resources"]
