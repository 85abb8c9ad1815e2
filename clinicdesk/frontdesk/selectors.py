"""Reads for the front desk: the today board of one location, the desk settings, follow-ups.

The board is three queries however many appointments the day has (appointments with patient, type,
practitioner, visit and room joined; the walk-in queue; the settings).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from clinicdesk.frontdesk.models import FrontDeskSettings, Stage, Visit, VisitorEntry, WalkIn, WalkInStatus
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.grid import day_bounds
from clinicdesk.scheduling.models import HOLDING, Appointment, Status
from clinicdesk.scheduling.selectors import LONGEST_APPOINTMENT

# (key, heading) in the order a patient moves through the practice.
SECTIONS: list[tuple[str, str]] = [
    ("expected", "Expected"), ("waiting", "Checked in"), ("roomed", "In room"),
    ("with_practitioner", "With practitioner"), ("ready", "Ready for check-out"), ("done", "Done"),
    ("no_show", "No-shows"),
]
SHOWN_STATUSES = (Status.PROPOSED, Status.BOOKED, Status.CONFIRMED, Status.ARRIVED, Status.IN_ROOM,
                  Status.COMPLETED, Status.NO_SHOW)


@dataclass(frozen=True)
class Limits:
    amber_minutes: int = 15
    red_minutes: int = 30
    poll_seconds: int = 5


def desk_limits(location: Location) -> Limits:
    """The location's own settings, else the practice's, else the defaults."""
    rows = list(FrontDeskSettings.objects.filter(Q(location=location) | Q(location__isnull=True),
                                                 organization_id=location.organization_id))
    row = next((r for r in rows if r.location_id == location.pk), None) or (rows[0] if rows else None)
    if row is None:
        return Limits()
    return Limits(row.amber_minutes, row.red_minutes, row.poll_seconds)


@dataclass
class Card:
    appointment: Appointment
    visit: Visit | None
    section: str
    start: datetime
    waiting_minutes: int | None = None
    level: str = ""  # "", "amber" or "red" for waiting patients

    @property
    def patient(self) -> object:
        return self.appointment.patient


@dataclass
class Board:
    location: Location
    day: date
    zone: ZoneInfo
    sections: list[tuple[str, str, list[Card]]]
    walk_ins: list[WalkIn]
    limits: Limits
    fingerprint: str
    appointments: list[Appointment] = field(default_factory=list)


def section_of(appointment: Appointment, visit: Visit | None) -> str:
    status = appointment.status
    if status in (Status.PROPOSED, Status.BOOKED, Status.CONFIRMED):
        return "expected"
    if status == Status.ARRIVED:
        return "waiting"
    if status == Status.IN_ROOM:
        stage = visit.stage if visit else Stage.ROOMED
        return stage if stage in ("with_practitioner", "ready") else "roomed"
    return "done" if status == Status.COMPLETED else "no_show"


def _visit(appointment: Appointment) -> Visit | None:
    try:
        return appointment.visit
    except Visit.DoesNotExist:
        return None


def today_board(*, location: Location, practitioner_id: int | None = None, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    zone = ZoneInfo(location_timezone(location))
    day = now.astimezone(zone).date()
    lo, hi = day_bounds(day, zone)
    qs = (Appointment.objects.filter(organization_id=location.organization_id, location=location, start__lt=hi,
                                     end__gt=lo, start__gte=lo - LONGEST_APPOINTMENT, status__in=SHOWN_STATUSES)
          .select_related("patient", "appointment_type", "practitioner", "visit", "visit__room")
          .order_by("start", "pk"))
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    appointments = list(qs)
    limits = desk_limits(location)
    by_section: dict[str, list[Card]] = {key: [] for key, _ in SECTIONS}
    for appt in appointments:
        visit = _visit(appt)
        card = Card(appt, visit, section_of(appt, visit), appt.start.astimezone(zone))
        if card.section == "waiting":
            since = (visit.arrived_at if visit and visit.arrived_at else appt.updated_at)
            card.waiting_minutes = max(int((now - since).total_seconds() // 60), 0)
            card.level = ("red" if card.waiting_minutes >= limits.red_minutes else
                          "amber" if card.waiting_minutes >= limits.amber_minutes else "")
        by_section[card.section].append(card)
    by_section["waiting"].sort(key=lambda c: -(c.waiting_minutes or 0))
    walk_ins = list(WalkIn.objects.filter(location=location, status=WalkInStatus.WAITING,
                                          arrived_at__gte=lo - timedelta(hours=12))
                    .select_related("patient", "preferred_practitioner", "appointment_type"))
    if practitioner_id is not None:
        walk_ins = [w for w in walk_ins if w.preferred_practitioner_id in (None, practitioner_id)]
    state = "|".join(
        [f"{a.pk}:{a.status}:{a.version}:{v.version if (v := _visit(a)) else 0}" for a in appointments]
        + [f"w{w.pk}" for w in walk_ins]
        # the waiting minutes shown change with the clock, but only matter while someone waits
        + [f"{now.astimezone(zone):%H:%M}" if by_section["waiting"] else "", repr(limits)])
    fingerprint = hashlib.sha256(state.encode()).hexdigest()[:16]
    return Board(location, day, zone, [(key, label, by_section[key]) for key, label in SECTIONS], walk_ins, limits,
                 fingerprint, appointments)


def follow_up_of(appointment: Appointment) -> Appointment | None:
    """The patient's next booked appointment after this one, made after this one was."""
    return (Appointment.objects.filter(patient_id=appointment.patient_id, start__gte=appointment.end,
                                       status__in=HOLDING, created_at__gt=appointment.created_at)
            .exclude(pk=appointment.pk).select_related("practitioner", "location", "appointment_type")
            .order_by("start").first())


def todays_appointments(*, patient_id: int, organization_id: int, zone: ZoneInfo,
                        now: datetime | None = None) -> list[Appointment]:
    """A patient's appointments today (any location), for check-in from a patient search."""
    now = now or timezone.now()
    lo, hi = day_bounds(now.astimezone(zone).date(), zone)
    return list(Appointment.objects.filter(patient_id=patient_id, organization_id=organization_id, start__lt=hi,
                                           end__gt=lo, status__in=SHOWN_STATUSES)
                .select_related("practitioner", "location", "appointment_type").order_by("start"))


def visitors_today(*, location: Location, now: datetime | None = None) -> list[VisitorEntry]:
    now = now or timezone.now()
    zone = ZoneInfo(location_timezone(location))
    lo, hi = day_bounds(now.astimezone(zone).date(), zone)
    return list(VisitorEntry.objects.filter(location=location, arrived_at__gte=lo, arrived_at__lt=hi)
                .select_related("host", "directed_to", "patient"))
