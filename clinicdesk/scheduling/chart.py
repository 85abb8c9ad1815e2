"""The schedule's section on the patient chart: upcoming and recent appointments, waitlist, series."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, WaitlistEntry, WaitStatus


def appointments_section(patient: Patient, user: Any) -> Section | None:
    if not user.has_perm("scheduling.view_appointment"):
        return None
    now = timezone.now()
    base = Appointment.objects.filter(patient=patient).select_related("appointment_type", "practitioner", "location")
    return Section("scheduling/_chart_section.html", {
        "upcoming": list(base.filter(start__gte=now).order_by("start")[:10]),
        "recent": list(base.filter(start__lt=now).order_by("-start")[:5]),
        "waiting": list(WaitlistEntry.objects.filter(patient=patient, status=WaitStatus.WAITING)
                        .select_related("appointment_type", "practitioner")),
    })
