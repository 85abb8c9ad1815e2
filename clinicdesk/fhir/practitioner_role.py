"""PractitionerRole: a practitioner's role in the practice, derived from the practitioner.

We keep one role per practitioner, so a PractitionerRole's id is its practitioner's id. It carries
the practice, the locations where they work, their specialty (NUCC taxonomy code, specialty text)
and work contacts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from clinicdesk.fhir.codes import NUCC_TAXONOMY
from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.datatypes import compact, ref, telecom
from clinicdesk.fhir.practitioner import load, practitioners
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import (
    SearchParam,
    SearchRequest,
    all_of,
    alternatives,
    bool_q,
    id_q,
    reference_pks,
    reference_q,
    token,
)
from clinicdesk.staff.models import Practitioner

PARAMS = (
    SearchParam("practitioner", "reference", "Practitioner/<id> or <id>."),
    SearchParam("location", "reference", "Location/<id> or <id>: practitioners who work there."),
    SearchParam("specialty", "token", f"NUCC taxonomy code ({NUCC_TAXONOMY}|<code> or <code>)."),
    SearchParam("active", "token", "true or false."),
)


def role_to_fhir(p: Practitioner) -> dict[str, Any]:
    return compact({
        "resourceType": "PractitionerRole",
        "id": str(p.pk),
        "active": p.active,
        "practitioner": ref("Practitioner", p.pk, p.display_name),
        "organization": ref("Organization", p.organization_id),
        "location": [ref("Location", location.pk, location.name) for location in p.locations.all()],
        "specialty": [{"coding": [{"system": NUCC_TAXONOMY, "code": p.taxonomy_code}] if p.taxonomy_code else [],
                       "text": p.specialty}],
        "telecom": [telecom("phone", p.phone, "work"), telecom("email", p.email, "work")],
    })


def read(ctx: Ctx, logical_id: str) -> Resource:
    return role_to_fhir(load(ctx, logical_id, "PractitionerRole"))


def _specialty_q(sr: SearchRequest) -> Q:
    return all_of([
        Q(taxonomy_code__in=[code for system, code in map(token, alternatives(value))
                             if system in (None, NUCC_TAXONOMY)])
        for value in sr.values("specialty")
    ])


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = all_of([reference_q(sr, "practitioner", "Practitioner", "pk"), _specialty_q(sr),
                        bool_q(sr, "active", "active"), id_q(sr)])
    found = practitioners(ctx).filter(condition)
    for location in sr.values("location"):  # each occurrence must hold, so one filter (join) per value
        found = found.filter(locations__in=reference_pks(location, "Location"))
    found = found.distinct().order_by("family_name", "given_name", "pk")
    page = list(found.prefetch_related("locations")[sr.offset:sr.offset + sr.count]) if sr.count else []
    return [role_to_fhir(p) for p in page], found.count()


SPEC = ResourceSpec(
    type="PractitionerRole",
    documentation="One role per practitioner (same id): practice, locations, specialty. Read-only.",
    read=read, search=search, params=PARAMS,
)
