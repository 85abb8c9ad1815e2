"""Observation ↔ one filed lab result (an OBX), read and search.

Only results filed under a patient are served: a result waiting in the reconciliation queue belongs to nobody
yet. Reports the lab sent as documents (OBX type ED) are DiagnosticReport.presentedForm, not Observations.

Mapping:
- status (OBX-11, HL7 table 0085): F/U → final, C → corrected, P/R/S → preliminary, I/O → registered,
  X/N → cancelled, D/W → entered-in-error. A result a correction replaced keeps its own status and carries the
  extension ``urn:clinicdesk:fhir:extension:superseded-by`` (a Reference to the correcting Observation); the
  correction names what it replaced in ``derivedFrom``.
- code: LOINC (OBX-3 system LN) as http://loinc.org; any other coding system of the lab as
  ``urn:clinicdesk:lab-code:<system>`` (``urn:clinicdesk:lab-code`` when the lab sent none).
- value: NM → valueQuantity; ``<0.5`` or ``>60`` → valueQuantity with its comparator; coded → valueCodeableConcept
  (text); anything else → valueString.
- interpretation (OBX-8, HL7 table 0078) in v3-ObservationInterpretation, whose codes are the same.
- effectiveDateTime: the OBX time, else the order's collection time, else its report time.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import compact, instant, pk_of, ref
from clinicdesk.fhir.dates import DateParamError
from clinicdesk.fhir.errors import bad_request, not_found
from clinicdesk.fhir.instants import instant_condition, parse_instant_param
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import (
    NOTHING,
    SearchParam,
    SearchRequest,
    all_of,
    alternatives,
    any_of,
    id_q,
    reference_q,
    token,
)
from clinicdesk.labs.models import LabObservation
from clinicdesk.labs.results import REPORT_TYPES, when
from clinicdesk.labs.trends import parse_range
from clinicdesk.practice.models import Organization

LOINC = "http://loinc.org"
LAB_CODE_SYSTEM = "urn:clinicdesk:lab-code"
SUPERSEDED_BY = "urn:clinicdesk:fhir:extension:superseded-by"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
READ_PERMS = ("labs.view_labobservation", "patients.view_patient")

STATUS: dict[str, str] = {
    "F": "final", "U": "final", "C": "corrected", "P": "preliminary", "R": "preliminary", "S": "preliminary",
    "I": "registered", "O": "registered", "X": "cancelled", "N": "cancelled", "D": "entered-in-error",
    "W": "entered-in-error",
}
FHIR_STATUS = frozenset({"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                         "entered-in-error", "unknown"})
CATEGORIES = frozenset({"social-history", "vital-signs", "imaging", "laboratory", "procedure", "survey", "exam",
                        "therapy", "activity"})
INTERPRETATIONS = {
    "L": "Low", "H": "High", "LL": "Critical low", "HH": "Critical high", "N": "Normal", "A": "Abnormal",
    "AA": "Critical abnormal", "<": "Off scale low", ">": "Off scale high", "S": "Susceptible", "R": "Resistant",
    "I": "Intermediate", "U": "Significant change up", "D": "Significant change down", "B": "Better",
    "W": "Worse", "MS": "Moderately susceptible", "VS": "Very susceptible", "LU": "Significantly low",
    "HU": "Significantly high",
}
_COMPARED = re.compile(r"\s*(<=|>=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*")

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("subject", "reference", "Same as patient."),
    SearchParam("status", "token", "registered | preliminary | final | amended | corrected | cancelled | "
                "entered-in-error | unknown."),
    SearchParam("date", "date", "When the specimen was taken (eq/ne/gt/ge/lt/le; dates in the practice's time "
                "zone, a time needs a zone)."),
    SearchParam("code", "token", "http://loinc.org|2345-7, |code or code."),
    SearchParam("category", "token", "laboratory (every result here is a laboratory result)."),
)


def code_system_url(system: str) -> str:
    if system.upper() in ("LN", "LOINC"):
        return LOINC
    return f"{LAB_CODE_SYSTEM}:{system}" if system else LAB_CODE_SYSTEM


def code_system_q(system: str | None, field: str) -> Q:
    """Which stored systems (HL7 coding-system codes) a FHIR system means; NOTHING for a foreign one."""
    if system is None:
        return Q()
    if system == LOINC:
        return Q(**{f"{field}__in": ["LN", "ln", "LOINC"]})
    if system in ("", LAB_CODE_SYSTEM):
        return Q(**{field: ""})
    if system.startswith(LAB_CODE_SYSTEM + ":"):
        return Q(**{field: system[len(LAB_CODE_SYSTEM) + 1:]})
    return NOTHING


def token_code_q(sr: SearchRequest, name: str, code_field: str, system_field: str) -> Q:
    return all_of([
        any_of([Q(**{code_field: code}) & code_system_q(system, system_field)
                for system, code in (token(alt) for alt in alternatives(value))])
        for value in sr.values(name)
    ])


def status_q(sr: SearchRequest, name: str, field: str, ours: dict[str, str], allowed: frozenset[str]) -> Q:
    """A status token: each FHIR code must be ``allowed``; it finds our codes that map to it."""
    conditions = []
    for value in sr.values(name):
        codes = [token(alt)[1] for alt in alternatives(value)]
        unknown = [code for code in codes if code not in allowed]
        if unknown:
            raise bad_request(f"“{unknown[0][:64]}” is not a valid {name}; use one of: {', '.join(sorted(allowed))}.",
                              expression=[name], code="code-invalid")
        conditions.append(Q(**{f"{field}__in": [k for k, v in ours.items() if v in codes]}))
    return all_of(conditions)


def practice_zone(ctx: Ctx) -> ZoneInfo:
    """Times are given in the practice's time zone, as on its screens."""
    return Organization.objects.get(pk=ctx.organization_id).tz


