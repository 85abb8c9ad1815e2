"""The chart section listing a patient's pending proposed updates."""

from __future__ import annotations

from typing import Any

from clinicdesk.chartupdates.models import ProposalStatus, ProposedUpdate
from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient


def proposals_section(patient: Patient, user: Any) -> Section | None:
    if not user.has_perm("chartupdates.view_proposedupdate"):
        return None
    pending = list(ProposedUpdate.objects.filter(patient=patient, status=ProposalStatus.PENDING))
    if not pending:
        return None
    return Section("chartupdates/_chart_section.html", {"proposals": pending})
