"""Practitioner: the practice's clinicians (read and search). Directory data, open to any API user.

NPI as identifier (system http://hl7.org/fhir/sid/us-npi); the name with prefix ("Dr.") and the
credentials ("MD") as suffix and as qualification; work phone and e-mail.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clinicdesk.fhir.codes import NPI_SYSTEM
from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.datatypes import compact, identifier, pk_of, telecom
from clinicdesk.fhir.errors import not_found
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, alternatives, bool_q, id_q, string_q, token
from clinicdesk.lib.names import fold
from clinicdesk.staff.models import Practitioner

PARAMS = (
    SearchParam("name", "string", "Every word starts the family or given name (case-blind)."),
    SearchParam("family", "string", "Family name starts with (case-blind)."),
    SearchParam("given", "string", "Given name starts with (case-blind)."),
    SearchParam("identifier", "token", f"NPI: {NPI_SYSTEM}|<npi>, or the NPI."),
    SearchParam("active", "token", "true or false."),
)


def practitioner_to_fhir(p: Practitioner) -> dict[str, Any]:
    return compact({
        "resourceType": "Practitioner",
        "id": str(p.pk),
        "identifier": [identifier(NPI_SYSTEM, p.npi)],
        "active": p.active,
        "name": [{"use": "official", "text": p.display_name, "family": p.family_name, "given": [p.given_name],
                  "prefix": [p.prefix], "suffix": [p.credentials]}],
        "telecom": [telecom("phone", p.phone, "work"), telecom("email", p.email, "work")],
        "qualification": [{"code": {"text": p.credentials}}] if p.credentials else [],
    })


def practitioners(ctx: Ctx) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(organization_id=ctx.organization_id)


def load(ctx: Ctx, logical_id: str, resource_type: str) -> Practitioner:
    pk = pk_of(logical_id)
    found = practitioners(ctx).filter(pk=pk).prefetch_related("locations").first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no {resource_type}/{logical_id} in this practice.")
    return found


def read(ctx: Ctx, logical_id: str) -> Resource:
    return practitioner_to_fhir(load(ctx, logical_id, "Practitioner"))


def name_q(sr: SearchRequest) -> Q:
    return all_of([
        Q(family_name__istartswith=word) | Q(given_name__istartswith=word)
        for value in sr.values("name") for word in fold(value).split()
    ])


def npi_q(sr: SearchRequest) -> Q:
    return all_of([
        Q(npi__in=[code for system, code in map(token, alternatives(value)) if system in (None, NPI_SYSTEM) and code])
        for value in sr.values("identifier")
    ])


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = all_of([name_q(sr), string_q(sr, "family", ["family_name"]), string_q(sr, "given", ["given_name"]),
                        npi_q(sr), bool_q(sr, "active", "active"), id_q(sr)])
    found = practitioners(ctx).filter(condition).order_by("family_name", "given_name", "pk")
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    return [practitioner_to_fhir(p) for p in page], found.count()


SPEC = ResourceSpec(
    type="Practitioner",
    documentation="The practice's clinicians, with their NPI. Read-only.",
    read=read, search=search, params=PARAMS,
)
