"""Face sheet, visit label and visit summary: real PDFs (read back with pypdf), served only through audited views."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from clinicdesk.audit.models import AuditEvent
from clinicdesk.frontdesk.services import visit_check_in, visit_check_out
from clinicdesk.scheduling.models import Appointment
from tests.conftest import actor_for, client_for
from tests.frontdesk.conftest import appointment_today, today_at
from tests.scheduling.conftest import CHICAGO

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_face_sheet_and_label_name_the_patient_mrn_and_appointment(clinic: Any, patient: Any, coverage: Any,
                                                                   frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient, reason="Knee pain")
    visit_check_in(actor=actor_for(frontdesk), appointment=appt,
                   payment={"copay_due": Decimal("25"), "copay_collected": Decimal("25"), "payment_method": "card"})
    client = client_for(frontdesk)
    url = reverse("frontdesk:face_sheet", kwargs={"appointment_id": appt.pk})
    text = _text(client.get(url))
    when = appt.start.astimezone(CHICAGO).strftime("%m/%d/%Y %H:%M")
    for expected in ("Okafor, Chidi", patient.mrn, "03/14/1975", when, "Follow-up", "Dr. Maria Lindqvist",
                     "Main Street", "Knee pain", "Prairie Health Plan member XZP123456789", "collected $25.00"):
        assert expected in text, expected
    label = _text(client.get(url, {"kind": "label"}))
    assert "Okafor, Chidi" in label and f"MRN {patient.mrn}" in label and when in label
    exports = AuditEvent.objects.filter(user_id=frontdesk.pk, patient_id=patient.pk, action="export")
    assert sorted(e.detail["format"] for e in exports) == ["face sheet pdf", "label pdf"]


def test_visit_summary_names_practitioner_time_follow_up_and_instructions(clinic: Any, patient: Any,
                                                                          frontdesk: Any) -> None:
    clinic.follow_up.patient_instructions = "Bring your medication list. Ice the knee twice a day."
    clinic.follow_up.save()
    appt = appointment_today(clinic, patient)
    actor = actor_for(frontdesk)
    visit_check_in(actor=actor, appointment=appt)
    visit_check_out(actor=actor, appointment=appt, follow_up_weeks=2)
    client = client_for(frontdesk)
    url = reverse("frontdesk:summary", kwargs={"appointment_id": appt.pk})
    text = _text(client.get(url))
    assert "Visit summary" in text and "Okafor, Chidi" in text and "Dr. Maria Lindqvist" in text
    assert appt.start.astimezone(CHICAGO).strftime("%m/%d/%Y %H:%M") in text
    assert "Ice the knee twice a day" in text and "Please book a follow-up in 2 week(s)" in text
    start = today_at() + timedelta(days=14)
    later = Appointment.objects.create(organization=clinic.org, patient=patient, practitioner=clinic.practitioner,
                                       location=clinic.location, appointment_type=clinic.follow_up, start=start,
                                       end=start + timedelta(minutes=20))
    text = _text(client.get(url))
    assert later.start.astimezone(CHICAGO).strftime("%m/%d/%Y %H:%M") in text
    assert "with Dr. Maria Lindqvist, MD at Main Street" in text
    assert "Please book a follow-up" not in text


def test_pdfs_need_the_permission(clinic: Any, patient: Any, billing: Any) -> None:
    appt = appointment_today(clinic, patient)
    for name in ("face_sheet", "summary"):
        url = reverse(f"frontdesk:{name}", kwargs={"appointment_id": appt.pk})
        assert client_for(billing).get(url).status_code == 403
    assert AuditEvent.objects.filter(user_id=billing.pk, action="denied").count() == 2
