"""Assigning, saving drafts and submitting forms; chart fields become proposals, never chart writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import AuditEvent
from clinicdesk.chartupdates.models import ProposedUpdate
from clinicdesk.intake.models import AssignmentStatus, FormResponse
from clinicdesk.intake.selectors import forms_outstanding
from clinicdesk.intake.services import FormInvalid, form_assignment_cancel, response_save, response_submit
from tests.conftest import actor_for, make_patient
from tests.intake.conftest import REGISTRATION, assign, shipped

pytestmark = pytest.mark.django_db


def test_assign_is_audited_and_outstanding(frontdesk, patient, registration):
    assert registration.status == AssignmentStatus.ASSIGNED
    assert forms_outstanding(patient=patient) == [registration]
    assert AuditEvent.objects.filter(object_type="intake.FormAssignment", object_id=str(registration.pk),
                                     patient_id=patient.pk).exists()


def test_assign_refuses_another_practices_form(frontdesk, patient, other_org, manager):
    from clinicdesk.intake.definition_services import definition_save
    from tests.conftest import make_user

    outsider = make_user(other_org, "manager")
    theirs = definition_save(actor=actor_for(outsider), organization=other_org, key="theirs",
                             text='{"resourceType": "Questionnaire", "status": "active", "title": "Theirs"}')
    from clinicdesk.intake.services import form_assign
    with pytest.raises(ValidationError):
        form_assign(actor=actor_for(frontdesk), patient=patient, form=theirs)


def test_draft_is_resumable_and_reports_problems(frontdesk, patient, registration):
    response, problems = response_save(actor=actor_for(frontdesk), assignment=registration,
                                       answers={"name/given": "Chidi", "dob": "1975-13-40"})
    assert response.status == "in-progress"
    assert response.answers == {"name/given": "Chidi", "dob": "1975-13-40"}  # kept as typed
    assert {p.key for p in problems} >= {"dob", "name/family", "sex"}
    registration.refresh_from_db()
    assert registration.status == AssignmentStatus.IN_PROGRESS
    again, _ = response_save(actor=actor_for(frontdesk), assignment=registration, answers={"name/given": "C"})
    assert again.pk == response.pk and again.answers == {"name/given": "C"}


def test_submit_refuses_problems_and_saves_nothing(frontdesk, registration):
    with pytest.raises(FormInvalid) as caught:
        response_submit(actor=actor_for(frontdesk), assignment=registration, answers={"name/given": "Chidi"})
    messages = [p.message for p in caught.value.problems]
    assert any(m.startswith("Last name") for m in messages)
    assert not FormResponse.objects.exists()


def test_submit_completes_and_proposes_changed_chart_fields_only(frontdesk, patient, registration):
    response = response_submit(actor=actor_for(frontdesk), assignment=registration, answers=REGISTRATION)
    assert response.status == "completed"
    assert response.resource["resourceType"] == "QuestionnaireResponse"
    assert response.resource["subject"] == {"reference": f"Patient/{patient.pk}"}
    registration.refresh_from_db()
    assert registration.status == AssignmentStatus.COMPLETED
    assert forms_outstanding(patient=patient) == []
    proposals = {p.field_name: p.proposed_value for p in ProposedUpdate.objects.filter(patient=patient)}
    # Name, birth date and sex are unchanged; the new phone and the address are proposed.
    assert proposals == {"phone_mobile": "+12175550199", "line1": "12 Elm St", "city": "Springfield",
                         "state": "IL", "postal_code": "62701"}
    patient.refresh_from_db()
    assert patient.phone_mobile == "+12175550142"  # never written silently
    with pytest.raises(ValidationError):  # submitted: closed
        response_save(actor=actor_for(frontdesk), assignment=registration, answers={})


def test_enable_when_drops_answers_to_hidden_items(frontdesk, patient):
    assignment = assign(frontdesk, patient, "insurance")
    response = response_submit(actor=actor_for(frontdesk), assignment=assignment,
                               answers={"has-insurance": "no", "coverage[0]/member-id": "X1"})
    assert "coverage[0]/member-id" not in str(response.resource)
    with pytest.raises(FormInvalid) as caught:
        response_submit(actor=actor_for(frontdesk), assignment=assign(frontdesk, patient, "insurance"),
                        answers={"has-insurance": "yes"})
    assert {p.key for p in caught.value.problems} >= {"coverage"}


def test_cancel(frontdesk, patient, registration):
    form_assignment_cancel(actor=actor_for(frontdesk), assignment=registration)
    assert forms_outstanding(patient=patient) == []


def test_outstanding_for_an_appointment_includes_general_forms(frontdesk, org, clinic, monday):
    from clinicdesk.scheduling.models import Appointment
    from tests.scheduling.conftest import local

    patient = make_patient(org)
    visit = Appointment.objects.create(organization=org, patient=patient, practitioner=clinic.practitioner,
                                       location=clinic.location, appointment_type=clinic.follow_up,
                                       start=local(monday, 9), end=local(monday, 9, 20))
    other = Appointment.objects.create(organization=org, patient=patient, practitioner=clinic.practitioner,
                                       location=clinic.location, appointment_type=clinic.follow_up,
                                       start=local(monday, 10), end=local(monday, 10, 20))
    general = assign(frontdesk, patient, "hipaa-notice")
    for_visit = assign(frontdesk, patient, "new-patient", appointment=visit)
    assign(frontdesk, patient, "consent-to-treat", appointment=other)
    assert forms_outstanding(patient=patient, appointment=visit) == [general, for_visit]
    assert shipped(org, "new-patient").title == for_visit.title
