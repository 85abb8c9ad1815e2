"""The demo practice's schedule: bookable resources, appointment types, weekly templates, holidays, and a
history of appointments plus about six weeks of upcoming ones.

Everything follows from the seed and the day of the load (upcoming appointments must lie in the future).
Appointments go in with ``bulk_create``: the schedule of every resource is computed in memory, day by day,
so no two active reservations of one resource overlap by construction (the database would refuse them).
``check_no_overlap`` verifies it after the load.
"""

from __future__ import annotations

import importlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    ExceptionKind,
    Reservation,
    Resource,
    ResourceKind,
    Status,
    TypeRequirement,
)
from clinicdesk.staff.models import Practitioner

BATCH = 5000
UPCOMING_DAYS = 42
HISTORY_DAYS = 365
LUNCH = (time(12), time(13))


@dataclass(frozen=True)
class TypeDef:
    key: str
    name: str
    code: str
    category: str
    minutes: int
    color: str
    buffer_after: int = 0
    instructions: str = ""


TYPES = (
    TypeDef("new", "New patient", "NP", "consultation", 40, "#1f5fae",
            instructions="Please arrive 15 minutes early with your insurance card and a list of your medicines."),
    TypeDef("follow_up", "Follow-up", "FU", "follow_up", 20, "#2e7d32"),
    TypeDef("physical", "Annual physical", "AP", "consultation", 30, "#6a1b9a",
            instructions="Fast for 8 hours before the visit if blood work is planned."),
    TypeDef("telehealth", "Telehealth", "TH", "telehealth", 20, "#00838f",
            instructions="You will receive a video link by e-mail the day before."),
    TypeDef("ultrasound", "Ultrasound", "US", "diagnostic", 30, "#ef6c00",
            instructions="Drink 32 oz of water an hour before; do not empty your bladder."),
    TypeDef("mri", "MRI with contrast", "MRI", "diagnostic", 45, "#c62828",
            instructions="Arrive 30 minutes early. Tell us about kidney problems or contrast allergies."),
    TypeDef("procedure", "Minor procedure", "PROC", "procedure", 45, "#5d4037", buffer_after=10),
    TypeDef("surgery", "Surgery consult", "SC", "surgery", 30, "#37474f"),
)

# Which types each practitioner sees, with weights (how often).
SEES: dict[str, dict[str, int]] = {
    "family": {"follow_up": 45, "new": 15, "physical": 25, "telehealth": 10, "procedure": 5},
    "internal": {"follow_up": 50, "new": 15, "physical": 25, "telehealth": 10},
    "pediatrics": {"follow_up": 40, "new": 20, "physical": 35, "telehealth": 5},
    "cardiology": {"follow_up": 55, "new": 30, "telehealth": 15},
    "dermatology": {"follow_up": 40, "new": 30, "procedure": 25, "telehealth": 5},
    "orthopedics": {"follow_up": 45, "new": 25, "procedure": 10, "surgery": 20},
    "obgyn": {"follow_up": 45, "new": 20, "physical": 20, "ultrasound": 15},
    "radiology": {"ultrasound": 55, "mri": 45},
}

