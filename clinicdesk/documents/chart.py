"""The patient chart's documents section (registered in DocumentsConfig.ready())."""

from __future__ import annotations

from typing import Any

from clinicdesk.documents.selectors import patient_documents
from clinicdesk.patients.chart import Section
from clinicdesk.patients.models import Patient


def documents_section(patient: Patient, user: Any) -> Section | None:
    if not user.has_perm("documents.view_document"):
        return None
    return Section("documents/_chart_section.html", {
        "documents": patient_documents(patient), "can_change": user.has_perm("documents.change_document")})
