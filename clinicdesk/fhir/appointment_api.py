"""Appointment interactions: read, search, create (book) and update (status changes, cancel, reschedule).

Appointments are patient data: reading needs scheduling.view_appointment and patients.view_patient, and
every appointment returned is an audit VIEW event on its patient. Every write goes through
``scheduling.services``; the patient of a new appointment is loaded through ``patients.access`` (audited).

Booking a time that cannot be had answers 409 Conflict: the first issue's diagnostics are the service's
message ("That time was just taken." when another booking won the race, "… is not available for … then."
otherwise); each next option follows as an issue of severity information, code informational, whose
details carry the free Slot id (system ``urn:clinicdesk:fhir:slot``) and whose details.text is its start.

Update (PUT) changes the status only, or moves the appointment:
- another start (or practitioner or location) reschedules: the old appointment becomes cancelled (our
  status rescheduled) and the answer is the new appointment, with its own id;
- status cancelled cancels: cancelationReason.text says why (required), its coding "pat"/"prov" (or the
  extension urn:clinicdesk:fhir:extension:cancelled-by = patient | practice) says who;
- any other status moves it along its life (see ``fhir.appointment`` for the mapping);
- the same status changes nothing. Patient and type never change (422); other elements are ignored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.fhir.appointment import (
    PATHS,
    STATUS_SEARCH,
    AppointmentInput,
    appointment_input,
    appointment_to_fhir,
)
from clinicdesk.fhir.codes import APPOINTMENT_RULES, APPOINTMENT_STATUS, SLOT_SYSTEM
from clinicdesk.fhir.context import Ctx, require
from clinicdesk.fhir.datatypes import instant, pk_of
from clinicdesk.fhir.dates import DateParamError
from clinicdesk.fhir.errors import FhirError, bad_request, issue, not_found, service_errors, unprocessable
from clinicdesk.fhir.http import version_conflict
from clinicdesk.fhir.instants import instant_condition, parse_instant_param
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.schedule_api import schedule_locations
from clinicdesk.fhir.search import (
    SearchParam,
    SearchRequest,
    all_of,
    alternatives,
    any_of,
    code_q,
    id_q,
    reference_q,
)
from clinicdesk.fhir.slot import free_slot_id
from clinicdesk.fhir.validate import validate_resource
from clinicdesk.patients.access import access_patient
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling.models import Appointment, AppointmentType, Status
from clinicdesk.scheduling.selectors import Choice
from clinicdesk.scheduling.services import (
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
    resource_for_practitioner,
)
from clinicdesk.staff.models import Practitioner

READ_PERMS = ("scheduling.view_appointment", "patients.view_patient")

PARAMS = (
    SearchParam("patient", "reference", "Patient/<id> or <id>."),
    SearchParam("practitioner", "reference", "Practitioner/<id> or <id>."),
    SearchParam("location", "reference", "Location/<id> or <id>."),
    SearchParam("actor", "reference", "Patient/<id>, Practitioner/<id> or Location/<id>."),
    SearchParam("date", "date", "Appointment start, with eq/ne/gt/ge/lt/le (dates in the practice's time zone; "
                "a time needs a zone)."),
    SearchParam("status", "token", "FHIR appointment status: booked also finds confirmed, cancelled also "
                "rescheduled, checked-in is our in room, fulfilled our completed."),
)


def _appointments(ctx: Ctx) -> QuerySet[Appointment]:
    return (Appointment.objects.filter(organization_id=ctx.organization_id)
            .select_related("appointment_type", "practitioner", "location__organization"))


def _audit_views(ctx: Ctx, appointments: list[Appointment], purpose: str) -> None:
    audit_record_many(actor=ctx.actor, entries=[
        Entry(action=Action.VIEW, object_type="Appointment", object_id=str(a.pk), patient_id=a.patient_id,
              detail={"purpose": purpose})
        for a in appointments
    ])


def _require_read(ctx: Ctx) -> None:
    for perm in READ_PERMS:
        require(ctx, perm, "Appointment")


def _load(ctx: Ctx, logical_id: str, *, lock: bool = False) -> Appointment:
    pk = pk_of(logical_id)
    appointments = _appointments(ctx).select_for_update(of=("self",)) if lock else _appointments(ctx)
    found = appointments.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found(f"There is no Appointment/{logical_id} in this practice.")
    return found


def read(ctx: Ctx, logical_id: str) -> Resource:
    _require_read(ctx)
    appointment = _load(ctx, logical_id)
    _audit_views(ctx, [appointment], "fhir read")
    return appointment_to_fhir(appointment)


def _zone_q(ctx: Ctx, sr: SearchRequest) -> Q:
    values = sr.values("date")
    if not values:
        return Q()
    zone = Organization.objects.get(pk=ctx.organization_id).tz
    try:
        return all_of([instant_condition(parse_instant_param(value, zone), "start") for value in values])
    except DateParamError as exc:
        raise bad_request(str(exc), expression=["date"], code="value") from exc


def _actor_q(sr: SearchRequest) -> Q:
    conditions = []
    for value in sr.values("actor"):
        options = []
        for alt in alternatives(value):
            head, _, last = alt.rstrip("/").rpartition("/")
            pk = pk_of(last)
            field = {"Patient": "patient_id", "Practitioner": "practitioner_id", "Location": "location_id"}.get(
                head.rpartition("/")[2])
            if pk is not None and field:
                options.append(Q(**{field: pk}))
            elif pk is not None and not head:
                options.append(Q(patient_id=pk) | Q(practitioner_id=pk) | Q(location_id=pk))
        conditions.append(any_of(options))
    return all_of(conditions)


def _status_q(sr: SearchRequest) -> Q:
    code_q(sr, "status", "status", APPOINTMENT_STATUS)  # checks the codes
    return all_of([
        Q(status__in=[ours for alt in alternatives(value) for ours in STATUS_SEARCH[alt.rpartition("|")[2]]])
        for value in sr.values("status")
    ])


def search(ctx: Ctx, sr: SearchRequest) -> tuple[list[Resource], int]:
    _require_read(ctx)
    condition = all_of([
        reference_q(sr, "patient", "Patient", "patient_id"),
        reference_q(sr, "practitioner", "Practitioner", "practitioner_id"),
        reference_q(sr, "location", "Location", "location_id"),
        _actor_q(sr),
        _zone_q(ctx, sr),
        _status_q(sr),
        id_q(sr),
    ])
    found = _appointments(ctx).filter(condition).order_by("start", "pk")
    total = found.count()
    page = list(found[sr.offset:sr.offset + sr.count]) if sr.count else []
    _audit_views(ctx, page, "fhir search")
    return [appointment_to_fhir(a) for a in page], total


def _parse(body: dict[str, Any]) -> AppointmentInput:
    return appointment_input(validate_resource(body, FhirAppointment, APPOINTMENT_RULES))


def _practitioner(ctx: Ctx, pk: int | None) -> Practitioner:
    found = Practitioner.objects.filter(organization_id=ctx.organization_id, pk=pk, active=True).first() \
        if pk is not None else None
    if found is None:
        raise unprocessable("There is no such active practitioner in this practice.",
                            expression=["Appointment.participant"])
    return found


def _location(ctx: Ctx, pk: int | None, practitioner: Practitioner) -> Location:
    if pk is None:
        resource = resource_for_practitioner(practitioner)
        where = schedule_locations(ctx.organization_id, [resource.pk])[resource.pk]
        if len(where) != 1:
            raise unprocessable("Say where: add a Location participant (the practitioner sees patients at "
                                f"{len(where)} locations).", expression=["Appointment.participant"],
                                code="required")
        return where[0]
    found = Location.objects.filter(organization_id=ctx.organization_id, pk=pk).first()
    if found is None:
        raise unprocessable("There is no such location in this practice.", expression=["Appointment.participant"])
    return found


def _type(ctx: Ctx, wanted: AppointmentInput) -> AppointmentType:
    if wanted.type_key is None:
        raise unprocessable("Give the appointment type as a serviceType (or appointmentType) coding: "
                            "urn:clinicdesk:appointment-type|<id> or urn:clinicdesk:appointment-type-code|<code>.",
                            expression=["Appointment.serviceType"], code="required")
    kind, code = wanted.type_key
    types = AppointmentType.objects.filter(organization_id=ctx.organization_id, active=True)
    if kind == "id":
        found = types.filter(pk=int(code)).first() if code.isdigit() and len(code) <= 18 else None
    else:
        found = types.filter(code__iexact=code).order_by("pk").first()
    if found is None:
        raise unprocessable(f"There is no active appointment type “{code}” in this practice.",
                            expression=["Appointment.serviceType"])
    return found


def _patient(ctx: Ctx, pk: int | None) -> Patient:
    try:
        if pk is None:
            raise Http404
        return access_patient(actor=ctx.actor, patient_id=pk, purpose="fhir appointment booking")
    except Http404 as exc:
        raise unprocessable("There is no such patient in this practice.", expression=[PATHS["patient"]]) from exc


def _check_times(wanted: AppointmentInput, t: AppointmentType) -> None:
    if wanted.start is None:
        raise unprocessable("Give the start (an instant with a time zone).", expression=["Appointment.start"],
                            code="required")
    if wanted.end is not None and wanted.end - wanted.start != timedelta(minutes=t.duration_minutes):
        raise unprocessable(f"A {t.name} lasts {t.duration_minutes} minutes: end must be start + "
                            f"{t.duration_minutes} minutes (or leave it out).", expression=["Appointment.end"])


def conflict(exc: SlotUnavailable, t: AppointmentType) -> FhirError:
    """409 with the service's message and the next options as informational issues."""
    issues = [issue("conflict", exc.message, expression=["Appointment.start"])]
    issues += [_option_issue(choice, t) for choice in exc.options]
    return FhirError(409, issues)