C, W = "clintonville", "westerville"
_DAY = ((time(8), time(12)), (time(13), time(17)))
_AM = ((time(8), time(12)),)
_PM = ((time(13), time(17)),)
# practitioner key -> weekday -> (location key, sessions)
TEMPLATES: dict[str, dict[int, tuple[str, tuple[tuple[time, time], ...]]]] = {
    "family": {0: (C, _DAY), 1: (C, _DAY), 2: (W, _DAY), 3: (C, _DAY), 4: (C, _AM)},
    "internal": {0: (C, _DAY), 1: (C, _DAY), 2: (C, _AM), 3: (C, _DAY), 4: (C, _DAY)},
    "pediatrics": {0: (W, _DAY), 1: (W, _DAY), 2: (C, _DAY), 3: (W, _DAY), 4: (W, _AM)},
    "cardiology": {0: (C, _DAY), 1: (C, _AM), 2: (C, _DAY), 3: (C, _DAY), 4: (C, _AM)},
    "dermatology": {0: (W, _DAY), 1: (W, _DAY), 2: (W, _PM), 3: (W, _DAY)},
    "orthopedics": {0: (W, _AM), 1: (W, _DAY), 2: (W, _DAY), 4: (W, _DAY)},
    "obgyn": {0: (C, _DAY), 1: (C, _DAY), 3: (C, _DAY), 4: (C, _DAY)},
    "radiology": {0: (C, _DAY), 1: (C, _DAY), 2: (C, _DAY), 3: (W, _AM), 4: (C, _DAY)},
}
EXTRA_PATTERNS = ("family", "internal", "pediatrics", "cardiology", "dermatology", "orthopedics", "obgyn")
# Support staff work Monday to Friday at Clintonville (where the scanner and the ultrasound are).
STAFF = (("MRI technologist (Ana)", "mri"), ("MRI technologist (Ben)", "mri"), ("Sonographer (Carla)", "us"))
# Holidays the practice closes (month, day); plus Memorial, Labor and Thanksgiving days computed per year.
FIXED_HOLIDAYS = ((1, 1), (7, 4), (12, 25))


@dataclass(frozen=True)
class ScheduleResult:
    resources: int
    types: int
    blocks: int
    exceptions: int
    appointments: int
    reservations: int
    upcoming: int


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    if n > 0:
        return day + timedelta(weeks=n - 1)
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holidays(first: date, last: date) -> list[tuple[date, str]]:
    found = []
    for year in range(first.year, last.year + 1):
        days = [(date(year, m, d), name) for (m, d), name in zip(
            FIXED_HOLIDAYS, ("New Year's Day", "Independence Day", "Christmas Day"), strict=True)]
        days += [(_nth_weekday(year, 5, 0, -1), "Memorial Day"), (_nth_weekday(year, 9, 0, 1), "Labor Day"),
                 (_nth_weekday(year, 11, 3, 4), "Thanksgiving")]
        found += [(d, name) for d, name in days if first <= d <= last]
    return sorted(found)


def _room(org: Organization, location: Location, name: str, kind: str) -> Room:
    return Room.objects.get_or_create(organization=org, location=location, name=name, defaults={"kind": kind})[0]


