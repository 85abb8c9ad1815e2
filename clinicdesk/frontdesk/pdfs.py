"""Printed paper for the desk (reportlab): the face sheet, the visit label, the visit summary handout.

Plain functions from already-loaded objects to PDF bytes; the views load (and audit) what goes on the page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from clinicdesk.frontdesk.models import Visit
from clinicdesk.insurance.models import Coverage
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment

LABEL_SIZE = (4 * inch, 2 * inch)


def _when(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{local:%a} {local:%m/%d/%Y %H:%M}"


class _Writer:
    """Lines down a page, starting a new page when full."""

    def __init__(self, canvas: Canvas, *, top: float, left: float = 0.75 * inch, bottom: float = 0.75 * inch):
        self.c, self.top, self.left, self.bottom = canvas, top, left, bottom
        self.y = top

    def line(self, text: str, *, size: int = 10, bold: bool = False, gap: float = 1.35) -> None:
        if self.y < self.bottom:
            self.c.showPage()
            self.y = self.top
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.c.drawString(self.left, self.y, text[:110])
        self.y -= size * gap

    def pairs(self, rows: Iterable[tuple[str, str]]) -> None:
        for label, value in rows:
            if self.y < self.bottom:
                self.c.showPage()
                self.y = self.top
            self.c.setFont("Helvetica-Bold", 10)
            self.c.drawString(self.left, self.y, label)
            self.c.setFont("Helvetica", 10)
            self.c.drawString(self.left + 1.8 * inch, self.y, (value or "-")[:90])
            self.y -= 14

    def wrapped(self, text: str, width: int = 95) -> None:
        for paragraph in text.splitlines() or [""]:
            words, current = paragraph.split(), ""
            for word in words:
                if len(current) + len(word) + 1 > width:
                    self.line(current)
                    current = word
                else:
                    current = f"{current} {word}".strip()
            self.line(current)

    def space(self, points: float = 8) -> None:
        self.y -= points


def _new(title: str, size: tuple[float, float] = letter) -> tuple[io.BytesIO, Canvas]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, pageCompression=0)
    canvas.setTitle(title)
    canvas.setAuthor("clinicdesk")
    return buffer, canvas


def face_sheet(*, appointment: Appointment, patient: Patient, visit: Visit | None, coverages: list[Coverage],
               zone: ZoneInfo, printed: datetime) -> bytes:
    buffer, canvas = _new(f"Face sheet {patient.mrn}")
    w = _Writer(canvas, top=letter[1] - 0.75 * inch)
    w.line(patient.organization.name, size=9)
    w.line("Face sheet", size=16, bold=True)
    w.line(f"{patient.display_name}   MRN {patient.mrn}", size=13, bold=True)
    w.space()
    w.pairs([("Date of birth", f"{patient.birth_date:%m/%d/%Y}"), ("Sex", patient.get_sex_display()),
             ("Address", ", ".join(patient.address_lines())), ("Phones", ", ".join(patient.phones)),
             ("E-mail", patient.email), ("Language", patient.get_preferred_language_display()),
             ("Emergency contact", " ".join(x for x in [patient.emergency_contact_name,
                                                         patient.emergency_contact_relationship,
                                                         patient.emergency_contact_phone] if x)),
             ("Guarantor", patient.guarantor_name or patient.get_guarantor_relationship_display()),
             ("Alerts", patient.alerts)])
    w.space()
    w.line("Appointment", size=12, bold=True)
    w.pairs([("When", _when(appointment.start, zone)), ("Type", appointment.appointment_type.name),
             ("Practitioner", appointment.practitioner.display_name), ("Location", appointment.location.name),
             ("Reason", appointment.reason), ("Status", appointment.get_status_display())])
    w.space()
    w.line("Insurance", size=12, bold=True)
    for cov in coverages:
        w.pairs([(cov.get_priority_display(), f"{cov.payer.name} member {cov.member_id}"
                  + (f" group {cov.group_number}" if cov.group_number else "") + f", copay ${cov.copay}")])
    if not coverages:
        w.line("No active coverage on file (self-pay).")
    if visit is not None:
        w.space()
        w.line("Check-in", size=12, bold=True)
        w.pairs([("Arrived", _when(visit.arrived_at, zone) if visit.arrived_at else ""),
                 ("Copay", f"due ${visit.copay_due}, collected ${visit.copay_collected}"
                           + (f" ({visit.get_payment_method_display()})" if visit.payment_method else ""))])
    w.space()
    w.line(f"Printed {_when(printed, zone)}", size=8)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def visit_label(*, appointment: Appointment, patient: Patient, zone: ZoneInfo) -> bytes:
    """A 4 x 2 inch label: name, MRN, date of birth, the appointment."""
    buffer, canvas = _new(f"Label {patient.mrn}", LABEL_SIZE)
    w = _Writer(canvas, top=LABEL_SIZE[1] - 0.3 * inch, left=0.2 * inch, bottom=0.1 * inch)
    w.line(patient.display_name, size=12, bold=True)
    w.line(f"MRN {patient.mrn}   DOB {patient.birth_date:%m/%d/%Y}   {patient.get_sex_display()}", size=9)
    kind = appointment.appointment_type.code or appointment.appointment_type.name
    w.line(f"{_when(appointment.start, zone)}  {kind}", size=9)
    w.line(appointment.practitioner.display_name, size=9)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def visit_summary(*, appointment: Appointment, patient: Patient, follow_up: Appointment | None,
                  visit: Visit | None, zone: ZoneInfo, printed: datetime) -> bytes:
    """The handout the patient takes home."""
    buffer, canvas = _new(f"Visit summary {patient.mrn}")
    w = _Writer(canvas, top=letter[1] - 0.75 * inch)
    org = patient.organization
    w.line(org.name, size=12, bold=True)
    w.line(" ".join([*org.address_lines(), org.phone]), size=9)
    w.space()
    w.line("Visit summary", size=16, bold=True)
    w.pairs([("Patient", f"{patient.display_name} (MRN {patient.mrn})"),
             ("Visit", f"{_when(appointment.start, zone)} at {appointment.location.name}"),
             ("Seen by", appointment.practitioner.display_name), ("Type", appointment.appointment_type.name),
             ("Reason", appointment.reason)])
    if visit is not None and (visit.copay_due or visit.copay_collected):
        w.pairs([("Copay", f"${visit.copay_collected} paid of ${visit.copay_due}")])
    w.space()
    w.line("Your next appointment", size=12, bold=True)
    if follow_up is not None:
        w.line(f"{_when(follow_up.start, zone)} with {follow_up.practitioner.display_name} "
               f"at {follow_up.location.name} ({follow_up.appointment_type.name})")
        if follow_up.appointment_type.patient_instructions:
            w.wrapped(f"Before that visit: {follow_up.appointment_type.patient_instructions}")
    elif visit is not None and visit.follow_up_weeks:
        w.line(f"Please book a follow-up in {visit.follow_up_weeks} week(s). Call us: {org.phone or 'the front desk'}.")
    else:
        w.line("No follow-up booked.")
    instructions = appointment.appointment_type.patient_instructions
    if instructions:
        w.space()
        w.line("Instructions", size=12, bold=True)
        w.wrapped(instructions)
    if visit is not None and visit.follow_up_note:
        w.space()
        w.wrapped(visit.follow_up_note)
    w.space(16)
    w.line(f"Printed {_when(printed, zone)}", size=8)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
