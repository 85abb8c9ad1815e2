"""iCalendar (RFC 5545) for appointments: one event for a patient, a feed for a practitioner.

Times are written in UTC (``DTSTART:20261207T150000Z``), which every calendar program shows in its own
zone; UIDs are stable per appointment so a re-imported or re-fetched event updates instead of duplicating.
A practitioner's feed carries the visit type and the patient's initials only: it lands on personal phones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event

from clinicdesk.scheduling.models import Appointment, Status

PRODID = "-//clinicdesk//scheduling//EN"
_ICAL_STATUS: dict[str, str] = {Status.PROPOSED: "TENTATIVE", Status.CANCELLED: "CANCELLED",
                                 Status.RESCHEDULED: "CANCELLED", Status.NO_SHOW: "CANCELLED"}


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(appointment: Appointment, summary: str, description: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@clinicdesk")
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", ", ".join([appointment.location.name, *appointment.location.address_lines()]))
    event.add("status", _ICAL_STATUS.get(appointment.status, "CONFIRMED"))
    event.add("sequence", appointment.version)
    if description:
        event.add("description", description)
    return event


def patient_ics(appointment: Appointment, *, now: datetime) -> bytes:
    """The .ics a patient adds to their calendar: who, what, where, and how to prepare."""
    cal = _calendar(f"{appointment.location.name} appointment")
    cal.add("method", "PUBLISH")
    summary = f"{appointment.appointment_type.name} with {appointment.practitioner.display_name}"
    cal.add_component(_event(appointment, summary, appointment.appointment_type.patient_instructions, now))
    return cal.to_ical()


def practitioner_feed(name: str, appointments: Iterable[Appointment], *, now: datetime) -> bytes:
    cal = _calendar(name)
    for appointment in appointments:
        patient = appointment.patient
        initials = f"{patient.given_name[:1]}.{patient.family_name[:1]}."
        code = appointment.appointment_type.code or appointment.appointment_type.name
        cal.add_component(_event(appointment, f"{code} · {initials}", "", now))
    return cal.to_ical()
