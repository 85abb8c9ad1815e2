"""Location: the practice's sites (read and search). Directory data, open to any API user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.datatypes import address_to_fhir, compact, pk_of, ref, telecom
from clinicdesk.fhir.errors import bad_request, not_found
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, id_q, string_q
from clinicdesk.practice.models import Location

PARAMS = (
    SearchParam("name", "string", "Name starts with (case-blind)."),
    SearchParam("address-city", "string", "City starts with (case-blind)."),
    SearchParam("address-state", "string", "State starts with (case-blind)."),
    SearchParam("address-postalcode", "string", "Postal code starts with."),
    SearchParam("status", "token", "active | inactive."),
)


def location_to_fhir(location: Location) -> dict[str, Any]:
    return compact({
        "resourceType": "Location",
        "id": str(location.pk),
        "status": "active" if location.active else "inactive",
        "name": location.name,
        "mode": "instance",
        "telecom": [telecom("phone", location.phone, "work")],
        "address": address_to_fhir(location, "work"),
        "managingOrganization": ref("Organization", location.organization_id),
    })


def _locations(ctx: Ctx) -> QuerySet[Location]:
    return Location.objects.filter(organization_id=ctx.organization_id)


def read(ctx: Ctx, logical_id: str) -> Resource:
    pk = pk_of(logical_id)
    found = _locations(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Location/{logical_id} in this practice.")
    return location_to_fhir(found)


def _status_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("status"):
        codes = value.split(",")
        if not set(codes) <= {"active", "inactive"}:
            raise bad_request("status is active or inactive.", expression=["status"], code="code-invalid")
        conditions.append(Q(active__in=[code == "active" for code in codes]))
    return all_of(conditions)


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = all_of([
        string_q(sr, "name", ["name"]),
        string_q(sr, "address-city", ["city"]),
        string_q(sr, "address-state", ["state"]),
        string_q(sr, "address-postalcode", ["postal_code"]),
        _status_q(sr),
        id_q(sr),
    ])
    found = _locations(ctx).filter(condition).order_by("name", "pk")
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    return [location_to_fhir(location) for location in page], found.count()


SPEC = ResourceSpec(
    type="Location",
    documentation="The practice's sites. Read-only.",
    read=read, search=search, params=PARAMS,
)
