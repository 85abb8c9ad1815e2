"""Every scheduling write: book, reschedule, cancel, move through the visit's statuses.

Booking checks the time against the practitioner's availability with the slots kernel, then writes the
appointment and its reservations in one transaction. Two coordinators can both pass the check for the
same time; the database then refuses the second insert (see models.Reservation), and the loser gets
``SlotTaken`` carrying the next options instead of an error page.

For a type that holds nothing but the practitioner, the check reads only the (cached) templates, not the
practitioner's reservations: whether the time is still free is left to the database, which has to decide it
anyway (the exclusion constraint on PostgreSQL, triggers on SQLite). Only a refusal reads them, to answer as
the check would have: ``SlotUnavailable`` ("not available") if the time is held now, ``SlotTaken`` if not.
Types with rooms or equipment still read the reservations first, since the kernel picks free resources from
their pools. On PostgreSQL the appointment, its reservations and its first history row go in with one
statement (``pgbooking``; outside a larger transaction in two round trips, BEGIN and COMMIT included); SQLite
inserts them one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.lib import pgstandalone, rows
from clinicdesk.patients.models import Patient
from clinicdesk.patients.models import Status as PatientStatus
from clinicdesk.practice.models import Location
from clinicdesk.scheduling import configcache, pgbooking
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
from clinicdesk.scheduling.pgbooking import StaleConfiguration
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


def _record(actor: Actor, appointment: Appointment, from_status: str, note: str = "",
            history_written: bool = False, locked: Any = None) -> None:
    if not history_written:
        rows.insert([AppointmentChange(appointment=appointment, user=actor.user, via=actor.via,
                                       from_status=from_status, to_status=appointment.status, note=note[:200])],
                    returning_pk=False)
    audit_record_many(actor=actor, entries=[_entry(appointment, from_status, note)],
                      organization_id=appointment.organization_id, locked=locked)


def _entry(appointment: Appointment, from_status: str, note: str) -> Entry:
    return Entry(action=Action.CREATE if not from_status else Action.UPDATE, object_type="Appointment",
                 object_id=str(appointment.pk), patient_id=appointment.patient_id,
                 detail={"status": {"from": from_status, "to": appointment.status}, "note": note[:200]})


def _book_standalone(actor: Actor, appointment: Appointment, held: pgbooking.Held, note: str,
                     stamp: int | None) -> bool:
    """Book in the booking's own two-query transaction (``pgbooking``); False: nothing written, book the
    usual way (the audit strand has to be opened first)."""
    try:
        pgbooking.book_standalone(actor, appointment, held, note, stamp,
                                  lambda booked: _entry(booked, "", note))
    except pgbooking.NoFreeStrand:
        return False
    return True


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
    booking = _Booking(actor, patient, appointment_type, practitioner, location, start, reason, notes, status,
                       rescheduled_from, series)
    # PostgreSQL: use what this process holds of the configuration without reading the stamp first; the
    # booking's insert reads it in the same round trip and, if it moved meanwhile, the booking starts over.
    assumed = configcache.held() if connection.vendor == "postgresql" else None
    if assumed is not None:
        try:
            return _book(booking, assumed[1], assumed[0])
        except StaleConfiguration:
            pass
    return _book(booking, configcache.current(), None)


@dataclass(frozen=True)
class _Booking:
    actor: Actor
    patient: Patient
    appointment_type: AppointmentType
    practitioner: Practitioner
    location: Location
    start: datetime
    reason: str
    notes: str
    status: str
    rescheduled_from: Appointment | None
    series: Series | None


def _book(booking: _Booking, memo: Memo | None, stamp: int | None) -> Appointment:
    """Check and write; ``stamp``: the configuration stamp ``memo`` was assumed valid for (None: checked)."""
    actor, patient, appointment_type, practitioner, location, start, reason, notes, status, rescheduled_from, \
        series = (getattr(booking, f.name) for f in fields(_Booking))
    resource = resource_for_practitioner(practitioner, memo)
    spec = type_spec(appointment_type, memo)  # read once: the check and the reservations use the same requirements
    # Only the practitioner held: their reservations are not read, the database refuses an overlap (see above).
    choice = choice_at(spec, resource, location, start, memo, bool(spec.requirements))
    if choice is None:
        if stamp is not None:
            raise StaleConfiguration  # refuse only on a configuration read from the database just now
        raise SlotUnavailable(f"{practitioner.display_name} is not available for {appointment_type.name} then.",
                              _next_options(appointment_type, resource, location, start))
    held = [(resource_id, interval.start, interval.end) for resource_id, interval in choice.option.reservations(spec)]
    appointment = Appointment(
        organization_id=patient.organization_id, patient=patient, practitioner=practitioner,
        location=location, appointment_type=appointment_type, start=choice.start, end=choice.end,
        status=status, reason=reason, notes=notes, created_by=actor.user,
        rescheduled_from=rescheduled_from, series=series)
    try:
        if not (pgstandalone.standalone() and _book_standalone(actor, appointment, held, reason, stamp)):
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    locked = pgbooking.insert_at_once(actor, appointment, held, reason, stamp)
                    _record(actor, appointment, "", reason, history_written=True, locked=locked)
                else:
                    rows.insert([appointment])
                    rows.insert([Reservation(organization_id=appointment.organization_id, appointment=appointment,
                                             resource_id=resource_id, start=begin, end=end)
                                 for resource_id, begin, end in held], returning_pk=False)
                    _record(actor, appointment, "", reason)
    except (IntegrityError, OperationalError) as exc:
        # A deadlock in the exclusion check (two bookers of one time, where the resource lock above is not
        # taken) is a lost race as well.
        if "reservation_no_overlap" not in str(exc) and not (
                "deadlock" in str(exc) and "exclusion constraint" in str(exc)):
            raise
        options = _next_options(appointment_type, resource, location, start)
        if not spec.requirements and choice_at(spec, resource, location, start, configcache.current()) is None:
            # The reservations were not read before: the time may have been held all along (or taken by a
            # booking that has committed since, which reads the same); say so as the check would have.
            raise SlotUnavailable(f"{practitioner.display_name} is not available for {appointment_type.name} "
                                  "then.", options) from exc
        raise SlotTaken("That time was just taken.", options) from exc
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
