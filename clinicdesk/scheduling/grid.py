"""The schedule grid: columns (practitioners, rooms or days) by 15-minute rows, built from a few queries.

Each column gets its appointments and its open time (from the slots kernel); the grid is plain data the
template walks row by row, an appointment spanning as many rows as it lasts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import calendars, location_timezone
from clinicdesk.scheduling.models import (
    HOLDING,
    Appointment,
    Reservation,
    Resource,
    ResourceKind,
    Status,
)
from clinicdesk.scheduling.slots import Calendar, Interval, open_intervals
from clinicdesk.staff.models import practitioner_display_name

STEP = timedelta(minutes=15)
DEFAULT_HOURS = (time(8), time(17))
# Shown in the grid; cancelled and rescheduled visits are listed under it instead.
SHOWN = HOLDING | {Status.COMPLETED, Status.NO_SHOW}
STATUS_CLASS: dict[str, str] = {
    Status.PROPOSED: "muted", Status.BOOKED: "booked", Status.CONFIRMED: "ok", Status.ARRIVED: "warn",
    Status.IN_ROOM: "accent", Status.COMPLETED: "done", Status.NO_SHOW: "danger", Status.CANCELLED: "muted",
    Status.RESCHEDULED: "muted"}


@dataclass
class Cell:
    kind: str  # "appt", "open", "closed"
    start: datetime
    rowspan: int = 1
    appointments: list[Appointment] = field(default_factory=list)


@dataclass
class Column:
    key: str
    label: str
    day: date
    practitioner_id: int | None = None
    calendar: Calendar | None = None
    appointments: list[Appointment] = field(default_factory=list)
    bookable: bool = True
    cells: list[Cell | None] = field(default_factory=list)


@dataclass
class Grid:
    zone: ZoneInfo
    times: list[time]
    columns: list[Column]
    rows: list[tuple[time, list[tuple[Column, Cell]]]]
    off_grid: list[Appointment]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), zone)


def _floor(t: time) -> time:
    return time(t.hour, t.minute - t.minute % 15)


def _ceil(value: datetime) -> time:
    minutes = value.hour * 60 + value.minute + (1 if value.second or value.microsecond else 0)
    minutes = min(-(-minutes // 15) * 15, 24 * 60 - 15)
    return time(minutes // 60, minutes % 60)


def _span(columns: Sequence[Column], zone: ZoneInfo) -> tuple[time, time]:
    """Earliest start to latest end of the columns' sessions and appointments, in local wall time."""
    starts: list[time] = []
    ends: list[time] = []
    for col in columns:
        if col.calendar is not None:
            for block in col.calendar.blocks:
                if block.on(col.day):
                    starts.append(block.start)
                    ends.append(block.end)
            for session in col.calendar.extra:
                local = session.interval.start.astimezone(zone)
                if local.date() == col.day:
                    starts.append(local.time())
                    ends.append(_ceil(session.interval.end.astimezone(zone)))
        for appt in col.appointments:
            local_start, local_end = appt.start.astimezone(zone), appt.end.astimezone(zone)
            starts.append(local_start.time() if local_start.date() == col.day else time(0))
            ends.append(_ceil(local_end) if local_end.date() == col.day else time(23, 45))
    if not starts:
        return DEFAULT_HOURS
    return _floor(min(starts)), max(ends)


def _times(first: time, last: time) -> list[time]:
    out, t = [], datetime.combine(date(2000, 1, 1), first)
    stop = datetime.combine(date(2000, 1, 1), last)
    while t < stop:
        out.append(t.time())
        t += STEP
    return out or [first]


