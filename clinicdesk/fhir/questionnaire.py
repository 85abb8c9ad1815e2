"""Questionnaire ↔ one version of an intake form (``intake.FormDefinition``), read and search.

The caller sees the practice's own forms and the forms shipped with clinicdesk, every version. The resource is
the stored Questionnaire with ``id`` the version's logical id; ``version`` is the definition's version number
for a practice's own forms and the shipped form's own version for shipped forms.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import instant, pk_of
from clinicdesk.fhir.errors import not_found
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, alternatives, any_of, id_q, string_q, token
from clinicdesk.intake.models import FormDefinition
from clinicdesk.intake.selectors import standard_definitions_ensure

READ_PERM = "intake.view_formdefinition"
STATUSES = frozenset({"draft", "active", "retired", "unknown"})

PARAMS = (
    SearchParam("url", "uri", "The form's canonical URL, e.g. urn:clinicdesk:questionnaire:new-patient."),
    SearchParam("name", "string", "The short name (the form's key) or the computer name; starts with."),
    SearchParam("title", "string", "The title; starts with, case-insensitive."),
    SearchParam("status", "token", "active (in use) or retired (a practice's form that was switched off)."),
    SearchParam("version", "token", "The version."),
)


def definitions(ctx: Ctx) -> QuerySet[FormDefinition]:
    standard_definitions_ensure()
    return FormDefinition.objects.filter(Q(organization_id=ctx.organization_id) | Q(organization__isnull=True))


def questionnaire_to_fhir(form: FormDefinition) -> Resource:
    data: dict[str, Any] = dict(form.questionnaire)
    data["id"] = str(form.pk)
    data["meta"] = {"versionId": "1", "lastUpdated": instant(form.created_at)}
    if not form.shipped:
        data["version"] = str(form.version)
    if not form.active:
        data["status"] = "retired"
    data.setdefault("name", "".join(part.capitalize() for part in form.key.split("-")))
    return data


def read(ctx: Ctx, logical_id: str) -> Resource:
    require(ctx, READ_PERM, "Questionnaire")
    pk = pk_of(logical_id)
    found = definitions(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Questionnaire/{logical_id[:64]} in this practice.")
    return questionnaire_to_fhir(found)


def _token_values(sr: SearchRequest, name: str) -> list[list[str]]:
    return [[token(alt)[1] for alt in alternatives(value)] for value in sr.values(name)]


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    require(ctx, READ_PERM, "Questionnaire")
    conditions = [id_q(sr), string_q(sr, "title", ["title"]), string_q(sr, "name", ["key", "questionnaire__name"])]
    conditions += [any_of([Q(questionnaire__url=alt) for alt in alternatives(value)]) for value in sr.values("url")]
    for codes in _token_values(sr, "status"):
        options = []
        if "active" in codes:
            options.append(Q(active=True))
        if "retired" in codes:
            options.append(Q(active=False))
        conditions.append(any_of(options))
    for codes in _token_values(sr, "version"):
        options = [Q(organization__isnull=True, questionnaire__version=c) for c in codes]
        options += [Q(organization__isnull=False, version=int(c)) for c in codes if c.isdigit()]
        conditions.append(any_of(options))
    found = definitions(ctx).filter(all_of(conditions)).order_by("key", "-version", "pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    return [questionnaire_to_fhir(f) for f in page], total


SPEC = ResourceSpec(
    type="Questionnaire",
    documentation=("Intake forms: the practice's own and the forms shipped with clinicdesk, every version "
                   "(needs intake.view_formdefinition). Read and search by url, name, title, status, version."),
    read=read,
    search=search,
    params=PARAMS,
)