class _Builder:
    def __init__(self, rng: random.Random, org: Organization, locations: dict[str, Location],
                 practitioners: dict[str, Practitioner], today: date) -> None:
        self.rng, self.org, self.locations, self.today = rng, org, locations, today
        self.practitioners = practitioners
        self.zone = ZoneInfo(org.timezone)
        self.resources: dict[str, Resource] = {}
        self.types: dict[str, AppointmentType] = {}
        self.blocks = 0
        self.exceptions = 0

    def resource(self, key: str, **fields: object) -> Resource:
        self.resources[key] = Resource.objects.create(organization=self.org, **fields)
        return self.resources[key]

    def make_resources(self) -> None:
        clinton = self.locations[C]
        _room(self.org, clinton, "MRI suite", "imaging")
        _room(self.org, clinton, "MRI prep", "prep")
        for key, location in self.locations.items():
            for room in Room.objects.filter(location=location).order_by("pk"):
                self.resource(f"room:{key}:{room.name}", kind=ResourceKind.ROOM, name=f"{room.name} ({location.name})",
                              location=location, room=room)
        for key, practitioner in self.practitioners.items():
            self.resource(f"pr:{key}", kind=ResourceKind.PRACTITIONER, name=practitioner.display_name,
                          practitioner=practitioner)
        self.resource("eq:ultrasound", kind=ResourceKind.EQUIPMENT, name="Ultrasound (GE LOGIQ)", location=clinton)
        self.resource("eq:mri", kind=ResourceKind.EQUIPMENT, name="MRI scanner 1.5T", location=clinton)
        for key, location in self.locations.items():
            self.resource(f"eq:xray:{key}", kind=ResourceKind.EQUIPMENT, name=f"X-ray ({location.name})",
                          location=location)
        for name, group in STAFF:
            staff = self.resource(f"staff:{name}", kind=ResourceKind.STAFF, name=name, location=clinton)
            AvailabilityBlock.objects.bulk_create([
                AvailabilityBlock(organization=self.org, resource=staff, location=clinton, weekday=wd,
                                  start_time=time(7, 30), end_time=time(17, 30)) for wd in range(5)])
            self.blocks += 5
            del group

    def pool(self, prefix: str) -> list[Resource]:
        return [r for k, r in self.resources.items() if k.startswith(prefix)]

    def make_types(self) -> None:
        for spec in TYPES:
            self.types[spec.key] = AppointmentType.objects.create(
                organization=self.org, name=spec.name, code=spec.code, category=spec.category,
                duration_minutes=spec.minutes, buffer_after_minutes=spec.buffer_after, color=spec.color,
                patient_instructions=spec.instructions)
        needs: dict[str, list[tuple[str, list[Resource], int, int | None]]] = {
            "ultrasound": [("sonographer", self.pool("staff:Sonographer"), 0, None),
                           ("ultrasound room", self.pool(f"room:{C}:Ultrasound"), 0, None),
                           ("ultrasound machine", [self.resources["eq:ultrasound"]], 0, None)],
            "mri": [("MRI scanner", [self.resources["eq:mri"]], 0, None),
                    ("technologist", self.pool("staff:MRI technologist"), 0, None),
                    ("MRI suite", self.pool(f"room:{C}:MRI suite"), 0, None),
                    ("prep room", self.pool(f"room:{C}:MRI prep"), -15, 15)],
            "procedure": [("procedure room", self.pool(f"room:{C}:Procedure") + self.pool(f"room:{W}:Procedure")
                           + self.pool(f"room:{W}:Minor procedure"), 0, None)],
        }
        for type_key, requirements in needs.items():
            for label, pool, offset, minutes in requirements:
                requirement = TypeRequirement.objects.create(appointment_type=self.types[type_key], label=label,
                                                             offset_minutes=offset, duration_minutes=minutes)
                requirement.pool.set(pool)

    def make_templates(self, extra: list[tuple[str, str]]) -> dict[str, list[tuple[int, str, time, time]]]:
        """Weekly blocks of every practitioner; returns practitioner key -> (weekday, location, start, end)."""
        through = AvailabilityBlock.types.through
        plans: dict[str, list[tuple[int, str, time, time]]] = {}
        for key, pattern in [(k, k) for k in TEMPLATES] + extra:
            plans[key] = [(wd, loc, a, b) for wd, (loc, sessions) in TEMPLATES[pattern].items() for a, b in sessions]
            blocks = AvailabilityBlock.objects.bulk_create([
                AvailabilityBlock(organization=self.org, resource=self.resources[f"pr:{key}"],
                                  location=self.locations[loc], weekday=wd, start_time=a, end_time=b)
                for wd, loc, a, b in plans[key]])
            type_ids = [self.types[t].pk for t in SEES[pattern]]
            through.objects.bulk_create([through(availabilityblock_id=block.pk, appointmenttype_id=tid)
                                         for block in blocks for tid in type_ids])
            self.blocks += len(blocks)
        return plans

    def make_exceptions(self, first: date, last: date, keys: list[str]) -> set[tuple[str, date]]:
        """Holidays for everyone and a vacation week for some; returns the (practitioner, day) pairs off."""
        off: set[tuple[str, date]] = set()
        rows = []
        people = [self.resources[f"pr:{k}"] for k in keys] + self.pool("staff:")
        for day, name in holidays(first, last):
            for resource in people:
                rows.append(AvailabilityException(
                    organization=self.org, resource=resource, kind=ExceptionKind.OFF, reason=name,
                    start=datetime.combine(day, time(0), self.zone),
                    end=datetime.combine(day + timedelta(days=1), time(0), self.zone)))
            off |= {(k, day) for k in keys}
        for key in keys[:4]:  # a vacation week in the upcoming weeks for a few practitioners
            monday = self.today + timedelta(days=(7 - self.today.weekday()) % 7 + 7 * self.rng.randint(1, 5))
            rows.append(AvailabilityException(
                organization=self.org, resource=self.resources[f"pr:{key}"], kind=ExceptionKind.OFF,
                reason="Vacation", start=datetime.combine(monday, time(0), self.zone),
                end=datetime.combine(monday + timedelta(days=5), time(0), self.zone)))
            off |= {(key, monday + timedelta(days=i)) for i in range(5)}
        AvailabilityException.objects.bulk_create(rows, batch_size=BATCH)
        self.exceptions += len(rows)
        return off


