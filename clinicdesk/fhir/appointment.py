"""Appointment ↔ our appointment.

Out: status (below) and, always, the extension ``urn:clinicdesk:fhir:extension:appointment-status`` with our
own status; serviceType = the appointment type (see ``fhir.schedule``); description = the type's name;
reasonCode.text = the reason for the visit; comment = the front desk's notes; start/end/minutesDuration;
created; participant: the Patient, the Practitioner and the Location (required, accepted);
cancelationReason (when cancelled): text = why, coding appointment-cancellation-reason "pat" (the patient
cancelled) or "prov" (the practice did).

Statuses, ours → FHIR R4: proposed → proposed, booked → booked, confirmed → booked (FHIR R4 has no
"confirmed"; the extension says confirmed), arrived → arrived (in the waiting room), in_room → checked-in
(with the clinician: the visit can begin), completed → fulfilled, no_show → noshow, cancelled → cancelled,
rescheduled → cancelled (the extension says rescheduled; the new appointment is another resource).
FHIR → ours on update: the reverse; "booked" with the extension valueCode "confirmed" confirms; pending,
waitlist and entered-in-error are not supported (422).

In (create): exactly one Patient, one Practitioner and at most one Location participant (any other actor
is refused); the type as a serviceType or appointmentType coding; start with a time zone; end, if given,
must be start + the type's duration; status proposed or booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from clinicdesk.fhir.codes import CANCELLATION_REASON, CANCELLED_BY_EXTENSION, LOCAL_STATUS_EXTENSION
from clinicdesk.fhir.datatypes import compact, instant, meta, pk_of, ref, reference_target
from clinicdesk.fhir.errors import bad_request, unprocessable
from clinicdesk.fhir.schedule import type_concept, type_key
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import Appointment, CancelledBy, Status

TO_FHIR_STATUS: dict[str, str] = {
    Status.PROPOSED: "proposed", Status.BOOKED: "booked", Status.CONFIRMED: "booked", Status.ARRIVED: "arrived",
    Status.IN_ROOM: "checked-in", Status.COMPLETED: "fulfilled", Status.NO_SHOW: "noshow",
    Status.CANCELLED: "cancelled", Status.RESCHEDULED: "cancelled",
}
FROM_FHIR_STATUS: dict[str, str] = {
    "proposed": Status.PROPOSED, "booked": Status.BOOKED, "arrived": Status.ARRIVED, "checked-in": Status.IN_ROOM,
    "fulfilled": Status.COMPLETED, "noshow": Status.NO_SHOW, "cancelled": Status.CANCELLED,
}
# Our statuses matching each FHIR status, for search.
STATUS_SEARCH: dict[str, list[str]] = {
    code: [ours for ours, theirs in TO_FHIR_STATUS.items() if theirs == code]
    for code in ("proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                 "entered-in-error", "checked-in", "waitlist")
}
PATHS = {
    "start": "Appointment.start", "status": "Appointment.status", "note": "Appointment.cancelationReason",
    "cancelled_by": "Appointment.cancelationReason", "patient": "Appointment.participant",
    "practitioner": "Appointment.participant",
}


def appointment_to_fhir(a: Appointment) -> dict[str, Any]:
    zone = ZoneInfo(location_timezone(a.location))
    cancelled = a.status == Status.CANCELLED
    return compact({
        "resourceType": "Appointment",
        "id": str(a.pk),
        "meta": meta(a.version, a.updated_at),
        "extension": [{"url": LOCAL_STATUS_EXTENSION, "valueCode": a.status}],
        "status": TO_FHIR_STATUS[a.status],
        "cancelationReason": {
            "coding": [{"system": CANCELLATION_REASON,
                        "code": "pat" if a.cancelled_by == CancelledBy.PATIENT else "prov",
                        "display": "Patient" if a.cancelled_by == CancelledBy.PATIENT else "Provider"}],
            "text": a.cancel_reason,
        } if cancelled else {},
        "serviceType": [type_concept(a.appointment_type)],
        "reasonCode": [{"text": a.reason}] if a.reason else [],
        "description": a.appointment_type.name,
        "start": instant(a.start.astimezone(zone)),
        "end": instant(a.end.astimezone(zone)),
        "minutesDuration": int((a.end - a.start).total_seconds() // 60),
        "created": instant(a.created_at),
        "comment": a.notes,
        "participant": [
            {"actor": ref("Patient", a.patient_id), "required": "required", "status": "accepted"},
            {"actor": ref("Practitioner", a.practitioner_id, a.practitioner.display_name), "required": "required",
             "status": "accepted"},
            {"actor": ref("Location", a.location_id, a.location.name), "required": "required", "status": "accepted"},
        ],
    })


@dataclass(frozen=True)
class AppointmentInput:
    """What an Appointment resource asks for; references still to be resolved in the practice."""

    patient_id: int | None
    practitioner_id: int | None
    location_id: int | None
    type_key: tuple[str, str] | None
    start: datetime | None
    end: datetime | None
    status: str  # ours
    reason: str
    cancel_reason: str
    cancelled_by: str


def appointment_input(resource: dict[str, Any]) -> AppointmentInput:
    """Our fields from a validated Appointment resource."""
    actors: dict[str, list[int | None]] = {"Patient": [], "Practitioner": [], "Location": []}
    for index, participant in enumerate(resource.get("participant", [])):
        where = f"Appointment.participant[{index}].actor"
        if "actor" not in participant:
            raise unprocessable("Each participant needs an actor (a Patient, Practitioner or Location).",
                                expression=[where], code="required")
        kind, logical_id = reference_target(participant["actor"], ("Patient", "Practitioner", "Location"), where)
        actors[kind].append(pk_of(logical_id))
    for kind, most in (("Patient", 1), ("Practitioner", 1), ("Location", 1)):
        if len(actors[kind]) > most or (kind != "Location" and not actors[kind]):
            raise unprocessable(f"Give exactly one {kind} participant" + (" at most." if kind == "Location" else "."),
                                expression=["Appointment.participant"], code="required")
    start, end = resource.get("start"), resource.get("end")
    return AppointmentInput(
        patient_id=actors["Patient"][0],
        practitioner_id=actors["Practitioner"][0],
        location_id=actors["Location"][0] if actors["Location"] else None,
        type_key=_type(resource),
        start=start if isinstance(start, datetime) else None,
        end=end if isinstance(end, datetime) else None,
        status=_status(resource),
        reason=_text(resource.get("reasonCode", [])),
        cancel_reason=_text([resource.get("cancelationReason", {})]),
        cancelled_by=_cancelled_by(resource),
    )


def _type(resource: dict[str, Any]) -> tuple[str, str] | None:
    concepts = [*resource.get("serviceType", []), resource.get("appointmentType", {})]
    for concept in concepts:
        for coding in concept.get("coding", []):
            key = type_key(coding.get("system"), str(coding.get("code", "")))
            if key is not None and key[1]:
                return key
    return None


def _status(resource: dict[str, Any]) -> str:
    code = str(resource.get("status", ""))
    local = next((e.get("valueCode") for e in resource.get("extension", [])
                  if e.get("url") == LOCAL_STATUS_EXTENSION), None)
    if local is not None and local in TO_FHIR_STATUS and TO_FHIR_STATUS[local] == code:
        return str(local)
    if code not in FROM_FHIR_STATUS:
        raise unprocessable(f"The status “{code}” is not supported here; use one of: "
                            f"{', '.join(sorted(FROM_FHIR_STATUS))}.", expression=["Appointment.status"],
                            code="not-supported")
    return FROM_FHIR_STATUS[code]


def _text(concepts: list[dict[str, Any]]) -> str:
    for concept in concepts:
        text = concept.get("text") or next((c.get("display") for c in concept.get("coding", []) if c.get("display")),
                                           "")
        if text and str(text).strip():
            return str(text).strip()[:200]
    return ""


def _cancelled_by(resource: dict[str, Any]) -> str:
    for extension in resource.get("extension", []):
        if extension.get("url") == CANCELLED_BY_EXTENSION:
            value = extension.get("valueCode")
            if value not in CancelledBy.values:
                raise bad_request(f"{CANCELLED_BY_EXTENSION} is patient or practice.",
                                  expression=["Appointment.extension"], code="code-invalid")
            return str(value)
    for coding in resource.get("cancelationReason", {}).get("coding", []):
        code = str(coding.get("code", ""))
        if coding.get("system") in (None, CANCELLATION_REASON):
            if code == "pat" or code.startswith("pat-"):
                return CancelledBy.PATIENT
            if code:
                return CancelledBy.PRACTICE
    return ""