def local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return instant(moment.astimezone(zone)) if moment else None


def date_q(ctx: Ctx, sr: SearchRequest, name: str, field: str) -> Q:
    values = sr.values(name)
    if not values:
        return Q()
    zone = practice_zone(ctx)
    try:
        return all_of([instant_condition(parse_instant_param(value, zone), field) for value in values])
    except DateParamError as exc:
        raise bad_request(str(exc), expression=[name], code="value") from exc


def _category_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("category"):
        codes = [token(alt) for alt in alternatives(value)]
        unknown = [code for system, code in codes if code not in CATEGORIES]
        if unknown:
            raise bad_request(f"“{unknown[0][:64]}” is not an observation category.", expression=["category"],
                              code="code-invalid")
        lab = any(code == "laboratory" and system in (None, "", CATEGORY_SYSTEM) for system, code in codes)
        conditions.append(Q() if lab else NOTHING)
    return all_of(conditions)


def _observations(ctx: Ctx) -> QuerySet[LabObservation]:
    return (LabObservation.objects.filter(order__organization_id=ctx.organization_id, order__patient__isnull=False)
            .exclude(value_type__in=REPORT_TYPES).select_related("order")
            .annotate(effective=Coalesce("observed_at", F("order__observed_at"), F("order__reported_at"))))


def _audit(ctx: Ctx, found: list[LabObservation], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="LabObservation", object_id=str(o.pk), patient_id=o.order.patient_id,
              detail={"purpose": purpose}) for o in found
    ])


def _require_read(ctx: Ctx) -> None:
    for perm in READ_PERMS:
        require(ctx, perm, "Observation")