def _fits(busy: list[tuple[datetime, datetime]], a: datetime, b: datetime) -> bool:
    return all(b <= s or e <= a for s, e in busy)


def create_schedule(*, rng: random.Random, organization: Organization, locations: dict[str, Location],
                    practitioners: dict[str, Practitioner], patient_ids: list[int], appointments: int | None = None,
                    extra_practitioners: int = 0, today: date | None = None) -> ScheduleResult:
    """Resources, types, templates, holidays and appointments for the demo practice. ``appointments``
    (approximate history size) lengthens the history beyond one year when the templates need it."""
    today = today or datetime.now(ZoneInfo(organization.timezone)).date()
    practitioners = dict(practitioners)
    extra: list[tuple[str, str]] = []
    for i in range(extra_practitioners):
        pattern = EXTRA_PATTERNS[i % len(EXTRA_PATTERNS)]
        base = practitioners[pattern]
        key = f"extra{i + 1}"
        practitioners[key] = Practitioner.objects.create(
            organization=organization, given_name=f"Casey{i + 1}", family_name=f"Bench-{base.family_name}",
            prefix="Dr.", credentials="MD", specialty=base.specialty, taxonomy_code=base.taxonomy_code,
            department=base.department)
        extra.append((key, pattern))
    b = _Builder(rng, organization, locations, practitioners, today)
    b.make_resources()
    b.make_types()
    plans = b.make_templates(extra)
    patterns = {k: k for k in TEMPLATES} | dict(extra)
    # One practitioner-day holds about 8 hours / 27 minutes of visits; lengthen the history to reach the total.
    weekly = sum(len(p) for p in plans.values()) * 4 * 60 / 27 * 0.85
    days = HISTORY_DAYS if appointments is None else max(28, round(appointments / weekly * 7))
    first, last = today - timedelta(days=days), today + timedelta(days=UPCOMING_DAYS)
    off = b.make_exceptions(first, last, list(practitioners))
    made = _appointments(b, plans, patterns, off, patient_ids, first, last)
    return ScheduleResult(resources=len(b.resources), types=len(b.types), blocks=b.blocks, exceptions=b.exceptions,
                          **made)


