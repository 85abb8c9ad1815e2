"""The messages section of the patient chart: failed reminders first, then the patient's message history."""

from __future__ import annotations

from typing import Any

from clinicdesk.messaging.selectors import patient_failed_reminders, patient_messages
from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient


def messages_section(patient: Patient, user: Any) -> Section | None:
    if not user.has_perm("messaging.view_outboundmessage"):
        return None
    return Section("messaging/_chart_section.html", {
        "failed_reminders": patient_failed_reminders(patient=patient),
        "patient_messages": patient_messages(patient=patient),
        "can_send": user.has_perm("messaging.add_outboundmessage"),
    })
