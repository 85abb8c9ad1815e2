"""Observation: filed lab results, read and searched by patient, status, date, code and category; audited."""

from __future__ import annotations

from typing import Any

from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation as FhirObservation

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import LabObservation
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome
from tests.labs.results_helpers import CMP, CORRECTED, alice, bob, cbc, file

SEARCH = "/fhir/r4/Observation"


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _obs(code: str, **filters: Any) -> LabObservation:
    return LabObservation.objects.filter(code=code, **filters).order_by("pk").first()  # type: ignore[return-value]


def test_a_numeric_result_reads_as_a_valid_r4_laboratory_observation(org: Organization, desk: Client) -> None:
    patient = bob(org)
    file(org, CMP)
    glucose = _obs("2345-7")
    body = ok(get(desk, f"/Observation/{glucose.pk}"))
    FhirObservation.model_validate(body)
    assert (body["status"], body["subject"]["reference"]) == ("final", f"Patient/{patient.pk}")
    assert body["category"][0]["coding"][0]["code"] == "laboratory"
    assert body["code"]["coding"][0] == {"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}
    assert body["valueQuantity"] == {"value": 105.0, "unit": "mg/dL"}
    assert body["interpretation"][0]["coding"][0]["code"] == "H"
    assert body["referenceRange"][0] == {"low": {"value": 65.0, "unit": "mg/dL"},
                                         "high": {"value": 99.0, "unit": "mg/dL"}, "text": "65-99"}
    assert body["effectiveDateTime"].startswith("2025-03-13T10:10:00")


def test_values_with_a_comparator_text_and_codes_map_to_their_value_types(org: Organization, desk: Client) -> None:
    bob(org)
    file(org, CMP)
    creatinine = ok(get(desk, f"/Observation/{_obs('2160-0').pk}"))
    assert creatinine["valueQuantity"] == {"value": 0.5, "comparator": "<", "unit": "mg/dL"}
    egfr = ok(get(desk, f"/Observation/{_obs('33914-3').pk}"))
    assert egfr["valueQuantity"]["comparator"] == ">" and egfr["referenceRange"][0]["low"]["value"] == 59.0
    colour = ok(get(desk, f"/Observation/{_obs('5778-6').pk}"))
    assert colour["valueCodeableConcept"] == {"text": "Yellow"}
    for body in (creatinine, egfr, colour):
        FhirObservation.model_validate(body)


def test_a_correction_is_corrected_and_names_what_it_superseded(org: Organization, desk: Client) -> None:
    bob(org)
    file(org, CMP)
    file(org, CORRECTED)
    first, corrected = _obs("2345-7"), _obs("2345-7", status="C")
    old = ok(get(desk, f"/Observation/{first.pk}"))
    new = ok(get(desk, f"/Observation/{corrected.pk}"))
    assert old["status"] == "final" and old["extension"] == [{
        "url": "urn:clinicdesk:fhir:extension:superseded-by", "valueReference": {"reference":
                                                                                f"Observation/{corrected.pk}"}}]
    assert new["status"] == "corrected" and new["derivedFrom"] == [{"reference": f"Observation/{first.pk}"}]
    assert "previously reported as 105" in new["note"][0]["text"]
    FhirObservation.model_validate(old)
    FhirObservation.model_validate(new)
    assert _ids(ok(desk.get(SEARCH, {"status": "corrected"}))) == [str(corrected.pk)]
    assert len(_ids(ok(desk.get(SEARCH, {"status": "final,corrected"})))) == 5


def test_search_by_patient_code_date_and_category(org: Organization, desk: Client) -> None:
    bob_ = bob(org)
    amy = alice(org)
    file(org, CMP)
    for n, day in enumerate(("20250101", "20250301")):
        file(org, cbc(n, day=day, hgb="11.5"))
    hgb = ok(desk.get(SEARCH, {"patient": f"Patient/{amy.pk}", "code": "http://loinc.org|718-7"}))
    Bundle.model_validate(hgb)
    assert hgb["total"] == 2 and [e["resource"]["effectiveDateTime"][:10] for e in hgb["entry"]] == [
        "2025-03-01", "2025-01-01"]
    assert ok(desk.get(SEARCH, {"patient": bob_.pk}))["total"] == 4
    assert ok(desk.get(SEARCH, {"code": "718-7", "date": "ge2025-02-01"}))["total"] == 1
    assert ok(desk.get(SEARCH, {"code": "718-7", "date": "2025-01"}))["total"] == 1
    assert ok(desk.get(SEARCH, {"code": "http://snomed.info/sct|718-7"}))["total"] == 0
    assert ok(desk.get(SEARCH, {"category": "laboratory"}))["total"] == 10
    assert ok(desk.get(SEARCH, {"category": "vital-signs"}))["total"] == 0


def test_bad_search_values_are_a_400(org: Organization, desk: Client) -> None:
    for params in ({"status": "done"}, {"date": "yesterday"}, {"category": "nonsense"}):
        outcome(desk.get(SEARCH, params), 400)


def test_results_waiting_for_a_patient_match_are_not_served(org: Organization, desk: Client) -> None:
    file(org, CMP)  # nobody alike: waits in the reconciliation queue
    assert ok(desk.get(SEARCH))["total"] == 0
    outcome(get(desk, f"/Observation/{_obs('2345-7').pk}"), 404)


def test_each_observation_returned_is_audited_as_a_view_of_its_patient(org: Organization, frontdesk: User) -> None:
    patient = bob(org)
    file(org, CMP)
    ok(fhir_client(frontdesk).get(SEARCH, {"patient": patient.pk}))
    events = AuditEvent.objects.filter(user_id=frontdesk.pk, object_type="LabObservation")
    assert events.count() == 4 and {e.patient_id for e in events} == {patient.pk}
    assert {e.via for e in events} == {"fhir"}


def test_another_practice_and_roles_without_results_are_refused(org: Organization, outsider: User) -> None:
    bob(org)
    file(org, CMP)
    glucose = _obs("2345-7")
    outcome(get(fhir_client(outsider), f"/Observation/{glucose.pk}"), 404)
    assert ok(fhir_client(outsider).get(SEARCH))["total"] == 0
    billing = make_user(org, "billing")
    outcome(get(fhir_client(billing), f"/Observation/{glucose.pk}"), 403)


ODD = ["\x00", "9" * 40, "|", ",", "\\", "gt9999-12-31", "ge1899-01-01", "http://x/Patient/1", "a|b|c", "é" * 300,
       "2025-03-13T10:00", "lt2025-13-01", "eq2025-03-13T10:10:00Z"]


def test_odd_values_over_filed_results_and_inbox_items_are_never_a_server_error(org: Organization,
                                                                                  desk: Client) -> None:
    from clinicdesk.inbox.models import InboxItem

    patient = bob(org)
    file(org, CMP)
    file(org, CORRECTED)
    InboxItem.objects.create(organization=org, kind="phone_message", title="Call", patient=patient)
    desk.raise_request_exception = False
    failures = []
    for kind, params in (("Observation", ("patient", "subject", "status", "date", "code", "category")),
                         ("DiagnosticReport", ("patient", "subject", "status", "date", "code")),
                         ("Task", ("patient", "status", "owner", "authored-on", "date", "code")),
                         ("Communication", ("patient", "subject", "status", "sent"))):
        for name in (*params, "_id"):
            for value in ODD:
                if desk.get(f"{SEARCH.rsplit('/', 1)[0]}/{kind}", {name: value}).status_code >= 500:
                    failures.append((kind, name, value))
        for value in ODD + ["phone-1", "message-1", "-1", "0"]:
            if get(desk, f"/{kind}/{value}").status_code >= 500:
                failures.append((kind, "read", value))
    assert failures == []
