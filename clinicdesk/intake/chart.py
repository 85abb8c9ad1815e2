"""The intake section on the patient chart: forms still to fill in, and the way to the patient's forms page."""

from __future__ import annotations

from typing import Any

from clinicdesk.intake.selectors import forms_outstanding
from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient


def forms_section(patient: Patient, user: Any) -> Section | None:
    if not user.has_perm("intake.view_formassignment"):
        return None
    return Section("intake/_chart_section.html", {"outstanding": forms_outstanding(patient=patient)})
