"""Slot ↔ a bookable start (free) or a held time (busy) of a practitioner's schedule. Nothing is stored.

Ids are synthetic and stable:
- free: ``<schedule>-<location>-<type>-<start as Unix seconds>``, e.g. ``3-1-5-1796652000``: this type can
  be booked with this schedule's practitioner at this location at that instant. Free slots are computed
  with the scheduling kernel (``scheduling.selectors.find_available``): one per possible start, on the
  practitioner's five-minute grid, so free slots of one schedule may overlap; booking one removes the
  others it overlaps.
- busy: ``<schedule>-busy-<reservation>``: an active reservation of the practitioner (buffers included);
  status busy-tentative while its appointment is only proposed. A busy slot names the appointment type
  but never the patient.
Times are given in the location's time zone (busy slots: the practice's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from clinicdesk.fhir.datatypes import compact, instant, ref
from clinicdesk.fhir.schedule import type_concept
from clinicdesk.scheduling.models import AppointmentType, Reservation, Status

_FREE = re.compile(r"([1-9][0-9]{0,17})-([1-9][0-9]{0,17})-([1-9][0-9]{0,17})-([1-9][0-9]{0,11})")
_BUSY = re.compile(r"([1-9][0-9]{0,17})-busy-([1-9][0-9]{0,17})")


@dataclass(frozen=True)
class FreeSlotId:
    schedule_id: int
    location_id: int
    type_id: int
    start: datetime


def free_slot_id(schedule_id: int, location_id: int, type_id: int, start: datetime) -> str:
    return f"{schedule_id}-{location_id}-{type_id}-{int(start.timestamp())}"


def parse_free_slot_id(logical_id: str) -> FreeSlotId | None:
    match = _FREE.fullmatch(logical_id)
    if match is None:
        return None
    schedule_id, location_id, type_id, seconds = (int(g) for g in match.groups())
    try:
        start = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return FreeSlotId(schedule_id, location_id, type_id, start)


def parse_busy_slot_id(logical_id: str) -> tuple[int, int] | None:
    match = _BUSY.fullmatch(logical_id)
    return (int(match.group(1)), int(match.group(2))) if match else None


def free_slot_to_fhir(schedule_id: int, location_id: int, t: AppointmentType, start: datetime, end: datetime,
                      zone: ZoneInfo) -> dict[str, Any]:
    return compact({
        "resourceType": "Slot",
        "id": free_slot_id(schedule_id, location_id, t.pk, start),
        "serviceType": [type_concept(t)],
        "schedule": ref("Schedule", schedule_id),
        "status": "free",
        "start": instant(start.astimezone(zone)),
        "end": instant(end.astimezone(zone)),
        "comment": f"Location/{location_id}",
    })


def busy_slot_to_fhir(reservation: Reservation, zone: ZoneInfo) -> dict[str, Any]:
    appointment = reservation.appointment
    return compact({
        "resourceType": "Slot",
        "id": f"{reservation.resource_id}-busy-{reservation.pk}",
        "serviceType": [type_concept(appointment.appointment_type)],
        "schedule": ref("Schedule", reservation.resource_id),
        "status": "busy-tentative" if appointment.status == Status.PROPOSED else "busy",
        "start": instant(reservation.start.astimezone(zone)),
        "end": instant(reservation.end.astimezone(zone)),
    })
