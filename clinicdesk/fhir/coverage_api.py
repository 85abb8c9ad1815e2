"""Coverage interactions: read, search, create, update.

Coverage is patient data: every coverage returned is an audit VIEW event on its patient; writes go
through ``insurance.services.coverage_save``; the beneficiary of a new coverage is loaded through
``patients.access``. A coverage never moves to another patient (that is what a merge does).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from fhir.resources.R4B.coverage import Coverage as FhirCoverage

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.codes import COVERAGE_RULES, FINANCIAL_RESOURCE_STATUS
from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.coverage import PATHS, CoverageInput, coverage_input, coverage_to_fhir
from clinicdesk.fhir.datatypes import pk_of
from clinicdesk.fhir.errors import bad_request, not_found, service_errors, unprocessable
from clinicdesk.fhir.http import version_conflict
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, code_q, id_q, reference_q
from clinicdesk.fhir.validate import validate_resource
from clinicdesk.insurance.models import Coverage, Payer, Plan
from clinicdesk.insurance.services import coverage_new, coverage_save
from clinicdesk.patients.access import access_patient
from clinicdesk.patients.models import Patient

PARAMS = (
    SearchParam("patient", "reference", "The beneficiary: Patient/<id> or <id>."),
    SearchParam("beneficiary", "reference", "Same as patient."),
    SearchParam("status", "token", "active | cancelled."),
)


def _coverages(ctx: Ctx) -> QuerySet[Coverage]:
    return Coverage.objects.filter(organization_id=ctx.organization_id).select_related("payer", "plan")


def _audit_views(ctx: Ctx, coverages: list[Coverage], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="Coverage", object_id=str(c.pk), patient_id=c.patient_id,
              detail={"purpose": purpose})
        for c in coverages
    ])


def read(ctx: Ctx, logical_id: str) -> Resource:
    coverage = _load(ctx, logical_id)
    _audit_views(ctx, [coverage], "fhir read")
    return coverage_to_fhir(coverage)


def _load(ctx: Ctx, logical_id: str, *, lock: bool = False) -> Coverage:
    pk = pk_of(logical_id)
    coverages = _coverages(ctx).select_for_update(of=("self",)) if lock else _coverages(ctx)
    coverage = coverages.filter(pk=pk).first() if pk is not None else None
    if coverage is None:
        raise not_found(f"There is no Coverage/{logical_id} in this practice.")
    return coverage


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    condition = all_of([
        reference_q(sr, "patient", "Patient", "patient_id"),
        reference_q(sr, "beneficiary", "Patient", "patient_id"),
        code_q(sr, "status", "status", FINANCIAL_RESOURCE_STATUS),
        id_q(sr),
    ])
    found = _coverages(ctx).filter(condition).order_by("patient_id", "priority", "pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    _audit_views(ctx, page, "fhir search")
    return [coverage_to_fhir(c) for c in page], total


def _parse(body: dict[str, Any]) -> CoverageInput:
    return coverage_input(validate_resource(body, FhirCoverage, COVERAGE_RULES,
                                            contained_types=frozenset({"RelatedPerson"})))


def _references(ctx: Ctx, wanted: CoverageInput) -> dict[str, Any]:
    """The payer and plan the resource names, from this practice only (else 422)."""
    payer = Payer.objects.filter(organization_id=ctx.organization_id, pk=wanted.payer_id).first() \
        if wanted.payer_id else None
    if payer is None:
        raise unprocessable("There is no such payer in this practice; use an Organization/payer-<id> it lists.",
                            expression=[PATHS["payer"]])
    plan = Plan.objects.filter(payer=payer, pk=wanted.plan_id).first() if wanted.plan_id else None
    if wanted.plan_id and plan is None:
        raise unprocessable("That plan is not one of the payer's plans.", expression=[PATHS["plan"]])
    return {"payer": payer, "plan": plan}


def create(ctx: Ctx, body: dict[str, Any]) -> Resource:
    wanted = _parse(body)
    refs = _references(ctx, wanted)
    patient = _beneficiary(ctx, wanted.patient_id)
    with service_errors("Coverage", PATHS):
        coverage = coverage_save(actor=ctx.actor, coverage=coverage_new(patient=patient),
                                 fields={**wanted.fields, **refs})
    return coverage_to_fhir(coverage)


def _beneficiary(ctx: Ctx, patient_id: int | None) -> Patient:
    try:
        if patient_id is None:
            raise Http404
        return access_patient(actor=ctx.actor, patient_id=patient_id, perm="insurance.add_coverage",
                              purpose="fhir coverage create")
    except Http404 as exc:
        raise unprocessable("There is no such patient in this practice.", expression=[PATHS["patient"]]) from exc


def update(ctx: Ctx, logical_id: str, body: dict[str, Any], expected_version: int | None) -> Resource:
    wanted = _parse(body)
    if body.get("id") != logical_id:
        raise bad_request(f"The body's id must be “{logical_id}”, the id in the URL.", expression=["Coverage.id"])
    with transaction.atomic():
        coverage = _load(ctx, logical_id, lock=True)
        if expected_version is not None and coverage.version != expected_version:
            raise version_conflict(coverage.version)
        if wanted.patient_id != coverage.patient_id:
            raise unprocessable("A coverage cannot move to another patient.", expression=[PATHS["patient"]])
        refs = _references(ctx, wanted)
        with service_errors("Coverage", PATHS):
            coverage = coverage_save(actor=ctx.actor, coverage=coverage, fields={**wanted.fields, **refs})
    return coverage_to_fhir(coverage)


SPEC = ResourceSpec(
    type="Coverage",
    documentation=("Insurance coverages of the practice's patients; each one returned is audited as a view of "
                   "its patient. payor is Organization/payer-<id>; a subscriber other than the patient is a "
                   "contained RelatedPerson. If-Match: W/\"<versionId>\" guards updates (412 on mismatch)."),
    read=read, search=search, params=PARAMS, read_perm="insurance.view_coverage",
    create=create, create_perm="insurance.add_coverage", update=update, update_perm="insurance.change_coverage",
    versioned=True,
)
