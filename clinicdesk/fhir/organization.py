"""Organization: the caller's practice (id = its number, type "prov") and its payers (id "payer-<n>",
type "pay", shown to roles that may view payers). Read and search; the practice comes first.

The practice carries its billing NPI and EIN; a payer its electronic payer id (urn:clinicdesk:payer-id).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clinicdesk.fhir.codes import EIN_SYSTEM, NPI_SYSTEM, ORGANIZATION_TYPE, PAYER_ID_SYSTEM
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.coverage import PAYER_PREFIX
from clinicdesk.fhir.datatypes import address_to_fhir, compact, identifier, pk_of, telecom
from clinicdesk.fhir.errors import bad_request, not_found
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import (
    NOTHING,
    SearchParam,
    SearchRequest,
    all_of,
    alternatives,
    any_of,
    bool_q,
    string_q,
    token,
)
from clinicdesk.insurance.models import Payer
from clinicdesk.practice.models import Organization

VIEW_PAYER = "insurance.view_payer"
PARAMS = (
    SearchParam("name", "string", "Name starts with (case-blind)."),
    SearchParam("identifier", "token", f"{NPI_SYSTEM}|<billing NPI>, {EIN_SYSTEM}|<EIN>, "
                f"{PAYER_ID_SYSTEM}|<payer id>, or a value alone."),
    SearchParam("type", "token", "prov (the practice) | pay (payers)."),
    SearchParam("active", "token", "true or false."),
)


def _kind(coding: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": ORGANIZATION_TYPE, "code": coding, "display": display}]}]


def practice_to_fhir(org: Organization) -> dict[str, Any]:
    return compact({
        "resourceType": "Organization",
        "id": str(org.pk),
        "identifier": [identifier(NPI_SYSTEM, org.billing_npi), identifier(EIN_SYSTEM, org.tax_id)],
        "active": org.active,
        "type": _kind("prov", "Healthcare Provider"),
        "name": org.name,
        "telecom": [telecom("phone", org.phone, "work")],
        "address": [address_to_fhir(org, "work")],
    })


def payer_to_fhir(payer: Payer) -> dict[str, Any]:
    return compact({
        "resourceType": "Organization",
        "id": f"{PAYER_PREFIX}{payer.pk}",
        "identifier": [identifier(PAYER_ID_SYSTEM, payer.payer_id)],
        "active": payer.active,
        "type": _kind("pay", "Payer"),
        "name": payer.name,
        "telecom": [telecom("phone", payer.phone, "work")],
        "address": [address_to_fhir(payer, "work")],
    })


def read(ctx: Ctx, logical_id: str) -> Resource:
    if logical_id.startswith(PAYER_PREFIX):
        require(ctx, VIEW_PAYER, "Payer")
        pk = pk_of(logical_id, PAYER_PREFIX)
        payer = Payer.objects.filter(organization_id=ctx.organization_id, pk=pk).first() if pk else None
        if payer is not None:
            return payer_to_fhir(payer)
    elif pk_of(logical_id) == ctx.organization_id:
        return practice_to_fhir(Organization.objects.get(pk=ctx.organization_id))
    raise not_found(f"There is no Organization/{logical_id} here.")


def _identifier_q(sr: SearchRequest, systems: dict[str, str]) -> Q:
    """Identifier values over our fields: ``systems`` maps each identifier system to its field."""
    conditions = []
    for value in sr.values("identifier"):
        tokens = [token(alt) for alt in alternatives(value)]
        conditions.append(any_of([Q(**{field: code}) for system, code in tokens for sid, field in systems.items()
                                  if system in (None, sid) and code]))
    return all_of(conditions)


def _common(sr: SearchRequest, kind: str, prefix: str) -> Q:
    ids = [Q(pk__in=[pk for alt in alternatives(v) if (pk := pk_of(alt, prefix)) is not None])
           for v in sr.values("_id")]
    return all_of([string_q(sr, "name", ["name"]), bool_q(sr, "active", "active"), _type_q(sr, kind), *ids])


def _type_q(sr: SearchRequest, kind: str) -> Q:
    conditions = []
    for value in sr.values("type"):
        codes = {token(alt)[1] for alt in alternatives(value)}
        if not codes <= {"prov", "pay"}:
            raise bad_request("type is prov (the practice) or pay (payers).", expression=["type"],
                              code="code-invalid")
        conditions.append(Q() if kind in codes else NOTHING)
    return all_of(conditions)


def _payers(ctx: Ctx, sr: SearchRequest) -> QuerySet[Payer]:
    if not ctx.has_perm(VIEW_PAYER):
        return Payer.objects.none()
    condition = _common(sr, "pay", PAYER_PREFIX) & _identifier_q(sr, {PAYER_ID_SYSTEM: "payer_id"})
    return Payer.objects.filter(organization_id=ctx.organization_id).filter(condition).order_by("name", "pk")


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = _common(sr, "prov", "") & _identifier_q(sr, {NPI_SYSTEM: "billing_npi", EIN_SYSTEM: "tax_id"})
    practice = Organization.objects.filter(pk=ctx.organization_id).filter(condition).first()
    payers = _payers(ctx, sr)
    total = payers.count() + (1 if practice else 0)
    first = [practice_to_fhir(practice)] if practice and sr.offset == 0 and sr.count else []
    start = max(sr.offset - (1 if practice else 0), 0)
    rest = payers[start:start + sr.count - len(first)] if sr.count - len(first) > 0 else []
    return first + [payer_to_fhir(p) for p in rest], total


SPEC = ResourceSpec(
    type="Organization",
    documentation="The caller's practice (type prov) and its payers (type pay, id payer-<n>). Read-only.",
    read=read, search=search, params=PARAMS,
)
