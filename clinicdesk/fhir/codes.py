"""Code systems and required value sets we check ourselves.

``fhir.resources`` validates structure and primitive formats but not required code bindings, so
"femal" would pass as a gender. Each resource lists the paths of the coded elements it reads with
their value set; ``code_issues`` walks them over the validated resource.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from clinicdesk.fhir.errors import issue

# Code systems and naming systems we emit.
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"  # identifier types (MR, MB, NPI, TAX)
V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"  # contact role (C = emergency contact)
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
EIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"
NUCC_TAXONOMY = "http://nucc.org/provider-taxonomy"
BCP47 = "urn:ietf:bcp:47"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
COPAY_TYPE = "http://terminology.hl7.org/CodeSystem/coverage-copay-type"
# Our own: X12 individual relationship codes, and the payer's electronic payer id.
X12_RELATIONSHIP = "urn:clinicdesk:x12:individual-relationship"
PAYER_ID_SYSTEM = "urn:clinicdesk:payer-id"


def mrn_system(organization_id: int) -> str:
    """MRNs are unique per practice, so each practice is its own identifier system."""
    return f"urn:clinicdesk:mrn:{organization_id}"


ADMINISTRATIVE_GENDER = frozenset({"male", "female", "other", "unknown"})
NAME_USE = frozenset({"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"})
CONTACT_POINT_SYSTEM = frozenset({"phone", "fax", "email", "pager", "url", "sms", "other"})
CONTACT_POINT_USE = frozenset({"home", "work", "temp", "old", "mobile"})
ADDRESS_USE = frozenset({"home", "work", "temp", "old", "billing"})
ADDRESS_TYPE = frozenset({"postal", "physical", "both"})
IDENTIFIER_USE = frozenset({"usual", "official", "temp", "secondary", "old"})
LINK_TYPE = frozenset({"replaced-by", "replaces", "refer", "seealso"})
FINANCIAL_RESOURCE_STATUS = frozenset({"active", "cancelled", "draft", "entered-in-error"})
SUBSCRIBER_RELATIONSHIP_CODES = frozenset({"child", "parent", "spouse", "common", "other", "self", "injured"})

_PERSON_RULES: dict[str, frozenset[str]] = {
    "gender": ADMINISTRATIVE_GENDER,
    "name.use": NAME_USE,
    "telecom.system": CONTACT_POINT_SYSTEM,
    "telecom.use": CONTACT_POINT_USE,
    "address.use": ADDRESS_USE,
    "address.type": ADDRESS_TYPE,
    "identifier.use": IDENTIFIER_USE,
}
PATIENT_RULES: dict[str, frozenset[str]] = {
    **_PERSON_RULES,
    **{f"contact.{path}": codes for path, codes in _PERSON_RULES.items() if path != "identifier.use"},
    "link.type": LINK_TYPE,
}
COVERAGE_RULES: dict[str, frozenset[str]] = {
    "status": FINANCIAL_RESOURCE_STATUS,
    "identifier.use": IDENTIFIER_USE,
    **{f"contained.{path}": codes for path, codes in _PERSON_RULES.items()},
}


# Scheduling. Our appointment types as codings: by id (always sent) and by short code (when it has one).
APPOINTMENT_TYPE_SYSTEM = "urn:clinicdesk:appointment-type"
APPOINTMENT_TYPE_CODE_SYSTEM = "urn:clinicdesk:appointment-type-code"
CANCELLATION_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
# Our own status of an appointment (FHIR has no "confirmed", and "cancelled" also covers "rescheduled").
LOCAL_STATUS_EXTENSION = "urn:clinicdesk:fhir:extension:appointment-status"
# Who cancelled: patient | practice (the alternative to a cancelationReason coding "pat" / "prov").
CANCELLED_BY_EXTENSION = "urn:clinicdesk:fhir:extension:cancelled-by"
# A free time offered instead of one that could not be booked (in a 409 OperationOutcome's issues).
SLOT_SYSTEM = "urn:clinicdesk:fhir:slot"
APPOINTMENT_STATUS = frozenset({"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                                "entered-in-error", "checked-in", "waitlist"})
PARTICIPATION_STATUS = frozenset({"accepted", "declined", "tentative", "needs-action"})
PARTICIPANT_REQUIRED = frozenset({"required", "optional", "information-only"})
SLOT_STATUS = frozenset({"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"})
APPOINTMENT_RULES: dict[str, frozenset[str]] = {
    "status": APPOINTMENT_STATUS,
    "participant.status": PARTICIPATION_STATUS,
    "participant.required": PARTICIPANT_REQUIRED,
}


def _values_at(node: Any, parts: list[str], where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _values_at(item, parts, f"{where}[{index}]")
        return
    if not parts:
        yield where, node
        return
    if isinstance(node, Mapping) and parts[0] in node:
        yield from _values_at(node[parts[0]], parts[1:], f"{where}.{parts[0]}")


def code_issues(resource: Mapping[str, Any], rules: Mapping[str, frozenset[str]]) -> list[dict[str, Any]]:
    """Issues for each coded value outside its value set (none when all are right)."""
    kind = str(resource.get("resourceType", ""))
    found = []
    for path, allowed in rules.items():
        for where, value in _values_at(resource, path.split("."), kind):
            if value is not None and value not in allowed:
                found.append(issue("code-invalid", f"“{value}” is not a valid code here; use one of: "
                                   f"{', '.join(sorted(allowed))}.", expression=[where]))
    return found
