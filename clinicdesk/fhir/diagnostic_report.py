"""DiagnosticReport ↔ one filed lab order (an OBR with its results), read and search.

Only orders filed under a patient are served (one waiting in the reconciliation queue belongs to nobody yet).

Mapping:
- status (OBR-25, HL7 table 0123): F → final, C → corrected, P → preliminary, A/R → partial, O/I/S → registered,
  X → cancelled, anything else (or none) → unknown.
- category: LAB (v2-0074); code: the ordered test (LOINC as http://loinc.org, else urn:clinicdesk:lab-code:<system>).
- identifier: the lab's filler number (type FILL) and our placer number (type PLAC).
- result: its Observations (the lab's documents excepted); presentedForm: the lab's documents (OBX type ED),
  with their bytes on read and without them in a search (read the report to get them).
- effectiveDateTime: collection time; issued: the lab's report time; conclusion: the order's notes.
"""

from __future__ import annotations

import base64
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Prefetch, QuerySet

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.codes import V2_0203
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import compact, pk_of, ref
from clinicdesk.fhir.errors import not_found
from clinicdesk.fhir.observation import code_system_url, date_q, local, practice_zone, status_q, token_code_q
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchParam, SearchRequest, all_of, id_q, reference_q
from clinicdesk.labs.models import LabObservation, LabOrder, LabReport
from clinicdesk.labs.results import REPORT_TYPES

READ_PERMS = ("labs.view_laborder", "patients.view_patient")
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
STATUS: dict[str, str] = {
    "F": "final", "C": "corrected", "P": "preliminary", "A": "partial", "R": "partial", "O": "registered",
    "I": "registered", "S": "registered", "X": "cancelled", "": "unknown", "Y": "unknown", "Z": "unknown",
}
FHIR_STATUS = frozenset({"registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
                         "cancelled", "entered-in-error", "unknown"})
MAX_INLINE = 5 * 1024 * 1024  # a document larger than this is described, not inlined

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("subject", "reference", "Same as patient."),
    SearchParam("status", "token", "registered | partial | preliminary | final | corrected | cancelled | unknown."),
    SearchParam("date", "date", "Collection time (eq/ne/gt/ge/lt/le; dates in the practice's time zone, a time "
                "needs a zone)."),
    SearchParam("code", "token", "The ordered test: http://loinc.org|24323-8, |code or code."),
)


def _orders(ctx: Ctx) -> QuerySet[LabOrder]:
    return (LabOrder.objects.filter(organization_id=ctx.organization_id, patient__isnull=False)
            .prefetch_related(Prefetch("observations", queryset=LabObservation.objects.order_by("pk")),
                              Prefetch("reports", queryset=LabReport.objects.order_by("pk"))))


def _audit(ctx: Ctx, found: list[LabOrder], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="LabOrder", object_id=str(o.pk), patient_id=o.patient_id,
              detail={"purpose": purpose}) for o in found
    ])


def _require_read(ctx: Ctx) -> None:
    for perm in READ_PERMS:
        require(ctx, perm, "DiagnosticReport")


def read(ctx: Ctx, logical_id: str) -> Resource:
    _require_read(ctx)
    pk = pk_of(logical_id)
    found = _orders(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no DiagnosticReport/{logical_id[:64]} in this practice.")
    _audit(ctx, [found], "fhir read")
    return report_to_fhir(found, practice_zone(ctx), with_data=True)


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    _require_read(ctx)
    condition = all_of([
        reference_q(sr, "patient", "Patient", "patient_id"),
        reference_q(sr, "subject", "Patient", "patient_id"),
        status_q(sr, "status", "status", STATUS, FHIR_STATUS),
        date_q(ctx, sr, "date", "observed_at"),
        token_code_q(sr, "code", "service_code", "service_system"),
        id_q(sr),
    ])
    found = _orders(ctx).filter(condition).order_by(F("observed_at").desc(nulls_last=True), "-pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    _audit(ctx, page, "fhir search")
    zone = practice_zone(ctx)
    return [report_to_fhir(o, zone, with_data=False) for o in page], total


def _attachment(report: LabReport, with_data: bool) -> dict[str, Any]:
    data = None
    if with_data and report.size <= MAX_INLINE:
        try:
            with report.content.open("rb") as handle:
                data = base64.b64encode(handle.read()).decode("ascii")
        except (FileNotFoundError, OSError):
            data = None
    return compact({"contentType": report.mime_type, "title": report.filename, "size": report.size, "data": data})


def _identifiers(order: LabOrder) -> list[dict[str, Any]]:
    found = []
    for code, value in (("FILL", order.filler_number), ("PLAC", order.placer_number)):
        if value:
            found.append({"type": {"coding": [{"system": V2_0203, "code": code}]}, "value": value})
    return found


def report_to_fhir(order: LabOrder, zone: ZoneInfo, *, with_data: bool) -> dict[str, Any]:
    observations = [o for o in order.observations.all() if o.value_type not in REPORT_TYPES]
    return compact({
        "resourceType": "DiagnosticReport",
        "id": str(order.pk),
        "identifier": _identifiers(order),
        "status": STATUS.get(order.status, "unknown"),
        "category": [{"coding": [{"system": V2_0074, "code": "LAB", "display": "Laboratory"}]}],
        "code": {"coding": [compact({"system": code_system_url(order.service_system), "code": order.service_code,
                                     "display": order.service_text})],
                 "text": order.service_text or order.service_code or "Laboratory result"},
        "subject": ref("Patient", order.patient_id),
        "effectiveDateTime": local(order.observed_at, zone),
        "issued": local(order.reported_at, zone),
        "result": [ref("Observation", o.pk, o.text) for o in observations],
        "conclusion": order.notes,
        "presentedForm": [_attachment(r, with_data) for r in order.reports.all()],
    })


SPEC = ResourceSpec(
    type="DiagnosticReport",
    documentation=("Laboratory orders with their results, filed under the practice's patients; each one returned "
                   "is audited as a view of its patient (needs labs.view_laborder and patients.view_patient). "
                   "presentedForm carries the lab's PDF on read (a search lists it without the bytes)."),
    read=read, search=search, params=PARAMS, read_perm="labs.view_laborder",
)
