"""QuestionnaireResponse: building, parsing with fhir.resources, and the round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from clinicdesk.intake.questionnaire import clean, from_response, standard_form, to_response

TODAY = date(2026, 3, 14)
AUTHORED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

REALISTIC: dict[str, dict[str, Any]] = {
    "new-patient": {
        "name/given": "Maria", "name/family": "Gonzalez", "name/preferred": "Mari", "dob": "1984-07-19",
        "sex": "female", "ssn-last4": "4821", "contact/phone": "(312) 555-0142", "contact/email": "maria@example.org",
        "contact/preferred-contact": "sms", "address/line": "1420 W Addison St", "address/city": "Chicago",
        "address/state": "IL", "address/postal-code": "60613", "language": "Spanish", "interpreter": "no",
        "is-minor-guardian": False, "emergency/emergency-name": "Luis Gonzalez",
        "emergency/emergency-relationship": "Husband", "emergency/emergency-phone": "(312) 555-0199",
        "referral": ["Friend or family", "Online search"],
    },
    "medical-history": {
        "conditions": ["hypertension", "diabetes", "other"], "conditions-other": "Sleep apnea",
        "takes-medications": True,
        "medications[0]/med-name": "Metformin", "medications[0]/med-dose": "500 mg",
        "medications[0]/med-frequency": "Twice a day",
        "medications[1]/med-name": "Lisinopril", "medications[1]/med-dose": "10 mg",
        "medications[1]/med-frequency": "Other", "medications[1]/med-frequency-other": "Every other morning",
        "has-allergies": True,
        "allergies[0]/allergy-substance": "Penicillin", "allergies[0]/allergy-reaction": "Hives",
        "allergies[0]/allergy-severity": "moderate", "allergies[1]/allergy-substance": "Latex",
        "surgeries[0]/surgery-procedure": "Appendectomy", "surgeries[0]/surgery-date": "2009-05-01",
        "surgeries[0]/surgery-complications": True, "surgeries[0]/surgery-complications-detail": "Wound infection",
        "family-history[0]/relative": "MTH", "family-history[0]/relative-condition": "Breast cancer",
        "family-history[0]/relative-age-at-onset": "52", "family-history[1]/relative": "FTH",
        "family-history[1]/relative-condition": "Type 2 diabetes",
        "social/tobacco": "Current", "social/packs-per-day": "0.5", "social/alcohol-drinks-per-week": "16",
        "social/alcohol-counselling": "yes", "height-in": "64.5", "weight-lb": "172", "pregnant": "No",
    },
    "insurance": {
        "has-insurance": True,
        "coverage[0]/coverage-order": "Primary", "coverage[0]/payer-name": "Blue Cross Blue Shield of Illinois",
        "coverage[0]/member-id": "XOF123456789", "coverage[0]/group-number": "P12345",
        "coverage[0]/relationship": "spouse", "coverage[0]/subscriber/subscriber-name": "Luis Gonzalez",
        "coverage[0]/subscriber/subscriber-dob": "1981-11-02",
        "coverage[0]/subscriber/subscriber-employer": "City of Chicago",
        "coverage[1]/coverage-order": "Secondary", "coverage[1]/payer-name": "Medicaid",
        "coverage[1]/member-id": "IL998877", "coverage[1]/relationship": "self", "assign-benefits": True,
    },
    "hipaa-notice": {
        "acknowledged": True, "share-with[0]/share-name": "Luis Gonzalez",
        "share-with[0]/share-relationship": "Husband",
        "voicemail-ok": False, "signer-name": "Maria Gonzalez", "signed-on": "2026-03-14",
    },
    "consent-to-treat": {
        "consent": True, "signed-by-representative": True, "representative-relationship": "Legal guardian",
        "signature-name": "Maria Gonzalez", "signature-date": "2026-03-14",
    },
}


@pytest.mark.parametrize("name", sorted(REALISTIC))
def test_realistic_answers_validate_and_round_trip(name: str) -> None:
    form = standard_form(name)
    typed, problems = clean(form, REALISTIC[name], today=TODAY)
    assert problems == []
    assert len(typed) == len(REALISTIC[name])  # nothing dropped
    response = to_response(form, REALISTIC[name], subject_ref="Patient/42", authored=AUTHORED, today=TODAY)
    parsed = QuestionnaireResponse.model_validate(response)
    assert parsed.status == "completed"
    assert parsed.questionnaire == f"urn:clinicdesk:questionnaire:{name}|1.0.0"
    assert parsed.subject is not None and parsed.subject.reference == "Patient/42"
    assert from_response(form, response) == typed
    # and through JSON, as it would travel
    assert from_response(form, QuestionnaireResponse.model_validate_json(parsed.model_dump_json()).model_dump()) \
        == typed


def test_repeating_groups_become_repeated_items_and_codings_keep_their_system() -> None:
    response = to_response(standard_form("medical-history"), REALISTIC["medical-history"], subject_ref="Patient/1",
                           authored=AUTHORED, today=TODAY)
    medications = [i for i in response["item"] if i["linkId"] == "medications"]
    assert [m["item"][0]["answer"] for m in medications] == [[{"valueString": "Metformin"}],
                                                            [{"valueString": "Lisinopril"}]]
    severity = next(i for i in response["item"] if i["linkId"] == "allergies")["item"][2]
    assert severity["answer"] == [{"valueCoding": {"system": "http://hl7.org/fhir/reaction-event-severity",
                                                   "code": "moderate", "display": "Moderate"}}]
    (conditions,) = [i for i in response["item"] if i["linkId"] == "conditions"]
    assert [a["valueCoding"]["code"] for a in conditions["answer"]] == ["hypertension", "diabetes", "other"]
    social = next(i for i in response["item"] if i["linkId"] == "social")
    assert social["item"][1]["answer"] == [{"valueDecimal": Decimal("0.5")}]


def test_problems_make_an_in_progress_response_of_the_valid_answers() -> None:
    form = standard_form("consent-to-treat")
    answers = {"consent": True, "signature-name": "Ann Lee", "signature-date": "14/03/2026"}
    response = to_response(form, answers, subject_ref="Patient/1", authored=AUTHORED, today=TODAY)
    assert response["status"] == "in-progress"
    assert from_response(form, response) == {"consent": True, "signature-name": "Ann Lee"}
    with pytest.raises(ValueError, match="Date: type the date as YYYY-MM-DD"):
        to_response(form, answers, subject_ref="Patient/1", authored=AUTHORED, status="completed", today=TODAY)


def test_an_empty_in_progress_response_parses() -> None:
    response = to_response(standard_form("hipaa-notice"), {}, subject_ref="Patient/1", authored=AUTHORED,
                           status="in-progress")
    assert "item" not in response
    QuestionnaireResponse.model_validate(response)


def test_authored_must_be_aware_and_status_known() -> None:
    form = standard_form("consent-to-treat")
    with pytest.raises(ValueError, match="timezone-aware"):
        to_response(form, {}, subject_ref="Patient/1", authored=datetime(2026, 3, 14), status="in-progress")
    with pytest.raises(ValueError, match="Unknown"):
        to_response(form, {}, subject_ref="Patient/1", authored=AUTHORED, status="done")


def test_from_response_ignores_items_not_in_the_form() -> None:
    response = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "stranger", "answer": [{"valueString": "x"}]},
        {"linkId": "consent", "answer": [{"valueBoolean": True}]}]}
    assert from_response(standard_form("consent-to-treat"), response) == {"consent": True}
