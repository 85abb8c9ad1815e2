"""The CapabilityStatement (GET /fhir/r4/metadata): what this server supports, built from the ResourceSpecs."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.utils import timezone

from clinicdesk.fhir.datatypes import instant
from clinicdesk.fhir.http import FHIR_JSON
from clinicdesk.fhir.patient_api import ALLOW_DUPLICATE_HEADER
from clinicdesk.fhir.registry import ResourceSpec
from clinicdesk.fhir.search import CONTROL, ID_PARAM

SECURITY = (
    "Send Authorization: Bearer <token> (issue one with `clinicdesk createtoken USERNAME`). The token's user "
    "needs the staff.use_api permission and sees only their own practice; reading and writing patients and "
    "coverages needs the same permissions as the web screens (patients.view_patient, patients.add_patient, "
    "patients.change_patient, insurance.view_coverage, insurance.add_coverage, insurance.change_coverage, "
    "scheduling.view_appointment, scheduling.add_appointment, scheduling.change_appointment); Schedule and Slot "
    "need staff.use_api only. "
    "Every read of patient data is recorded in the audit trail."
)
REST_DOCUMENTATION = (
    f"Bodies are {FHIR_JSON} (application/json is accepted too). Errors are OperationOutcome: 400 malformed or "
    "invalid resource, 401 no or bad token, 403 not permitted, 404 unknown id (or another practice's), "
    "409 likely duplicate patient, or an appointment time that cannot be booked (with the next free slots), "
    "412 If-Match version mismatch, 415 wrong content type, 422 rejected by "
    f"business rules. {ALLOW_DUPLICATE_HEADER}: true confirms creating a patient refused as a likely "
    "duplicate. Search paging: _count (default 20, at most 100) and _offset; unknown parameters are ignored "
    "unless Prefer: handling=strict; modifiers are refused. Slot searches cover at most 60 days of start (default: "
    "14 days from now)."
)


def _software_version() -> str:
    try:
        return version("clinicdesk")
    except PackageNotFoundError:
        return "0.0.0"


def _resource(spec: ResourceSpec) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": spec.type,
        "documentation": spec.documentation,
        "interaction": [{"code": code} for code in spec.interactions],
        "versioning": "versioned-update" if spec.versioned else "no-version",
        "readHistory": False,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [{"name": p.name, "type": p.type, "documentation": p.documentation}
                        for p in (*spec.params, ID_PARAM)],
    }
    return found


def capability_statement(base: str, specs: list[ResourceSpec]) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(timezone.now()),
        "publisher": "clinicdesk",
        "kind": "instance",
        "software": {"name": "clinicdesk", "version": _software_version()},
        "implementation": {"description": "clinicdesk FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": REST_DOCUMENTATION,
            "security": {"cors": False, "description": SECURITY},
            "resource": [_resource(spec) for spec in specs],
            "searchParam": [{"name": name, "type": "number" if name in ("_count", "_offset") else "token",
                             "documentation": "Paging and output control."} for name in sorted(CONTROL)],
        }],
    }
