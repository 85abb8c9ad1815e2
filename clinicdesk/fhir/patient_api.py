"""Patient interactions: read, search, create, update. Reads go through ``patients.access`` (audited),
writes through ``patients.services``.

Create refuses a likely duplicate with 409 (issue code "duplicate", one issue per candidate Patient)
unless the request carries ``X-Clinicdesk-Allow-Duplicate: true``, sent once the user has checked the
candidates and confirmed a new person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from fhir.resources.R4B.patient import Patient as FhirPatient

from clinicdesk.fhir.codes import ADMINISTRATIVE_GENDER, PATIENT_RULES, mrn_system
from clinicdesk.fhir.context import Ctx
from clinicdesk.fhir.datatypes import pk_of
from clinicdesk.fhir.errors import FhirError, bad_request, issue, not_found, service_errors
from clinicdesk.fhir.http import version_conflict
from clinicdesk.fhir.patient import PATHS, patient_fields, patient_to_fhir
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import (
    NOTHING,
    SearchParam,
    SearchRequest,
    all_of,
    alternatives,
    code_q,
    date_q,
    id_q,
    string_q,
    token,
)
from clinicdesk.fhir.validate import validate_resource
from clinicdesk.lib.names import fold
from clinicdesk.patients.access import access_patient, access_patient_page
from clinicdesk.patients.models import Patient, Status
from clinicdesk.patients.search import Terms
from clinicdesk.patients.services import PossibleDuplicate, patient_create, patient_update
from clinicdesk.practice.models import Organization

ALLOW_DUPLICATE_HEADER = "X-Clinicdesk-Allow-Duplicate"
PARAMS = (
    SearchParam("name", "string", "Every word must start a word of one of the names (family, given, middle, "
                "preferred); accent- and case-blind. Repeat to add words; commas (OR) are not supported."),
    SearchParam("family", "string", "Family name starts with (case-blind); commas for OR."),
    SearchParam("given", "string", "A given, middle or preferred name starts with (case-blind); commas for OR."),
    SearchParam("birthdate", "date", "Date of birth: eq (default), ne, gt, lt, ge, le, sa, eb; YYYY[-MM[-DD]]."),
    SearchParam("identifier", "token", "MRN: system|value with urn:clinicdesk:mrn:<practice id>, or the value."),
    SearchParam("phone", "token", "Any phone of the patient ends with these digits."),
    SearchParam("telecom", "token", "As phone, or phone|digits."),
    SearchParam("gender", "token", "male | female | other | unknown; commas for OR."),
    SearchParam("active", "token", "true or false."),
)


def read(ctx: Ctx, logical_id: str) -> Resource:
    return patient_to_fhir(_access(ctx, logical_id, "patients.view_patient", "fhir read"))


def _access(ctx: Ctx, logical_id: str, perm: str, purpose: str) -> Patient:
    pk = pk_of(logical_id)
    if pk is None:
        raise not_found(f"There is no Patient/{logical_id}.")
    try:
        return access_patient(actor=ctx.actor, patient_id=pk, perm=perm, purpose=purpose)
    except Http404 as exc:
        raise not_found(f"There is no Patient/{logical_id} in this practice.") from exc


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    names = [word for value in sr.values("name") for word in _words(value)]
    digits = _phone_digits(sr)
    extra = all_of([
        NOTHING if digits == "" else Q(),  # a phone without digits matches no one (not everyone)
        string_q(sr, "family", ["family_name"]),
        string_q(sr, "given", ["given_name", "middle_name", "preferred_name"]),
        date_q(sr, "birthdate", "birth_date"),
        _identifier_q(ctx, sr),
        code_q(sr, "gender", "sex", ADMINISTRATIVE_GENDER),
        _active_q(sr),
        id_q(sr),
    ])
    terms = Terms(names=names, phone_digits=digits or "")
    patients, total = access_patient_page(actor=ctx.actor, terms=terms, extra=extra, offset=sr.offset,
                                          limit=sr.count)
    return [patient_to_fhir(p) for p in patients], total


def _words(value: str) -> list[str]:
    if "," in value.replace("\\,", ""):
        raise bad_request("name does not support alternatives (commas); search once per name.",
                          expression=["name"], code="not-supported")
    return fold(value).split()


def _phone_digits(sr: SearchRequest) -> str | None:
    """The digits to match the end of a phone number with; None when no phone was asked for."""
    phones = sr.values("phone") + [token(value)[1] for value in sr.values("telecom")]
    if not phones:
        return None
    if len(phones) > 1 or any("," in phone for phone in phones):
        raise bad_request("Search one phone number at a time.", expression=["phone"], code="not-supported")
    return "".join(ch for ch in phones[0] if ch.isascii() and ch.isdigit())


def _identifier_q(ctx: Ctx, sr: SearchRequest) -> Q:
    """MRNs are exact. Another system's identifiers are not ours, so they match no one."""
    ours = mrn_system(ctx.organization_id)
    return all_of([
        Q(mrn__in=[code for system, code in map(token, alternatives(value)) if system in (None, ours)])
        for value in sr.values("identifier")
    ])