def _option_issue(choice: Choice, t: AppointmentType) -> dict[str, Any]:
    slot = free_slot_id(choice.option.practitioner_id, choice.location_id, t.pk, choice.start)
    found = issue("informational", f"Next available: {instant(choice.start)}, Practitioner/{choice.practitioner_id} "
                  f"at Location/{choice.location_id} (Slot/{slot}).", severity="information")
    found["details"] = {"coding": [{"system": SLOT_SYSTEM, "code": slot}], "text": instant(choice.start)}
    return found


def create(ctx: Ctx, body: dict[str, Any]) -> Resource:
    wanted = _parse(body)
    if wanted.status not in (Status.PROPOSED, Status.BOOKED):
        raise unprocessable("A new appointment is proposed or booked.", expression=["Appointment.status"])
    t = _type(ctx, wanted)
    _check_times(wanted, t)
    assert wanted.start is not None
    practitioner = _practitioner(ctx, wanted.practitioner_id)
    location = _location(ctx, wanted.location_id, practitioner)
    patient = _patient(ctx, wanted.patient_id)
    try:
        with service_errors("Appointment", PATHS):
            appointment = appointment_book(actor=ctx.actor, patient=patient, appointment_type=t,
                                           practitioner=practitioner, location=location, start=wanted.start,
                                           reason=wanted.reason, status=wanted.status)
    except SlotUnavailable as exc:
        raise conflict(exc, t) from exc
    return appointment_to_fhir(_load(ctx, str(appointment.pk)))