def _fill(col: Column, times: list[time], zone: ZoneInfo) -> None:
    starts = [datetime.combine(col.day, t, zone) for t in times]
    lo, hi = starts[0], starts[-1] + STEP
    opened: list[Interval] = []
    if col.calendar is not None:
        opened = open_intervals(col.calendar, Interval(lo, hi))
    cells: list[Cell | None] = [None] * len(starts)
    owner: list[int] = list(range(len(starts)))
    for appt in col.appointments:
        first = max(0, int((appt.start - lo) // STEP))
        last = min(len(starts), max(first + 1, -(-int((appt.end - lo).total_seconds()) // int(STEP.total_seconds()))))
        if first >= len(starts) or appt.end <= lo:
            continue
        head = owner[first]
        cell = cells[head]
        if cell is not None and cell.kind == "appt":
            cell.appointments.append(appt)
            needed = last - head
            for i in range(head + cell.rowspan, min(head + needed, len(starts))):
                owner[i] = head
            cell.rowspan = max(cell.rowspan, needed)
            continue
        cells[first] = Cell("appt", starts[first], rowspan=last - first, appointments=[appt])
        for i in range(first + 1, last):
            owner[i] = first
    out: list[Cell | None] = []
    for i, start in enumerate(starts):
        if owner[i] != i:
            out.append(None)
        elif cells[i] is not None:
            out.append(cells[i])
        else:
            free = any(iv.start <= start and start + STEP <= iv.end for iv in opened)
            out.append(Cell("open" if free and col.bookable else "free" if free else "closed", start))
    col.cells = out


def build(columns: list[Column], zone: ZoneInfo) -> Grid:
    first, last = _span(columns, zone)
    times = _times(first, last)
    off: list[Appointment] = []
    for col in columns:
        for appt in col.appointments:  # what the templates print, in the location's clock
            vars(appt).update(local_start=appt.start.astimezone(zone), local_end=appt.end.astimezone(zone),
                              status_class=STATUS_CLASS.get(appt.status, "muted"))
        off += [a for a in col.appointments if a.status not in SHOWN]
        col.appointments = [a for a in col.appointments if a.status in SHOWN]
        _fill(col, times, zone)
    rows = [(t, [(col, cell) for col in columns if (cell := col.cells[i]) is not None]) for i, t in enumerate(times)]
    return Grid(zone, times, columns, rows, sorted(off, key=lambda a: a.start))


# No appointment is longer than this: bounding ``start`` from below lets the (organization, start) index
# read just the day instead of the practice's whole history before it.
LONGEST_APPOINTMENT = timedelta(hours=24)


@dataclass
class Named:
    family_name: str = ""
    given_name: str = ""
    code: str = ""
    name: str = ""
    display_name: str = ""


@dataclass
class GridAppointment:
    """What the grid shows of an appointment: read as plain rows, not model instances (a busy day has
    hundreds, and building full models with their relations was a third of the page's time)."""

    pk: int
    start: datetime
    end: datetime
    status: str
    patient_id: int
    practitioner_id: int
    patient: Named
    appointment_type: Named
    practitioner: Named

    def get_status_display(self) -> str:
        return str(Status(self.status).label)


_ROW = ("pk", "start", "end", "status", "patient_id", "practitioner_id", "patient__family_name",
        "patient__given_name", "appointment_type__code", "appointment_type__name", "practitioner__prefix",
        "practitioner__given_name", "practitioner__family_name", "practitioner__credentials")


def _appointments(organization_id: int, lo: datetime, hi: datetime, **extra: int) -> list[Any]:
    rows = (Appointment.objects.filter(organization_id=organization_id, start__lt=hi,
                                       start__gte=lo - LONGEST_APPOINTMENT, end__gt=lo, **extra)
            .order_by("start").values_list(*_ROW))
    return [GridAppointment(pk, start, end, status, patient_id, practitioner_id, Named(family, given),
                            Named(code=code, name=type_name),
                            Named(display_name=practitioner_display_name(prefix, p_given, p_family, creds)))
            for (pk, start, end, status, patient_id, practitioner_id, family, given, code, type_name, prefix,
                 p_given, p_family, creds) in rows]


def practitioner_day(location: Location, day: date, resources: Sequence[Resource]) -> Grid:
    """One column per practitioner working at ``location`` that day (or with appointments there)."""
    zone = ZoneInfo(location_timezone(location))
    lo, hi = day_bounds(day, zone)
    cals = calendars(resources, location, Interval(lo, hi))
    by_practitioner: dict[int, list[Appointment]] = defaultdict(list)
    for appt in _appointments(location.organization_id, lo, hi, location_id=location.pk):
        by_practitioner[appt.practitioner_id].append(appt)
    columns = []
    for res in resources:
        cal = cals[res.pk]
        works = any(b.on(day) for b in cal.blocks) or bool(cal.extra)
        pid = res.practitioner_id or 0
        if works or by_practitioner.get(pid):
            columns.append(Column(key=f"p{pid}", label=res.practitioner.display_name if res.practitioner else res.name,
                                  day=day, practitioner_id=pid, calendar=cal, appointments=by_practitioner[pid]))
    return build(columns, zone)


def room_day(location: Location, day: date) -> Grid:
    """One column per room of ``location``: what holds it (reservations), and when it is free."""
    zone = ZoneInfo(location_timezone(location))
    lo, hi = day_bounds(day, zone)
    rooms = list(Resource.objects.filter(organization_id=location.organization_id, kind=ResourceKind.ROOM,
                                         location=location, active=True).order_by("name"))
    cals = calendars(rooms, location, Interval(lo, hi))
    held: dict[int, list[Appointment]] = defaultdict(list)
    for res in (Reservation.objects.filter(resource__in=rooms, start__lt=hi, end__gt=lo, active=True)
                .select_related("appointment__patient", "appointment__appointment_type",
                                "appointment__practitioner", "appointment__location")):
        held[res.resource_id].append(res.appointment)
    columns = [Column(key=f"r{r.pk}", label=r.name, day=day, calendar=cals[r.pk], appointments=held[r.pk],
                      bookable=False) for r in rooms]
    return build(columns, zone)


def practitioner_week(location: Location, monday: date, resource: Resource) -> Grid:
    """One column per day of the week for one practitioner (all locations' appointments, this one's hours)."""
    zone = ZoneInfo(location_timezone(location))
    lo, _ = day_bounds(monday, zone)
    _, hi = day_bounds(monday + timedelta(days=6), zone)
    cal = calendars([resource], location, Interval(lo, hi))[resource.pk]
    by_day: dict[date, list[Appointment]] = defaultdict(list)
    for appt in _appointments(location.organization_id, lo, hi, practitioner_id=resource.practitioner_id or 0):
        by_day[appt.start.astimezone(zone).date()].append(appt)
    days = [monday + timedelta(days=i) for i in range(7)]
    shown = [d for d in days if d.weekday() < 5 or by_day.get(d) or any(b.on(d) for b in cal.blocks)]
    columns = [Column(key=f"d{d:%Y%m%d}", label=f"{d:%a} {d.day} {d:%b}", day=d,
                      practitioner_id=resource.practitioner_id, calendar=cal, appointments=by_day[d])
               for d in shown]
    return build(columns, zone)