def _appointments(b: _Builder, plans: dict[str, list[tuple[int, str, time, time]]], patterns: dict[str, str],
                  off: set[tuple[str, date]], patient_ids: list[int], first: date, last: date) -> dict[str, int]:
    rng, zone = b.rng, b.zone
    minutes = {t.key: t.minutes for t in TYPES}
    after = {t.key: t.buffer_after for t in TYPES}
    requirements = {key: [(list(req.pool.order_by("pk").values_list("pk", flat=True)), req.offset_minutes,
                           req.duration_minutes) for req in b.types[key].requirements.all()] for key in b.types}
    pool_location = dict(Resource.objects.filter(organization=b.org).values_list("pk", "location_id"))
    by_weekday: dict[str, dict[int, list[tuple[str, time, time]]]] = {
        key: defaultdict(list) for key in plans}
    for key, plan in plans.items():
        for wd, loc, a, e in sorted(plan, key=lambda p: (p[0], p[2])):
            by_weekday[key][wd].append((loc, a, e))
    now = datetime.now(UTC)
    appointments: list[Appointment] = []
    reservations: list[list[tuple[int, datetime, datetime, bool]]] = []
    upcoming = 0
    day = first
    while day <= last:
        busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)  # this day's reservations
        ahead = (day - b.today).days
        for key in plans:
            if (key, day) in off:
                continue
            pr_resource = b.resources[f"pr:{key}"]
            weights = SEES[patterns[key]]
            kinds, kind_weights = list(weights), list(weights.values())
            fill = 0.85 if ahead < 0 else max(0.25, 0.9 - 0.016 * ahead)
            for loc_key, a, e in by_weekday[key][day.weekday()]:
                location = b.locations[loc_key]
                t = datetime.combine(day, a, zone)
                end = datetime.combine(day, e, zone)
                while t < end:
                    kind = rng.choices(kinds, kind_weights)[0]
                    visit_end = t + timedelta(minutes=minutes[kind])
                    own_end = visit_end + timedelta(minutes=after[kind])
                    if own_end > end:
                        t += timedelta(minutes=5)
                        continue
                    if rng.random() > fill:  # an open slot
                        t += timedelta(minutes=rng.choice((10, 20, 30)))
                        continue
                    held = [(pr_resource.pk, t, own_end)]
                    ok = True
                    for pool, offset, length in requirements[kind]:
                        ra = t + timedelta(minutes=offset)
                        rb = ra + timedelta(minutes=length) if length else visit_end
                        pick = next((rid for rid in pool if pool_location.get(rid) in (None, location.pk)
                                     and _fits(busy[rid], ra, rb)), None)
                        if pick is None:
                            ok = False
                            break
                        held.append((pick, ra, rb))
                    if not ok:
                        t += timedelta(minutes=5)
                        continue
                    status = _status(rng, t, now, ahead)
                    holds = status not in (Status.CANCELLED,)
                    if holds:
                        for rid, ra, rb in held:
                            busy[rid].append((ra, rb))
                    appointments.append(Appointment(
                        organization=b.org, patient_id=rng.choice(patient_ids),
                        practitioner=b.practitioners[key], location=location, appointment_type=b.types[kind],
                        start=t, end=visit_end, status=status,
                        cancel_reason="Patient request" if status == Status.CANCELLED else "",
                        cancelled_by="patient" if status == Status.CANCELLED else "",
                        created_at=t - timedelta(days=rng.randint(1, 40)), updated_at=t))
                    reservations.append([(rid, ra, rb, holds) for rid, ra, rb in held])
                    upcoming += t >= now
                    t = own_end
        day += timedelta(days=1)
    made = _save(b.org.pk, appointments, reservations)
    return {"appointments": len(appointments), "reservations": made, "upcoming": upcoming}


def _status(rng: random.Random, start: datetime, now: datetime, ahead: int) -> str:
    roll = rng.random()
    if start < now:
        return Status.COMPLETED if roll < 0.86 else Status.NO_SHOW if roll < 0.92 else Status.CANCELLED
    if roll < 0.04:
        return Status.CANCELLED
    return Status.CONFIRMED if ahead <= 3 and roll < 0.7 else Status.BOOKED


def _save(org_id: int, appointments: list[Appointment],
          reservations: list[list[tuple[int, datetime, datetime, bool]]]) -> int:
    """Bulk insert; on SQLite the overlap trigger is lifted for the load (this transaction holds the only write
    lock, and the rows do not overlap by construction) and put back before commit."""
    guard = importlib.import_module("clinicdesk.scheduling.migrations.0002_no_double_booking")
    lifted = connection.vendor == "sqlite"
    if lifted:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS reservation_no_overlap_insert")
    made = 0
    try:
        for i in range(0, len(appointments), BATCH):
            chunk = Appointment.objects.bulk_create(appointments[i:i + BATCH])
            rows = [Reservation(organization_id=org_id, appointment_id=appt.pk, resource_id=rid, start=ra, end=rb,
                                active=active)
                    for appt, held in zip(chunk, reservations[i:i + BATCH], strict=True)
                    for rid, ra, rb, active in held]
            Reservation.objects.bulk_create(rows)
            made += len(rows)
    finally:
        if lifted:
            with connection.cursor() as cursor:
                cursor.execute(guard.SQLITE[0])
    return made


def check_no_overlap(organization_id: int) -> int:
    """How many pairs of active reservations of one resource overlap (0 after a correct load)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT r.resource_id, r.start, r.\"end\", lag(r.\"end\") OVER "
            "(PARTITION BY r.resource_id ORDER BY r.start) AS prev_end FROM scheduling_reservation r "
            "WHERE r.active AND r.organization_id = %s) x WHERE x.prev_end > x.start", [organization_id])
        return int(cursor.fetchone()[0])