def update(ctx: Ctx, logical_id: str, body: dict[str, Any], expected_version: int | None) -> Resource:
    wanted = _parse(body)
    if body.get("id") != logical_id:
        raise bad_request(f"The body's id must be “{logical_id}”, the id in the URL.", expression=["Appointment.id"])
    with transaction.atomic():
        current = _load(ctx, logical_id, lock=True)
        if expected_version is not None and current.version != expected_version:
            raise version_conflict(current.version)
        changed = _change(ctx, current, wanted)
    return appointment_to_fhir(_load(ctx, str(changed.pk)))


def _change(ctx: Ctx, current: Appointment, wanted: AppointmentInput) -> Appointment:
    if wanted.patient_id != current.patient_id:
        raise unprocessable("An appointment cannot move to another patient.", expression=[PATHS["patient"]])
    if _type(ctx, wanted).pk != current.appointment_type_id:
        raise unprocessable("The type of an appointment cannot change; cancel it and book another.",
                            expression=["Appointment.serviceType"])
    moved = (wanted.start is not None and wanted.start != current.start) \
        or wanted.practitioner_id != current.practitioner_id \
        or (wanted.location_id is not None and wanted.location_id != current.location_id)
    with service_errors("Appointment", PATHS):
        if moved:
            changed = _reschedule(ctx, current, wanted)
        elif _same_status(current, wanted.status):
            changed = current
        elif wanted.status == Status.CANCELLED:
            changed = appointment_cancel(actor=ctx.actor, appointment=current, reason=wanted.cancel_reason,
                                         by=wanted.cancelled_by)
        else:
            changed = appointment_set_status(actor=ctx.actor, appointment=current, status=wanted.status)
    return changed


