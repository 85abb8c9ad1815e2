"""Schedule ↔ a practitioner's bookable resource, and the appointment-type coding Slot and Appointment share.

Out: one Schedule per practitioner resource that has availability (weekly blocks or extra sessions); its
id is the resource's id; actor → the Practitioner and each Location where it has availability; active when
the resource and the practitioner are; serviceType lists the types it is restricted to (none: every type).

Appointment types are coded as ``urn:clinicdesk:appointment-type|<id>`` (always) and
``urn:clinicdesk:appointment-type-code|<code>`` (when the type has a short code such as FU); either is
accepted on input, and a code without a system is read as the id when it is all digits, else the short code.
"""

from __future__ import annotations

from typing import Any

from clinicdesk.fhir.codes import APPOINTMENT_TYPE_CODE_SYSTEM, APPOINTMENT_TYPE_SYSTEM
from clinicdesk.fhir.datatypes import compact, ref
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.models import AppointmentType, Resource


def type_concept(t: AppointmentType) -> dict[str, Any]:
    codings = [{"system": APPOINTMENT_TYPE_SYSTEM, "code": str(t.pk), "display": t.name}]
    if t.code:
        codings.append({"system": APPOINTMENT_TYPE_CODE_SYSTEM, "code": t.code, "display": t.name})
    return {"coding": codings, "text": t.name}


def type_key(system: str | None, code: str) -> tuple[str, str] | None:
    """("id", "12") or ("code", "FU") for one coding or search token; None for another code system."""
    if system == APPOINTMENT_TYPE_SYSTEM:
        return "id", code
    if system == APPOINTMENT_TYPE_CODE_SYSTEM:
        return "code", code
    if system in (None, ""):
        return ("id", code) if code.isascii() and code.isdigit() else ("code", code)
    return None


def schedule_to_fhir(resource: Resource, locations: list[Location], types: list[AppointmentType]) -> dict[str, Any]:
    practitioner = resource.practitioner
    assert practitioner is not None
    return compact({
        "resourceType": "Schedule",
        "id": str(resource.pk),
        "active": resource.active and practitioner.active,
        "serviceType": [type_concept(t) for t in types],
        "actor": [ref("Practitioner", practitioner.pk, practitioner.display_name),
                  *[ref("Location", location.pk, location.name) for location in locations]],
        "comment": f"The availability of {practitioner.display_name}; search Slot?schedule=Schedule/{resource.pk} "
                   "for free and busy times.",
    })
