"""The chart's "Lab results" card: recent orders with abnormal and critical results marked, audited."""

from __future__ import annotations

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import LabObservation
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import client_for
from tests.labs.results_helpers import CMP, alice, bob, cbc, file


def _chart(user: User, patient_id: int) -> str:
    response = client_for(user).get(reverse("patients:chart", kwargs={"patient_id": patient_id}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_chart_lists_recent_orders_with_abnormal_counts_and_a_link_to_all_results(org: Organization,
                                                                                      frontdesk: User) -> None:
    patient = alice(org)
    file(org, cbc(1, day="20250101", hgb="10.9"))
    html = _chart(frontdesk, patient.pk)
    assert "Lab results" in html and "COMPLETE BLOOD COUNT" in html
    assert "2 abnormal" in html and 'class="result-abnormal"' in html
    assert reverse("labs:patient_results", kwargs={"patient_id": patient.pk}) in html


def test_critical_results_are_highlighted(org: Organization, clinician: User) -> None:
    patient = bob(org)
    file(org, CMP)
    LabObservation.objects.filter(code="2345-7").update(abnormal_flags="HH")
    html = _chart(clinician, patient.pk)
    assert "1 critical" in html and 'class="result-critical"' in html


def test_showing_results_on_the_chart_is_covered_by_the_audited_chart_read(org: Organization,
                                                                           clinician: User) -> None:
    patient = bob(org)
    file(org, CMP)
    _chart(clinician, patient.pk)
    event = AuditEvent.objects.filter(user_id=clinician.pk, action="view").latest("seq")
    assert (event.object_type, event.patient_id, event.detail["purpose"]) == ("Patient", patient.pk, "chart")


def test_billing_sees_the_chart_without_results(org: Organization, billing: User) -> None:
    patient = bob(org)
    file(org, CMP)
    html = _chart(billing, patient.pk)
    assert "Lab results" not in html and "Comprehensive metabolic panel" not in html


def test_no_results_says_so(org: Organization, frontdesk: User) -> None:
    patient = bob(org)
    assert "No lab results on file." in _chart(frontdesk, patient.pk)
