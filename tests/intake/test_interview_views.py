"""Interview mode and the patient's forms page through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.intake.models import AssignmentStatus, FormAssignment, FormResponse
from tests.conftest import client_for
from tests.intake.conftest import REGISTRATION, assign, shipped

pytestmark = pytest.mark.django_db


def test_forms_page_assigns_a_form(frontdesk, patient, org):
    client = client_for(frontdesk)
    page = client.get(reverse("intake:patient", args=[patient.pk]))
    assert page.status_code == 200 and b"No forms assigned yet" in page.content
    form = shipped(org, "medical-history")
    answer = client.post(reverse("intake:patient", args=[patient.pk]), {"form": form.pk, "appointment": ""})
    assert answer.status_code == 302
    assert FormAssignment.objects.get(patient=patient).form == form
    bad = client.post(reverse("intake:patient", args=[patient.pk]), {"form": "999999", "due_date": "someday"})
    assert bad.status_code == 200 and b"error" in bad.content


def test_outsider_and_roles_without_permission_get_nothing(outsider, billing, patient, registration):
    assert client_for(outsider).get(reverse("intake:interview", args=[registration.pk])).status_code == 404
    assert client_for(outsider).get(reverse("intake:patient", args=[patient.pk])).status_code == 404
    assert client_for(billing).get(reverse("intake:interview", args=[registration.pk])).status_code == 403


def test_interview_shows_items_in_order_with_labels(frontdesk, registration):
    page = client_for(frontdesk).get(reverse("intake:interview", args=[registration.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index('for="q-name-given"') < html.index('for="q-dob"') < html.index('for="q-contact-phone"')
    assert 'name="name/given"' in html
    assert "language-other" not in html  # conditional, not enabled yet
    assert "<script>" not in html.split("</head>")[1]  # no inline script (CSP)


def test_htmx_change_saves_draft_and_reveals_conditional_item(frontdesk, registration):
    client = client_for(frontdesk)
    url = reverse("intake:interview", args=[registration.pk])
    answer = client.post(url, {"name/given": "Chidi", "language": "Other"}, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and html.startswith('<div id="intake-items"')
    assert 'name="language-other"' in html
    assert "this question is required" not in html  # not nagging mid-interview
    assert FormResponse.objects.get(assignment=registration).answers == {"name/given": "Chidi", "language": "Other"}
    # Resumable: the page shows the saved draft.
    again = client.get(url).content.decode()
    assert 'value="Chidi"' in again and 'name="language-other"' in again


def test_bad_value_gets_a_specific_error_next_to_the_item(frontdesk, registration):
    answer = client_for(frontdesk).post(reverse("intake:interview", args=[registration.pk]),
                                        {"dob": "1975-02-30", "action": "save"})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="q-dob_error"' in html and "that date does not exist" in html
    assert 'aria-describedby="q-dob_error"' in html


def test_submit_with_problems_lists_them_and_keeps_answers(frontdesk, registration):
    answer = client_for(frontdesk).post(reverse("intake:interview", args=[registration.pk]),
                                        {"name/given": "Chidi", "action": "submit"})
    html = answer.content.decode()
    assert answer.status_code == 422
    assert "Last name: this question is required." in html and 'value="Chidi"' in html
    registration.refresh_from_db()
    assert registration.status == AssignmentStatus.IN_PROGRESS


def test_repeating_group_add_and_remove_by_buttons(frontdesk, patient):
    assignment = assign(frontdesk, patient, "medical-history")
    client = client_for(frontdesk)
    url = reverse("intake:interview", args=[assignment.pk])
    base = {"takes-medications": "yes", "has-allergies": "no", "medications[0]/med-name": "Metformin",
            "_n:medications": "1"}
    html = client.post(url, {**base, "action": "add:medications"}).content.decode()
    assert 'name="medications[1]/med-name"' in html and "Remove medications 2" in html
    html = client.post(url, {**base, "_n:medications": "2", "medications[1]/med-name": "Lisinopril",
                             "action": "remove:medications[0]"}).content.decode()
    assert 'name="medications[0]/med-name" value="Lisinopril"' in html.replace("\n  ", " ")
    assert 'name="medications[1]/med-name"' not in html
    done = client.post(url, {**base, "action": "submit"})
    assert done.status_code == 302
    response = FormResponse.objects.get(assignment=assignment)
    assert response.status == "completed" and response.source == "interview" and response.author == frontdesk


def test_submit_completes_and_answers_can_be_viewed(frontdesk, patient, registration):
    client = client_for(frontdesk)
    done = client.post(reverse("intake:interview", args=[registration.pk]), {**REGISTRATION, "action": "submit"})
    assert done.status_code == 302
    response = FormResponse.objects.get(assignment=registration)
    page = client.get(reverse("intake:response", args=[response.pk]))
    assert page.status_code == 200 and b"Springfield" in page.content
    assert AuditEvent.objects.filter(action="view", patient_id=patient.pk).exists()
    # A completed interview opens the answers, not the form.
    assert client.get(reverse("intake:interview", args=[registration.pk])).status_code == 302


def test_chart_shows_outstanding_forms_and_pending_proposals(frontdesk, patient, registration):
    client = client_for(frontdesk)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "New patient registration" in chart
    client.post(reverse("intake:interview", args=[registration.pk]), {**REGISTRATION, "action": "submit"})
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "Proposed updates" in chart and "Springfield" in chart


def test_htmx_change_that_changes_nothing_on_screen_swaps_nothing(frontdesk, registration):
    client = client_for(frontdesk)
    url = reverse("intake:interview", args=[registration.pk])
    first = client.post(url, {"name/given": "Chidi"}, HTTP_HX_REQUEST="true")
    shape = first.context["shape"]
    # Typing on: the draft is saved, and the answer is 204 so the field being typed in is never overwritten.
    same = client.post(url, {"name/given": "Chidi", "name/family": "Okafor", "_shape": shape}, HTTP_HX_REQUEST="true")
    assert same.status_code == 204
    assert FormResponse.objects.get(assignment=registration).answers["name/family"] == "Okafor"
    # An answer that reveals a question, or a bad value, changes the screen: swapped.
    changed = client.post(url, {"language": "Other", "_shape": shape}, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200 and b'name="language-other"' in changed.content
    error = client.post(url, {"dob": "soon", "_shape": shape}, HTTP_HX_REQUEST="true")
    assert error.status_code == 200 and b"q-dob_error" in error.content


def test_a_form_completed_elsewhere_is_not_overwritten(frontdesk, registration):
    from clinicdesk.intake.services import response_submit
    from tests.conftest import actor_for

    client = client_for(frontdesk)
    url = reverse("intake:interview", args=[registration.pk])
    client.get(url)
    response_submit(actor=actor_for(frontdesk), assignment=registration, answers=REGISTRATION)
    assert client.post(url, {"name/given": "X"}, HTTP_HX_REQUEST="true").status_code in (204, 302)
    assert FormResponse.objects.get(assignment=registration).answers["name/given"] == "Chidi"
