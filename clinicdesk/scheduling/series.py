"""Recurring series: check every occurrence before booking, book them, cancel or move the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import location_timezone, type_spec
from clinicdesk.scheduling.models import HOLDING, Appointment, AppointmentType, Series
from clinicdesk.scheduling.recurrence import series_starts, shift_local
from clinicdesk.scheduling.selectors import Choice, choice_at
from clinicdesk.scheduling.services import (
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    resource_for_practitioner,
)
from clinicdesk.staff.models import Practitioner


@dataclass(frozen=True)
class Occurrence:
    number: int  # 1-based
    start: datetime
    choice: Choice | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.choice is not None


class SeriesConflicts(Exception):
    def __init__(self, occurrences: list[Occurrence]) -> None:
        bad = [o for o in occurrences if not o.ok]
        super().__init__(f"{len(bad)} of {len(occurrences)} occurrences cannot be booked")
        self.occurrences = occurrences


def series_check(*, appointment_type: AppointmentType, practitioner: Practitioner, location: Location,
                 first_start: datetime, interval_weeks: int, count: int) -> list[Occurrence]:
    """Each occurrence with the option that would be booked, or why it cannot be."""
    try:
        starts = series_starts(first_start, location_timezone(location), interval_weeks, count)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    spec, resource = type_spec(appointment_type), resource_for_practitioner(practitioner)
    result = []
    for number, start in enumerate(starts, 1):
        choice = choice_at(spec, resource, location, start)
        problem = "" if choice else f"{practitioner.display_name} is not available then"
        result.append(Occurrence(number, start, choice, problem))
    return result


def series_book(*, actor: Actor, patient: Patient, appointment_type: AppointmentType, practitioner: Practitioner,
                location: Location, first_start: datetime, interval_weeks: int, count: int,
                skip_conflicts: bool = False) -> tuple[Series, list[Appointment], list[Occurrence]]:
    """Book the series. With conflicts, refuse (SeriesConflicts) unless ``skip_conflicts``: then the free
    occurrences are booked and the others returned, so the coordinator can place them by hand."""
    plan = series_check(appointment_type=appointment_type, practitioner=practitioner, location=location,
                        first_start=first_start, interval_weeks=interval_weeks, count=count)
    if not skip_conflicts and not all(o.ok for o in plan):
        raise SeriesConflicts(plan)
    booked: list[Appointment] = []
    skipped: list[Occurrence] = []
    with transaction.atomic():
        series = Series.objects.create(organization_id=patient.organization_id, patient=patient,
                                       appointment_type=appointment_type, practitioner=practitioner,
                                       location=location, first_start=first_start, interval_weeks=interval_weeks,
                                       count=count, created_by=actor.user)
        for occurrence in plan:
            if not occurrence.ok:
                skipped.append(occurrence)
                continue
            try:
                booked.append(appointment_book(actor=actor, patient=patient, appointment_type=appointment_type,
                                               practitioner=practitioner, location=location,
                                               start=occurrence.start, series=series))
            except SlotUnavailable as exc:  # taken between the check and now
                if not skip_conflicts:
                    raise
                skipped.append(Occurrence(occurrence.number, occurrence.start, None, exc.message))
    return series, booked, skipped


def _rest(appointment: Appointment) -> list[Appointment]:
    if appointment.series_id is None:
        raise ValidationError("This appointment is not part of a series.")
    return list(Appointment.objects.filter(series_id=appointment.series_id, start__gte=appointment.start,
                                           status__in=HOLDING).order_by("start"))


def series_cancel_rest(*, actor: Actor, appointment: Appointment, reason: str, by: str) -> list[Appointment]:
    """Cancel this occurrence and every later one still booked."""
    with transaction.atomic():
        return [appointment_cancel(actor=actor, appointment=a, reason=reason, by=by) for a in _rest(appointment)]


def series_move_rest(*, actor: Actor, appointment: Appointment, new_start: datetime) -> list[Appointment]:
    """Move this occurrence to ``new_start`` and every later one by the same number of days, to the same new
    local time. All or nothing: if one cannot move, none does (SlotUnavailable names the first that failed)."""
    zone = location_timezone(appointment.location)
    local_new = new_start.astimezone(ZoneInfo(zone))
    days = (local_new.date() - appointment.start.astimezone(ZoneInfo(zone)).date()).days
    clock = (local_new.hour, local_new.minute)
    with transaction.atomic():
        return [appointment_reschedule(actor=actor, appointment=a, start=shift_local(a.start, zone, days, clock),
                                       reason="series moved") for a in _rest(appointment)]
