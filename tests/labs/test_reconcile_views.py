"""The reconciliation queue: uncertain matches with score and reasons; staff confirm, search, reject or
register — and nothing is attached without that decision."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import LabOrder, MatchStatus, ResultMatch
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import client_for, make_patient
from tests.labs.results_helpers import CMP, bob, file

QUEUE = reverse("labs:reconcile")


def _waiting(org: Organization) -> tuple[Patient, ResultMatch]:
    """Bob's CMP with a wrong date of birth on our side: a candidate, but not certain."""
    patient = bob(org, birth_date=date(1965, 1, 7))
    [match] = file(org, CMP)
    assert match.status == MatchStatus.NEEDS_REVIEW
    return patient, match


def _url(match: ResultMatch) -> str:
    return reverse("labs:match", kwargs={"match_id": match.pk})


def test_the_queue_lists_each_uncertain_result_with_score_reasons_and_candidate(org: Organization,
                                                                               frontdesk: User) -> None:
    patient, match = _waiting(org)
    html = client_for(frontdesk).get(QUEUE).content.decode()
    assert "Results to match (1)" in html and "SYNTHETIC" in html and "different date of birth" in html
    assert f"{int(match.score * 100)}%" in html and patient.mrn in html and _url(match) in html
    assert "2 abnormal" in html  # glucose H, creatinine L


def test_the_side_nav_counts_results_to_match(org: Organization, frontdesk: User) -> None:
    _waiting(org)
    html = client_for(frontdesk).get(reverse("patients:list")).content.decode()
    assert "Results to match <span class=\"badge badge-warn\">1</span>" in html


def test_the_review_page_shows_the_lab_data_beside_each_candidate(org: Organization, frontdesk: User) -> None:
    patient, match = _waiting(org)
    html = client_for(frontdesk).get(_url(match)).content.decode()
    assert "As the lab sent it" in html and "07/01/1965" in html and "LS000042 (MR)" in html
    assert "01/07/1965" in html and "Suggested" in html and "different date of birth" in html
    assert f'name="patient" value="{patient.pk}"' in html
    assert AuditEvent.objects.filter(user_id=frontdesk.pk, action="search_hit", patient_id=patient.pk).exists()
    assert AuditEvent.objects.filter(user_id=frontdesk.pk, object_type="ResultMatch", action="view").exists()


def test_confirming_files_the_result_under_the_chosen_patient(org: Organization, frontdesk: User) -> None:
    patient, match = _waiting(org)
    response = client_for(frontdesk).post(_url(match), {"action": "confirm", "patient": patient.pk}, follow=True)
    assert "Filed Comprehensive metabolic panel under" in response.content.decode()
    match.refresh_from_db()
    assert (match.status, match.candidate, match.decided_by) == (MatchStatus.CONFIRMED, patient, frontdesk)
    assert LabOrder.objects.get().patient == patient


def test_staff_can_search_and_confirm_another_patient(org: Organization, frontdesk: User) -> None:
    _, match = _waiting(org)
    other = make_patient(org, family_name="Synthetic-Smith", given_name="Robert", birth_date=date(1965, 7, 1),
                         sex="male")
    html = client_for(frontdesk).get(_url(match), {"q": "Synthetic-Smith"}).content.decode()
    assert f'name="patient" value="{other.pk}"' in html
    client_for(frontdesk).post(_url(match), {"action": "confirm", "patient": other.pk})
    assert LabOrder.objects.get().patient == other


def test_rejecting_needs_a_reason_and_attaches_nobody(org: Organization, frontdesk: User) -> None:
    _, match = _waiting(org)
    client = client_for(frontdesk)
    response = client.post(_url(match), {"action": "reject", "reason": ""}, follow=True)
    assert "Say why it is rejected" in response.content.decode()
    assert ResultMatch.objects.get().status == MatchStatus.NEEDS_REVIEW
    client.post(_url(match), {"action": "reject", "reason": "not our patient"})
    assert ResultMatch.objects.get().status == MatchStatus.REJECTED and LabOrder.objects.get().patient is None


def test_registering_a_new_patient_from_the_lab_data_files_under_them(org: Organization, frontdesk: User) -> None:
    [match] = file(org, CMP)  # nobody alike
    client_for(frontdesk).post(_url(match), {"action": "create"})
    created = Patient.objects.get(family_name="Synthetic")
    assert (created.given_name, created.birth_date, created.sex) == ("Bob", date(1965, 7, 1), "male")
    assert LabOrder.objects.get().patient == created


def test_registering_refuses_when_a_look_alike_exists(org: Organization, frontdesk: User) -> None:
    _, match = _waiting(org)
    make_patient(org, family_name="Synthetic", given_name="Bob", birth_date=date(1965, 7, 1), sex="male")
    response = client_for(frontdesk).post(_url(match), {"action": "create"}, follow=True)
    assert "Not registered" in response.content.decode()
    assert Patient.objects.filter(family_name="Synthetic").count() == 2
    assert LabOrder.objects.get().patient is None


def test_a_decided_result_cannot_be_decided_again(org: Organization, frontdesk: User) -> None:
    patient, match = _waiting(org)
    other = make_patient(org, family_name="Other", given_name="Person")
    client = client_for(frontdesk)
    client.post(_url(match), {"action": "confirm", "patient": patient.pk})
    response = client.post(_url(match), {"action": "confirm", "patient": other.pk}, follow=True)
    assert "already decided" in response.content.decode()
    assert LabOrder.objects.get().patient == patient


def test_bad_input_is_a_message_not_an_error(org: Organization, frontdesk: User, other_org: Organization) -> None:
    _, match = _waiting(org)
    stranger = make_patient(other_org)
    client = client_for(frontdesk)
    for data in ({"action": "confirm", "patient": "x"}, {"action": "confirm", "patient": "9" * 40},
                 {"action": "confirm", "patient": stranger.pk}, {"action": "dance"}, {}):
        response = client.post(_url(match), data, follow=True)
        assert response.status_code == 200
    assert ResultMatch.objects.get().status == MatchStatus.NEEDS_REVIEW and LabOrder.objects.get().patient is None


def test_roles_without_permission_and_other_practices_are_refused(org: Organization, billing: User,
                                                                  outsider: User) -> None:
    patient, match = _waiting(org)
    assert client_for(billing).get(QUEUE).status_code == 403
    assert client_for(billing).post(_url(match), {"action": "confirm", "patient": patient.pk}).status_code == 403
    assert client_for(outsider).get(_url(match)).status_code == 404
    assert client_for(outsider).post(_url(match), {"action": "confirm", "patient": patient.pk}).status_code == 404
    assert LabOrder.objects.get().patient is None
    assert "SYNTHETIC" not in client_for(outsider).get(QUEUE).content.decode()
