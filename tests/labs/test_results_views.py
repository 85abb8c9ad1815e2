"""The results page: tests grouped by code with trends, corrections over history, audited report downloads."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import LabReport
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import client_for
from tests.labs.results_helpers import CMP, CORRECTED, PDF, alice, bob, cbc, file


def _page(user: User, patient_id: int) -> str:
    response = client_for(user).get(reverse("labs:patient_results", kwargs={"patient_id": patient_id}))
    assert response.status_code == 200
    return response.content.decode()


def test_repeated_tests_show_a_table_over_time_and_a_sparkline(org: Organization, clinician: User) -> None:
    patient = alice(org)
    for n, (day, hgb, flag) in enumerate([("20250101", "10.9", "L"), ("20250301", "12.4", "N"),
                                          ("20250501", "13.2", "N")]):
        file(org, cbc(n, day=day, hgb=hgb, flag=flag))
    html = _page(clinician, patient.pk)
    section = html[html.index('id="test-LN-718-7"'):]
    section = section[:section.index("</section>")]
    assert section.index("13.2") < section.index("12.4") < section.index("10.9")  # newest first
    assert section.count("12.0-15.5") == 3
    assert "<svg" in section and section.count("<circle") == 3 and "sparkline-range" in section
    assert "<script>" not in html


def test_abnormal_results_are_flagged_in_words_and_listed_first(org: Organization, clinician: User) -> None:
    patient = alice(org)
    file(org, cbc(1, day="20250101", hgb="10.9"))
    html = _page(clinician, patient.pk)
    assert "Abnormal L" in html and "Abnormal H" in html
    assert html.index("HEMOGLOBIN") < html.index("WBC")  # abnormal before normal


def test_a_correction_shows_as_current_with_the_replaced_value_in_its_history(org: Organization,
                                                                               clinician: User) -> None:
    patient = bob(org)
    file(org, CMP)
    file(org, CORRECTED)
    html = _page(clinician, patient.pk)
    glucose = html[html.index('id="test-LN-2345-7"'):]
    glucose = glucose[:glucose.index("</section>")]
    assert "<strong>95</strong>" in glucose and "Corrected" in glucose
    assert "History: 1 earlier version" in glucose and "<s>105 mg/dL</s>" in glucose
    assert "Superseded" in glucose and "previously reported as 105" in glucose


def test_viewing_results_is_audited_with_what_was_shown(org: Organization, clinician: User) -> None:
    patient = bob(org)
    file(org, CMP)
    _page(clinician, patient.pk)
    event = AuditEvent.objects.filter(user_id=clinician.pk, object_type="LabObservation").get()
    assert (event.action, event.patient_id, event.detail["count"]) == ("view", patient.pk, 4)
    assert AuditEvent.objects.filter(user_id=clinician.pk, object_type="Patient", patient_id=patient.pk,
                                     detail__purpose="lab results").exists()


def test_a_role_without_results_permission_is_refused_and_audited(org: Organization, billing: User) -> None:
    patient = bob(org)
    response = client_for(billing).get(reverse("labs:patient_results", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 403
    event = AuditEvent.objects.filter(user_id=billing.pk).latest("seq")
    assert (event.action, event.outcome) == ("denied", "denied")


def test_another_practice_cannot_see_our_results(org: Organization, outsider: User) -> None:
    patient = bob(org)
    file(org, CMP)
    response = client_for(outsider).get(reverse("labs:patient_results", kwargs={"patient_id": patient.pk}))
    assert response.status_code == 404


def test_the_pdf_report_downloads_only_through_the_audited_view(org: Organization, clinician: User,
                                                               media_root: Path) -> None:
    patient = bob(org)
    file(org, PDF)
    report = LabReport.objects.get()
    html = _page(clinician, patient.pk)
    url = reverse("labs:report", kwargs={"report_id": report.pk})
    assert url in html and "/media/" not in html
    response = client_for(clinician).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    assert 'attachment; filename="LC-99002.pdf"' in response["Content-Disposition"]
    event = AuditEvent.objects.filter(object_type="LabReport").get()
    assert (event.action, event.patient_id, event.user_id) == ("export", patient.pk, clinician.pk)


def test_a_report_of_another_practice_or_not_yet_matched_is_not_found(org: Organization, clinician: User,
                                                                     outsider: User, media_root: Path) -> None:
    file(org, PDF)  # nobody matches: the report waits for reconciliation
    report = LabReport.objects.get()
    url = reverse("labs:report", kwargs={"report_id": report.pk})
    assert client_for(clinician).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(clinician).get(reverse("labs:report", kwargs={"report_id": 999999})).status_code == 404


def test_a_patient_without_results_says_so(org: Organization, clinician: User) -> None:
    patient = bob(org)
    assert "No lab results on file." in _page(clinician, patient.pk)
