"""QuestionnaireResponse: read, search by patient/status, create (validated by the form), all audited."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.intake.models import FormResponse
from clinicdesk.intake.selectors import definition_current
from clinicdesk.intake.services import response_save, response_submit
from tests.conftest import actor_for, make_patient
from tests.fhir.conftest import get, ok, outcome, post
from tests.intake.conftest import REGISTRATION, assign

pytestmark = pytest.mark.django_db

CONSENT = {
    "resourceType": "QuestionnaireResponse", "status": "completed",
    "questionnaire": "urn:clinicdesk:questionnaire:hipaa-notice",
    "item": [{"linkId": "acknowledged", "answer": [{"valueBoolean": True}]},
             {"linkId": "signer-name", "answer": [{"valueString": "Chidi Okafor"}]},
             {"linkId": "signed-on", "answer": [{"valueDate": "2026-01-05"}]}],
}


@pytest.fixture
def responses(frontdesk, patient):
    done = response_submit(actor=actor_for(frontdesk), assignment=assign(frontdesk, patient, "new-patient"),
                           answers=REGISTRATION)
    draft, _ = response_save(actor=actor_for(frontdesk), assignment=assign(frontdesk, patient, "medical-history"),
                             answers={"takes-medications": "no"})
    return done, draft


def test_read_maps_the_response(desk, patient, responses):
    done, _ = responses
    body = ok(get(desk, f"/QuestionnaireResponse/{done.pk}"))
    assert body["status"] == "completed" and body["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert body["questionnaire"] == "urn:clinicdesk:questionnaire:new-patient|1.0.0"
    assert any(i["linkId"] == "dob" and i["answer"] == [{"valueDate": "1975-03-14"}] for i in body["item"])
    FhirResponse.model_validate(body)
    assert AuditEvent.objects.filter(object_type="intake.FormResponse", object_id=str(done.pk), action="view",
                                     patient_id=patient.pk).exists()


def test_search_by_patient_and_status(desk, org, patient, responses):
    done, draft = responses
    assert ok(get(desk, f"/QuestionnaireResponse?patient=Patient/{patient.pk}"))["total"] == 2
    found = ok(get(desk, f"/QuestionnaireResponse?patient={patient.pk}&status=completed"))
    assert [e["resource"]["id"] for e in found["entry"]] == [str(done.pk)]
    assert ok(get(desk, "/QuestionnaireResponse?status=in-progress"))["entry"][0]["resource"]["id"] == str(draft.pk)
    assert ok(get(desk, f"/QuestionnaireResponse?patient={make_patient(org).pk}"))["total"] == 0
    form = definition_current(organization=org, key="new-patient")
    assert ok(get(desk, f"/QuestionnaireResponse?questionnaire=Questionnaire/{form.pk}"))["total"] == 1


def test_create_completed_response(desk, patient):
    body = ok(post(desk, "/QuestionnaireResponse", {**CONSENT, "subject": {"reference": f"Patient/{patient.pk}"}}),
              201)
    stored = FormResponse.objects.get(pk=int(body["id"]))
    assert stored.patient == patient and stored.source == "api" and stored.status == "completed"
    assert stored.form.key == "hipaa-notice"


def test_create_refuses_problems_item_by_item(desk, patient):
    body = {**CONSENT, "subject": {"reference": f"Patient/{patient.pk}"},
            "item": [{"linkId": "acknowledged", "answer": [{"valueBoolean": False}]}]}
    result = outcome(post(desk, "/QuestionnaireResponse", body), 422)
    expressions = {tuple(i.get("expression", [])) for i in result["issue"]}
    assert ("acknowledged",) in expressions and ("signer-name",) in expressions
    assert not FormResponse.objects.exists()


def test_create_refuses_unknown_form_and_foreign_patient(desk, patient, other_org):
    outcome(post(desk, "/QuestionnaireResponse", {**CONSENT, "questionnaire": "urn:nope",
                                                  "subject": {"reference": f"Patient/{patient.pk}"}}), 422)
    stranger = make_patient(other_org)
    outcome(post(desk, "/QuestionnaireResponse", {**CONSENT, "subject": {"reference": f"Patient/{stranger.pk}"}}),
            404)
    outcome(post(desk, "/QuestionnaireResponse", {"resourceType": "QuestionnaireResponse", "status": "bogus"}), 422)
    outcome(post(desk, "/QuestionnaireResponse", {"resourceType": "Patient"}), 400)


def test_outsider_cannot_read(outsider, responses):
    from tests.fhir.conftest import fhir_client

    outcome(get(fhir_client(outsider), f"/QuestionnaireResponse/{responses[0].pk}"), 404)
