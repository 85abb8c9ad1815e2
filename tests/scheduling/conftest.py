"""A small schedule: Dr. Lindqvist Mon-Fri 09:00-12:00 at Main Street (America/Chicago), an MRI that needs
the scanner, a technologist and a prep room 15 minutes before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clinicdesk.practice.models import Location, Organization, Room
from clinicdesk.scheduling.models import AppointmentType, AvailabilityBlock, Resource, ResourceKind, TypeRequirement
from clinicdesk.scheduling.services import resource_for_practitioner
from clinicdesk.staff.models import Practitioner

CHICAGO = ZoneInfo("America/Chicago")


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHICAGO)


@dataclass
class Clinic:
    org: Organization
    location: Location
    practitioner: Practitioner
    resource: Resource
    follow_up: AppointmentType
    mri: AppointmentType
    scanner: Resource
    techs: list[Resource]
    prep_room: Resource


def add_blocks(resource: Resource, location: Location, start: time = time(9), end: time = time(12),
               weekdays: range = range(5)) -> None:
    for weekday in weekdays:
        AvailabilityBlock.objects.create(organization_id=resource.organization_id, resource=resource,
                                         location=location, weekday=weekday, start_time=start, end_time=end)


@pytest.fixture
def clinic(org: Organization, location: Location, practitioner: Practitioner) -> Clinic:
    resource = resource_for_practitioner(practitioner)
    add_blocks(resource, location)
    follow_up = AppointmentType.objects.create(organization=org, name="Follow-up", code="FU", duration_minutes=20,
                                               buffer_after_minutes=5)
    mri = AppointmentType.objects.create(organization=org, name="MRI with contrast", code="MRI",
                                         category="diagnostic", duration_minutes=45)
    scanner = Resource.objects.create(organization=org, kind=ResourceKind.EQUIPMENT, name="MRI scanner",
                                      location=location)
    techs = [Resource.objects.create(organization=org, kind=ResourceKind.STAFF, name=f"Technologist {i}")
             for i in (1, 2)]
    for tech in techs:
        add_blocks(tech, location, time(8), time(17))
    room = Room.objects.create(organization=org, location=location, name="Prep 1", kind="prep")
    prep_room = Resource.objects.create(organization=org, kind=ResourceKind.ROOM, name="Prep 1", location=location,
                                        room=room)
    for label, pool, offset, duration in (("scanner", [scanner], 0, None), ("technologist", techs, 0, None),
                                          ("prep room", [prep_room], -15, 15)):
        req = TypeRequirement.objects.create(appointment_type=mri, label=label, offset_minutes=offset,
                                             duration_minutes=duration)
        req.pool.set(pool)
    return Clinic(org, location, practitioner, resource, follow_up, mri, scanner, techs, prep_room)


@pytest.fixture
def monday() -> date:
    return next_weekday(0)


def book_kwargs(clinic: Clinic, patient: Any, start: datetime, kind: str = "follow_up") -> dict[str, Any]:
    return {"patient": patient, "appointment_type": getattr(clinic, kind), "practitioner": clinic.practitioner,
            "location": clinic.location, "start": start}