def _same_status(current: Appointment, status: str) -> bool:
    """The body repeats the current status (booked alone leaves a confirmed appointment confirmed)."""
    return status == current.status or (status == Status.BOOKED and current.status == Status.CONFIRMED) \
        or (status == Status.CANCELLED and current.status == Status.RESCHEDULED)


def _reschedule(ctx: Ctx, current: Appointment, wanted: AppointmentInput) -> Appointment:
    if wanted.start is None:
        raise unprocessable("Give the new start.", expression=["Appointment.start"], code="required")
    if wanted.start < timezone.now() - timedelta(minutes=1) and wanted.start != current.start:
        raise unprocessable("An appointment cannot be moved into the past.", expression=["Appointment.start"])
    if wanted.end != current.end:  # an end left as it was is the old one, not a request
        _check_times(wanted, current.appointment_type)
    practitioner = _practitioner(ctx, wanted.practitioner_id)
    location = _location(ctx, wanted.location_id, practitioner) if wanted.location_id or \
        practitioner.pk != current.practitioner_id else current.location
    try:
        return appointment_reschedule(actor=ctx.actor, appointment=current, start=wanted.start,
                                      practitioner=practitioner, location=location, reason="rescheduled via FHIR")
    except SlotUnavailable as exc:
        raise conflict(exc, current.appointment_type) from exc


SPEC = ResourceSpec(
    type="Appointment",
    documentation=(
        "The practice's appointments; each one returned is audited as a view of its patient (needs "
        "scheduling.view_appointment and patients.view_patient). Create books (scheduling.add_appointment): "
        "participants Patient + Practitioner (+ Location), serviceType urn:clinicdesk:appointment-type|<id> or "
        "urn:clinicdesk:appointment-type-code|<code>, start with a time zone, end optional (= start + the "
        "type's duration), status booked or proposed. A time that cannot be had answers 409 OperationOutcome: "
        "the first issue says why (\"That time was just taken.\" or \"… is not available …\"), each next "
        "option follows as an information issue whose details.coding is the free Slot id "
        "(urn:clinicdesk:fhir:slot) and details.text its start. Update (scheduling.change_appointment) changes "
        "the status only (proposed, booked, arrived, checked-in = in the room, fulfilled, noshow, cancelled "
        "with cancelationReason.text and coding pat|prov), or a new start reschedules: the old appointment "
        "becomes cancelled and the new one, with another id, is returned. FHIR R4 has no \"confirmed\": a "
        "confirmed appointment is booked, and the extension urn:clinicdesk:fhir:extension:appointment-status "
        "always carries our own status. If-Match: W/\"<versionId>\" guards updates (412 on mismatch)."),
    read=read, search=search, params=PARAMS, read_perm="scheduling.view_appointment",
    create=create, create_perm="scheduling.add_appointment", update=update,
    update_perm="scheduling.change_appointment", versioned=True,
)
