"""Every scheduling write: book, reschedule, cancel, move through the visit's statuses.

Booking checks the time against the practitioner's availability with the slots kernel, then writes the
appointment and its reservations in one transaction. Two coordinators can both pass the check for the
same time; the database then refuses the second insert (see models.Reservation), and the loser gets
``SlotTaken`` carrying the next options instead of an error page.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.lib import rows
from clinicdesk.patients.models import Patient
from clinicdesk.patients.models import Status as PatientStatus
from clinicdesk.practice.models import Location
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.calendars import type_spec
from clinicdesk.scheduling.configcache import Memo
from clinicdesk.scheduling.models import (
    HOLDING,
    Appointment,
    AppointmentChange,
    AppointmentType,
    CancelledBy,
    Reservation,
    Resource,
    ResourceKind,
    Series,
    Status,
)
from clinicdesk.scheduling.selectors import Choice, choice_at, find_available
from clinicdesk.scheduling.slots import Preferences
from clinicdesk.staff.models import Practitioner

# Which status may follow which. Cancelled, rescheduled, completed and no-show are final, except that a
# patient marked no-show who turns up late can still be checked in.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PROPOSED: frozenset({Status.BOOKED, Status.CANCELLED}),
    Status.BOOKED: frozenset({Status.CONFIRMED, Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED}),
    Status.ARRIVED: frozenset({Status.IN_ROOM, Status.COMPLETED, Status.CANCELLED}),
    Status.IN_ROOM: frozenset({Status.COMPLETED}),
    Status.NO_SHOW: frozenset({Status.ARRIVED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.RESCHEDULED: frozenset(),
}


class SlotUnavailable(Exception):
    """The time cannot be booked; ``options`` are the next ones that can."""

    def __init__(self, message: str, options: list[Choice]) -> None:
        super().__init__(message)
        self.message = message
        self.options = options


class SlotTaken(SlotUnavailable):
    """Someone else booked that time a moment ago."""


def resource_for_practitioner(practitioner: Practitioner, memo: Memo | None = None) -> Resource:
    def find() -> Resource:
        resource, _ = Resource.objects.get_or_create(
            practitioner=practitioner,
            defaults={"organization_id": practitioner.organization_id, "kind": ResourceKind.PRACTITIONER,
                      "name": practitioner.display_name})
        return resource

    return configcache.get(memo, ("practitioner", practitioner.pk), find)


def _next_options(appointment_type: AppointmentType, practitioner: Resource, location: Location,
                  after: datetime) -> list[Choice]:
    return find_available(appointment_type=appointment_type, practitioners=[practitioner], locations=[location],
                          prefs=Preferences(earliest=after), n=5)


def _record(actor: Actor, appointment: Appointment, from_status: str, note: str = "") -> None:
    rows.insert([AppointmentChange(appointment=appointment, user=actor.user, via=actor.via, from_status=from_status,
                                   to_status=appointment.status, note=note[:200])], returning_pk=False)
    audit_record(actor=actor, action=Action.CREATE if not from_status else Action.UPDATE,
                 object_type="Appointment", object_id=appointment.pk, patient_id=appointment.patient_id,
                 organization_id=appointment.organization_id,
                 detail={"status": {"from": from_status, "to": appointment.status}, "note": note[:200]})


def appointment_book(*, actor: Actor, patient: Patient, appointment_type: AppointmentType,
                     practitioner: Practitioner, location: Location, start: datetime, reason: str = "",
                     notes: str = "", status: str = Status.BOOKED,
                     rescheduled_from: Appointment | None = None, series: Series | None = None) -> Appointment:
    """Book ``start`` if the practitioner offers that type then and every required resource is free."""
    if timezone.is_naive(start):
        raise ValidationError({"start": "The start time needs a time zone."})
    if status not in (Status.PROPOSED, Status.BOOKED):
        raise ValidationError({"status": "A new appointment is proposed or booked."})
    org_ids = {patient.organization_id, appointment_type.organization_id, practitioner.organization_id,
               location.organization_id}
    if len(org_ids) != 1:
        raise ValidationError("The patient, type, practitioner and location must belong to one practice.")
    if patient.status in (PatientStatus.MERGED, PatientStatus.DECEASED):
        raise ValidationError({"patient": f"This patient's record is {patient.get_status_display().lower()}."})
    memo = configcache.current()
    resource = resource_for_practitioner(practitioner, memo)
    spec = type_spec(appointment_type, memo)  # read once: the check and the reservations use the same requirements
    choice = choice_at(spec, resource, location, start, memo)
    if choice is None:
        raise SlotUnavailable(f"{practitioner.display_name} is not available for {appointment_type.name} then.",
                              _next_options(appointment_type, resource, location, start))
    try:
        with transaction.atomic():
            appointment = Appointment(
                organization_id=patient.organization_id, patient=patient, practitioner=practitioner,
                location=location, appointment_type=appointment_type, start=choice.start, end=choice.end,
                status=status, reason=reason, notes=notes, created_by=actor.user,
                rescheduled_from=rescheduled_from, series=series)
            rows.insert([appointment])
            rows.insert([Reservation(organization_id=appointment.organization_id, appointment=appointment,
                                     resource_id=resource_id, start=interval.start, end=interval.end)
                         for resource_id, interval in choice.option.reservations(spec)], returning_pk=False)
            _record(actor, appointment, "", reason)
    except IntegrityError as exc:
        if "reservation_no_overlap" not in str(exc):
            raise
        raise SlotTaken("That time was just taken.",
                        _next_options(appointment_type, resource, location, start)) from exc
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def appointment_set_status(*, actor: Actor, appointment: Appointment, status: str, note: str = "",
                           cancelled_by: str = "") -> Appointment:
    """Move an appointment along its life; leaving the holding statuses frees its time."""
    with transaction.atomic():
        current = _locked(appointment)
        if status not in TRANSITIONS.get(current.status, frozenset()):
            raise ValidationError({"status": f"A {current.get_status_display().lower()} appointment cannot become "
                                             f"{Status(status).label.lower() if status in Status.values else status}."})
        if status == Status.CANCELLED:
            if not note.strip():
                raise ValidationError({"note": "Say why the appointment is cancelled."})
            if cancelled_by not in CancelledBy.values:
                raise ValidationError({"cancelled_by": "Say whether the patient or the practice cancelled."})
            current.cancel_reason, current.cancelled_by = note.strip()[:200], cancelled_by
        previous = current.status
        current.status = status
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        if status not in HOLDING:
            Reservation.objects.filter(appointment=current, active=True).update(active=False)
        _record(actor, current, previous, note)
        if status == Status.CANCELLED:
            transaction.on_commit(lambda: _offer_to_waitlist(actor, current))
    return current


def _offer_to_waitlist(actor: Actor, freed: Appointment) -> None:
    """After a cancellation has committed: offer the time to waiting patients."""
    from clinicdesk.scheduling.waitlist import waitlist_offer_freed

    waitlist_offer_freed(actor=actor, appointment=freed)


def appointment_cancel(*, actor: Actor, appointment: Appointment, reason: str, by: str) -> Appointment:
    return appointment_set_status(actor=actor, appointment=appointment, status=Status.CANCELLED, note=reason,
                                  cancelled_by=by)


def appointment_reschedule(*, actor: Actor, appointment: Appointment, start: datetime,
                           practitioner: Practitioner | None = None, location: Location | None = None,
                           reason: str = "") -> Appointment:
    """Move to a new time (and optionally practitioner/location): a new appointment linked to the old one,
    which becomes 'rescheduled'. The old time is released first, so a move by a few minutes works."""
    with transaction.atomic():
        old = _locked(appointment)
        if old.status not in HOLDING - {Status.ARRIVED, Status.IN_ROOM}:
            raise ValidationError({"status": f"A {old.get_status_display().lower()} appointment cannot be moved."})
        previous = old.status
        old.status = Status.RESCHEDULED
        old.version += 1
        old.updated_at = timezone.now()
        old.save()
        Reservation.objects.filter(appointment=old, active=True).update(active=False)
        _record(actor, old, previous, reason or "rescheduled")
        transaction.on_commit(lambda: _offer_to_waitlist(actor, old))
        return appointment_book(actor=actor, patient=old.patient, appointment_type=old.appointment_type,
                                practitioner=practitioner or old.practitioner, location=location or old.location,
                                start=start, reason=old.reason, notes=old.notes, rescheduled_from=old,
                                series=old.series,
                                # a moved time needs confirming again; a proposal stays a proposal
                                status=Status.PROPOSED if previous == Status.PROPOSED else Status.BOOKED)