def read(ctx: Ctx, logical_id: str) -> Resource:
    _require_read(ctx)
    pk = pk_of(logical_id)
    found = _observations(ctx).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Observation/{logical_id[:64]} in this practice.")
    _audit(ctx, [found], "fhir read")
    return observation_to_fhir(found, practice_zone(ctx))


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    _require_read(ctx)
    condition = all_of([
        reference_q(sr, "patient", "Patient", "order__patient_id"),
        reference_q(sr, "subject", "Patient", "order__patient_id"),
        status_q(sr, "status", "status", STATUS, FHIR_STATUS),
        date_q(ctx, sr, "date", "effective"),
        token_code_q(sr, "code", "code", "system"),
        _category_q(sr),
        id_q(sr),
    ])
    found = _observations(ctx).filter(condition).order_by(F("effective").desc(nulls_last=True), "-pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    _audit(ctx, page, "fhir search")
    zone = practice_zone(ctx)
    return [observation_to_fhir(o, zone) for o in page], total


def quantity(value: Decimal, units: str, comparator: str = "") -> dict[str, Any]:
    return compact({"value": value, "comparator": comparator, "unit": units})


def _value(o: LabObservation) -> dict[str, Any]:
    if o.value_numeric is not None and o.value_type in ("NM", "SN", "ST", ""):
        return {"valueQuantity": quantity(o.value_numeric, o.units)}
    if (match := _COMPARED.fullmatch(o.value_text)) and o.value_type in ("SN", "ST", "NM"):
        try:
            return {"valueQuantity": quantity(Decimal(match.group(2)), o.units, match.group(1))}
        except InvalidOperation:
            pass
    if o.value_type in ("CE", "CWE", "CNE") and o.value_text:
        return {"valueCodeableConcept": {"text": o.value_text}}
    return {"valueString": o.value_text} if o.value_text else {}


def _reference_range(o: LabObservation) -> list[dict[str, Any]]:
    if not o.reference_range:
        return []
    band = parse_range(o.reference_range)
    low = quantity(band.low, o.units) if band and band.low is not None else None
    high = quantity(band.high, o.units) if band and band.high is not None else None
    return [compact({"low": low, "high": high, "text": o.reference_range})]


def _interpretation(o: LabObservation) -> list[dict[str, Any]]:
    return [{"coding": [compact({"system": INTERPRETATION_SYSTEM, "code": flag,
                                 "display": INTERPRETATIONS.get(flag, "")})], "text": flag}
            for flag in o.flags if flag.upper() in INTERPRETATIONS]


def observation_to_fhir(o: LabObservation, zone: ZoneInfo) -> dict[str, Any]:
    order = o.order
    taken = when(o)
    extension = [{"url": SUPERSEDED_BY, "valueReference": ref("Observation", o.superseded_by_id)}] \
        if o.superseded_by_id else []
    replaced = [ref("Observation", pk) for pk in o.supersedes.values_list("pk", flat=True)] \
        if o.status == "C" else []
    return compact({
        "resourceType": "Observation",
        "id": str(o.pk),
        "extension": extension,
        "status": STATUS.get(o.status, "unknown"),
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "laboratory", "display": "Laboratory"}]}],
        "code": {"coding": [compact({"system": code_system_url(o.system), "code": o.code, "display": o.text})],
                 "text": o.text or o.code},
        "subject": ref("Patient", order.patient_id),
        "effectiveDateTime": local(taken, zone),
        "issued": local(order.reported_at, zone),
        **_value(o),
        "interpretation": _interpretation(o),
        "note": [{"text": o.notes}] if o.notes.strip() else [],
        "referenceRange": _reference_range(o),
        "derivedFrom": replaced,
    })


SPEC = ResourceSpec(
    type="Observation",
    documentation=("Laboratory results filed under the practice's patients (results still waiting for a patient "
                   "match are not served); each one returned is audited as a view of its patient (needs "
                   "labs.view_labobservation and patients.view_patient). A corrected result has status corrected "
                   "and derivedFrom the result it replaced, which carries the extension "
                   "urn:clinicdesk:fhir:extension:superseded-by."),
    read=read, search=search, params=PARAMS, read_perm="labs.view_labobservation",
)
