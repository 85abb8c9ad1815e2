"""DiagnosticReport: filed lab orders with their results and the lab's PDF; read, search, audited."""

from __future__ import annotations

import base64
from pathlib import Path

from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport as FhirReport

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.models import LabOrder
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome
from tests.labs.results_helpers import CMP, CORRECTED, PDF, alice, bob, cbc, file

SEARCH = "/fhir/r4/DiagnosticReport"


def test_an_order_reads_as_a_valid_r4_lab_report_listing_its_results(org: Organization, desk: Client) -> None:
    patient = bob(org)
    file(org, CMP)
    order = LabOrder.objects.get()
    body = ok(get(desk, f"/DiagnosticReport/{order.pk}"))
    FhirReport.model_validate(body)
    assert (body["status"], body["subject"]["reference"]) == ("final", f"Patient/{patient.pk}")
    assert body["category"][0]["coding"][0]["code"] == "LAB"
    assert body["code"]["coding"][0]["system"] == "http://loinc.org" and body["code"]["coding"][0]["code"] == "24323-8"
    assert {i["value"] for i in body["identifier"]} == {"LC-99002", "ORD-2002"}
    assert [r["reference"] for r in body["result"]] == [f"Observation/{o.pk}" for o in
                                                        order.observations.order_by("pk")]
    assert body["effectiveDateTime"] == "2025-03-13T10:10:00.000-05:00"  # the practice's zone (Chicago)


def test_the_pdf_is_presented_on_read_and_only_described_in_a_search(org: Organization, desk: Client,
                                                                    media_root: Path) -> None:
    bob(org)
    file(org, PDF)
    order = LabOrder.objects.get()
    body = ok(get(desk, f"/DiagnosticReport/{order.pk}"))
    FhirReport.model_validate(body)
    [form] = body["presentedForm"]
    assert (form["contentType"], form["title"]) == ("application/pdf", "LC-99002.pdf")
    assert base64.b64decode(form["data"]).startswith(b"%PDF-") and body.get("result") is None
    [entry] = ok(desk.get(SEARCH))["entry"]
    assert "data" not in entry["resource"]["presentedForm"][0]


def test_search_by_patient_status_date_and_code(org: Organization, desk: Client) -> None:
    bob_ = bob(org)
    amy = alice(org)
    file(org, CMP)
    file(org, CORRECTED)
    for n, day in enumerate(("20250101", "20250301")):
        file(org, cbc(n, day=day, hgb="11.5"))
    bundle = ok(desk.get(SEARCH, {"patient": amy.pk}))
    Bundle.model_validate(bundle)
    assert bundle["total"] == 2
    assert ok(desk.get(SEARCH, {"patient": f"Patient/{bob_.pk}", "status": "corrected"}))["total"] == 1
    assert ok(desk.get(SEARCH, {"status": "final"}))["total"] == 3
    assert ok(desk.get(SEARCH, {"code": "http://loinc.org|24323-8"}))["total"] == 2
    assert ok(desk.get(SEARCH, {"code": "urn:clinicdesk:lab-code:L|CBC"}))["total"] == 2
    assert ok(desk.get(SEARCH, {"date": "lt2025-02-01"}))["total"] == 1
    outcome(desk.get(SEARCH, {"status": "finished"}), 400)


def test_reports_are_audited_per_patient_and_scoped_to_the_practice(org: Organization, frontdesk: User,
                                                                   outsider: User) -> None:
    patient = bob(org)
    file(org, CMP)
    order = LabOrder.objects.get()
    ok(get(fhir_client(frontdesk), f"/DiagnosticReport/{order.pk}"))
    event = AuditEvent.objects.get(user_id=frontdesk.pk, object_type="LabOrder")
    assert (event.patient_id, event.detail["purpose"]) == (patient.pk, "fhir read")
    outcome(get(fhir_client(outsider), f"/DiagnosticReport/{order.pk}"), 404)
    outcome(get(fhir_client(make_user(org, "billing")), f"/DiagnosticReport/{order.pk}"), 403)


def test_an_unmatched_order_is_not_served(org: Organization, desk: Client) -> None:
    file(org, CMP)
    outcome(get(desk, f"/DiagnosticReport/{LabOrder.objects.get().pk}"), 404)
    assert ok(desk.get(SEARCH))["total"] == 0
