"""Schedule interactions: read and search. Directory data (no patient in it): any API user may read it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.datatypes import pk_of
from clinicdesk.fhir.errors import not_found
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.schedule import schedule_to_fhir
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, alternatives, any_of, bool_q, id_q
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    ExceptionKind,
    ResourceKind,
)
from clinicdesk.scheduling.models import Resource as Bookable

PARAMS = (
    SearchParam("actor", "reference", "Practitioner/<id> or Location/<id> (a bare id matches either)."),
    SearchParam("active", "token", "true or false."),
)


def schedules(organization_id: int) -> QuerySet[Bookable]:
    """The practitioner resources of the practice that have availability: one Schedule each."""
    return (Bookable.objects.filter(organization_id=organization_id, kind=ResourceKind.PRACTITIONER,
                                    practitioner__isnull=False)
            .filter(Q(blocks__isnull=False) | Q(exceptions__kind=ExceptionKind.EXTRA))
            .distinct().select_related("practitioner"))


def schedule_locations(organization_id: int, resource_ids: list[int]) -> dict[int, list[Location]]:
    """The locations where each resource has availability, by name."""
    pairs = set(AvailabilityBlock.objects.filter(resource_id__in=resource_ids).values_list("resource_id",
                                                                                          "location_id"))
    pairs |= set(AvailabilityException.objects.filter(resource_id__in=resource_ids, kind=ExceptionKind.EXTRA,
                                                      location__isnull=False)
                 .values_list("resource_id", "location_id"))
    by_id = {loc.pk: loc for loc in Location.objects.filter(organization_id=organization_id,
                                                             pk__in={lid for _, lid in pairs})}
    found: dict[int, list[Location]] = {rid: [] for rid in resource_ids}
    for rid, lid in pairs:
        if lid in by_id:
            found[rid].append(by_id[lid])
    for locations in found.values():
        locations.sort(key=lambda loc: (loc.name, loc.pk))
    return found


def _types(resource: Bookable) -> list[AppointmentType]:
    """The types the schedule is restricted to; empty when some session allows every type."""
    blocks = AvailabilityBlock.objects.filter(resource=resource).prefetch_related("types")
    extra = AvailabilityException.objects.filter(resource=resource, kind=ExceptionKind.EXTRA).prefetch_related("types")
    kinds = [list(b.types.all()) for b in blocks] + [list(e.types.all()) for e in extra]
    if not kinds or any(not k for k in kinds):
        return []
    return sorted({t for k in kinds for t in k}, key=lambda t: (t.name, t.pk))


def to_fhir(resources: list[Bookable], organization_id: int) -> list[Resource]:
    locations = schedule_locations(organization_id, [r.pk for r in resources])
    return [schedule_to_fhir(r, locations[r.pk], _types(r)) for r in resources]


def load(ctx: Ctx, logical_id: str) -> Bookable:
    pk = pk_of(logical_id)
    found = schedules(ctx.organization_id).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Schedule/{logical_id} in this practice.")
    return found


def read(ctx: Ctx, logical_id: str) -> Resource:
    return to_fhir([load(ctx, logical_id)], ctx.organization_id)[0]


def actor_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("actor"):
        options = []
        for alt in alternatives(value):
            head, _, last = alt.rstrip("/").rpartition("/")
            pk = pk_of(last)
            if pk is None:
                continue
            if not head or head.endswith("Practitioner"):
                options.append(Q(practitioner_id=pk))
            if not head or head.endswith("Location"):
                options.append(Q(blocks__location_id=pk) | Q(exceptions__location_id=pk,
                                                             exceptions__kind=ExceptionKind.EXTRA))
        conditions.append(any_of(options))
    return all_of(conditions)


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = all_of([actor_q(sr), bool_q(sr, "active", "active"), id_q(sr)])
    found = schedules(ctx.organization_id).filter(condition).order_by(
        "practitioner__family_name", "practitioner__given_name", "pk")
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    return to_fhir(page, ctx.organization_id), found.count()


SPEC = ResourceSpec(
    type="Schedule",
    documentation=("One per practitioner with availability (its id is the practitioner's bookable resource); "
                   "actor is the Practitioner and the Locations where they see patients. Free and busy times "
                   "are its Slots. Read-only; needs staff.use_api only."),
    read=read, search=search, params=PARAMS,
)