def _active_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("active"):
        if value not in ("true", "false"):
            raise bad_request("active is true or false.", expression=["active"], code="value")
        conditions.append(Q(status=Status.ACTIVE) if value == "true" else ~Q(status=Status.ACTIVE))
    return all_of(conditions)


def create(ctx: Ctx, body: dict[str, Any]) -> Resource:
    fields = patient_fields(validate_resource(body, FhirPatient, PATIENT_RULES), ctx.organization_id)
    allow = ctx.request.headers.get(ALLOW_DUPLICATE_HEADER, "").strip().lower() == "true"
    organization = Organization.objects.get(pk=ctx.organization_id)
    try:
        with service_errors("Patient", PATHS):
            patient = patient_create(actor=ctx.actor, organization=organization, fields=fields,
                                     allow_duplicate=allow)
    except PossibleDuplicate as exc:
        raise FhirError(409, [
            issue("duplicate", f"Possible duplicate of Patient/{m.id}: {'; '.join(m.reasons)} (score {m.score}). "
                  f"If this is a different person, send the request again with {ALLOW_DUPLICATE_HEADER}: true.",
                  expression=["Patient"])
            for m in exc.matches
        ]) from exc
    return patient_to_fhir(patient)


def update(ctx: Ctx, logical_id: str, body: dict[str, Any], expected_version: int | None) -> Resource:
    resource = validate_resource(body, FhirPatient, PATIENT_RULES)
    if resource.get("id") != logical_id:
        raise bad_request(f"The body's id must be “{logical_id}”, the id in the URL.", expression=["Patient.id"])
    fields = patient_fields(resource, ctx.organization_id)
    patient = _access(ctx, logical_id, "patients.change_patient", "fhir update")
    if expected_version is not None and patient.version != expected_version:
        raise version_conflict(patient.version)
    try:
        with service_errors("Patient", PATHS):
            updated = patient_update(actor=ctx.actor, patient=patient, fields=fields,
                                     expected_version=expected_version)
    except FhirError as exc:
        # The version may have moved between our check and the service's locked re-read.
        if expected_version is not None and isinstance(exc.__cause__, ValidationError):
            current = Patient.objects.filter(pk=patient.pk).values_list("version", flat=True).first()
            if current is not None and current != expected_version:
                raise version_conflict(current) from exc
        raise
    return patient_to_fhir(updated)


SPEC = ResourceSpec(
    type="Patient",
    documentation=("Patients of the caller's practice. Reads are audited. Create/update map names, telecom, "
                   "gender, birthDate, address, communication, generalPractitioner, contact (emergency) and "
                   f"active/deceased; the MRN is assigned by the server. {ALLOW_DUPLICATE_HEADER}: true "
                   "confirms a create refused with 409 as a likely duplicate. If-Match: W/\"<versionId>\" "
                   "guards updates (412 on mismatch)."),
    read=read, search=search, params=PARAMS, create=create, create_perm="patients.add_patient",
    update=update, update_perm="patients.change_patient", versioned=True,
)
