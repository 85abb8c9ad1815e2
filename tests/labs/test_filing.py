"""Filing accepted result messages into orders, observations and reports under the right patient."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from clinicdesk.audit.models import AuditEvent
from clinicdesk.labs.filing import hl7_file, hl7_file_pending, match_confirm, match_reject, results_to_reconcile
from clinicdesk.labs.models import (
    InboundMessage,
    InboundStatus,
    LabObservation,
    LabOrder,
    LabReport,
    MatchStatus,
    ResultMatch,
)
from clinicdesk.labs.services import hl7_receive
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import actor_for, make_patient
from tests.labs.conftest import msa
from tests.protocols.hl7v2.helpers import fixture

CMP = fixture("labcorp_251_cmp.hl7")  # LS000042 SYNTHETIC^BOB 1965-07-01 M; glucose 105 H; NPI 1234567893
CORRECTED = fixture("corrected_result_251.hl7")  # same order LC-99002: glucose corrected to 95
PDF = fixture("pdf_report_251.hl7")  # same patient, the lab's PDF report (OBX type ED)
CBC = fixture("quest_231_cbc.hl7")  # MRN 4471 (LS4471) TESTPATIENT^ALICE 1980-02-14 F; HGB L, PLT H


def bob(org: Organization, **fields: Any) -> Patient:
    values = {"family_name": "Synthetic", "given_name": "Bob", "birth_date": date(1965, 7, 1), "sex": "male"}
    patient = make_patient(org, **(values | fields))
    mrn = fields.pop("mrn", "LS000042")
    Patient.objects.filter(pk=patient.pk).update(mrn=mrn)
    patient.refresh_from_db()
    return patient


def receive(raw: bytes) -> InboundMessage:
    assert msa(hl7_receive(raw=raw, peer="10.0.0.7:1"))[1] == "AA"
    return InboundMessage.objects.get(control_id=raw.split(b"|")[9].decode())


def test_a_confident_match_files_orders_and_observations_under_the_patient(org: Organization) -> None:
    patient = bob(org)
    welby = Practitioner.objects.create(organization=org, family_name="Welby", given_name="Marcus",
                                        npi="1234567893")
    inbound = receive(CMP)

    [match] = hl7_file(inbound=inbound)

    assert (match.status, match.candidate, match.score >= Decimal("0.9")) == (MatchStatus.MATCHED, patient, True)
    assert "same MRN" in match.reasons and match.identity["family"] == "SYNTHETIC"
    order = LabOrder.objects.get()
    assert (order.patient, order.ordering_practitioner, order.filler_number, order.placer_number) == (
        patient, welby, "LC-99002", "ORD-2002")
    assert (order.service_code, order.service_system, order.status) == ("24323-8", "LN", "F")
    assert order.observed_at is not None and order.observed_at.utcoffset() is not None
    rows = {o.code: o for o in order.observations.all()}
    glucose = rows["2345-7"]
    assert (glucose.value_numeric, glucose.units, glucose.reference_range, glucose.abnormal_flags,
            glucose.status) == (Decimal("105"), "mg/dL", "65-99", "H", "F")
    assert glucose.is_abnormal and not glucose.is_critical
    assert (rows["2160-0"].value_text, rows["2160-0"].value_numeric) == ("<0.5", None)
    assert rows["5778-6"].value_text == "Yellow" and rows["33914-3"].value_text == ">60"
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.PROCESSED
    event = AuditEvent.objects.get(object_type="ResultMatch")
    assert (event.patient_id, event.via, event.detail["status"]) == (patient.pk, "hl7", "matched")


def test_filing_twice_does_nothing_new(org: Organization) -> None:
    bob(org)
    inbound = receive(CMP)
    first = hl7_file(inbound=inbound)
    again = hl7_file(inbound=InboundMessage.objects.get(pk=inbound.pk))
    assert again == first
    assert (ResultMatch.objects.count(), LabOrder.objects.count(), LabObservation.objects.count()) == (1, 1, 4)
    assert AuditEvent.objects.filter(object_type="ResultMatch").count() == 1


def test_no_matching_patient_waits_for_review_attached_to_nobody(org: Organization) -> None:
    make_patient(org, family_name="Synthetic", given_name="Robert", birth_date=date(1965, 7, 2))
    [match] = hl7_file(inbound=receive(CMP))
    assert (match.status, match.candidate, match.score) == (MatchStatus.NEEDS_REVIEW, None, Decimal("0"))
    assert LabOrder.objects.get().patient is None
    assert list(results_to_reconcile(organization_id=org.pk)) == [match]
    assert AuditEvent.objects.get(object_type="ResultMatch").patient_id is None


def test_a_wrong_date_of_birth_is_a_candidate_for_review_not_attached(org: Organization) -> None:
    patient = bob(org, birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CMP))
    assert (match.status, match.candidate) == (MatchStatus.NEEDS_REVIEW, patient)
    assert "different date of birth" in match.reasons
    assert LabOrder.objects.get().patient is None


def test_staff_confirm_attaches_and_audits(org: Organization, frontdesk: User) -> None:
    patient = bob(org, birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CMP))

    match_confirm(actor=actor_for(frontdesk), match=match, patient=patient)

    match.refresh_from_db()
    assert (match.status, match.candidate, match.decided_by) == (MatchStatus.CONFIRMED, patient, frontdesk)
    assert match.decided_at is not None
    assert LabOrder.objects.get().patient == patient
    assert list(results_to_reconcile(organization_id=org.pk)) == []
    event = AuditEvent.objects.filter(object_type="ResultMatch").latest("seq")
    assert (event.patient_id, event.user_id, event.detail["decision"]) == (patient.pk, frontdesk.pk, "confirmed")


def test_a_confirmed_match_closes_its_reconciliation_item_and_goes_to_the_ordering_practitioner(
        org: Organization, frontdesk: User) -> None:
    from clinicdesk.inbox.models import InboxItem
    from clinicdesk.labs.notify import RECONCILIATION, RESULTS

    patient = bob(org, birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CMP))
    waiting = InboxItem.objects.get(category=RECONCILIATION)
    assert waiting.patient is None and not InboxItem.objects.filter(category=RESULTS).exists()

    match_confirm(actor=actor_for(frontdesk), match=match, patient=patient)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.patient) == ("done", patient)
    assert waiting.comments.get().text.startswith("Match confirmed: ")
    routed = InboxItem.objects.get(category=RESULTS)
    assert routed.patient == patient and routed.priority == "urgent"  # glucose 105 H: abnormal
    assert routed.source == f"labs.ResultMatch:{match.pk}"


def test_staff_reject_leaves_the_result_unattached_and_audits(org: Organization, frontdesk: User) -> None:
    bob(org, birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CMP))
    match_reject(actor=actor_for(frontdesk), match=match, reason="not our patient")
    match.refresh_from_db()
    assert (match.status, match.decided_by) == (MatchStatus.REJECTED, frontdesk)
    assert LabOrder.objects.get().patient is None
    assert list(results_to_reconcile(organization_id=org.pk)) == []
    event = AuditEvent.objects.filter(object_type="ResultMatch").latest("seq")
    assert event.detail["decision"] == "rejected" and event.detail["reason"] == "not our patient"


def test_confirm_refuses_another_practice(org: Organization, other_org: Organization, frontdesk: User,
                                          outsider: User, settings: Any) -> None:
    settings.CLINICDESK_HL7_ORGANIZATION = org.pk
    bob(org, birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CMP))
    with pytest.raises(PermissionDenied):
        match_confirm(actor=actor_for(outsider), match=match, patient=make_patient(other_org))
    with pytest.raises(ValidationError):
        match_confirm(actor=actor_for(frontdesk), match=match, patient=make_patient(other_org))


def test_a_corrected_result_supersedes_the_earlier_one_and_both_are_kept(org: Organization) -> None:
    bob(org)
    hl7_file(inbound=receive(CMP))
    hl7_file(inbound=receive(CORRECTED))

    first, corrected = LabObservation.objects.filter(code="2345-7").order_by("pk")
    assert (first.value_numeric, first.status, first.superseded_by) == (Decimal("105"), "F", corrected)
    assert (corrected.value_numeric, corrected.status, corrected.superseded_by) == (Decimal("95"), "C", None)
    assert "previously reported as 105" in corrected.notes
    others = LabObservation.objects.exclude(code="2345-7")
    assert others.count() == 3 and not others.filter(superseded_by__isnull=False).exists()


def test_a_correction_filed_for_review_supersedes_once_confirmed(org: Organization, frontdesk: User) -> None:
    patient = bob(org)
    hl7_file(inbound=receive(CMP))
    Patient.objects.filter(pk=patient.pk).update(mrn="LS999999", birth_date=date(1965, 1, 7))
    [match] = hl7_file(inbound=receive(CORRECTED))
    assert match.status == MatchStatus.NEEDS_REVIEW
    assert not LabObservation.objects.filter(superseded_by__isnull=False).exists()
    match_confirm(actor=actor_for(frontdesk), match=match, patient=patient)
    assert LabObservation.objects.get(code="2345-7", status="F").superseded_by is not None


def test_a_pdf_report_is_stored_and_readable(org: Organization, media_root: Path) -> None:
    bob(org)
    hl7_file(inbound=receive(PDF))
    report = LabReport.objects.get()
    assert (report.mime_type, report.filename, report.order.patient is not None) == (
        "application/pdf", "LC-99002.pdf", True)
    with default_storage.open(report.content.name) as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and len(data) == report.size
    assert (media_root / report.content.name).is_file()
    assert report.observation is not None and report.observation.value_type == "ED"


def test_the_ordering_practitioner_is_found_by_npi_else_by_name(org: Organization) -> None:
    Practitioner.objects.create(organization=org, family_name="Welby", given_name="Marcus")
    make_patient(org, family_name="Testpatient", given_name="Alice", birth_date=date(1980, 2, 14), sex="female")
    hl7_file(inbound=receive(CBC))
    order = LabOrder.objects.get()
    assert order.ordering_practitioner is not None and order.ordering_practitioner.family_name == "Welby"
    assert "NPI 1234567893" in order.ordering_provider_text
    flags = {o.code: (o.is_abnormal, o.is_critical) for o in order.observations.all()}
    assert flags == {"6690-2": (False, False), "718-7": (True, False), "777-3": (True, False)}


def test_the_mrn_number_alone_matches_with_the_practice_prefix(org: Organization) -> None:
    patient = make_patient(org, family_name="Testpatient", given_name="Alice", birth_date=date(1980, 2, 14),
                           sex="female")
    Patient.objects.filter(pk=patient.pk).update(mrn="LS4471")
    [match] = hl7_file(inbound=receive(CBC))
    assert match.status == MatchStatus.MATCHED and "same MRN" in match.reasons


def test_receiving_files_after_the_commit(org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    patient = bob(org)
    with django_capture_on_commit_callbacks(execute=True):
        hl7_receive(raw=CMP, peer="10.0.0.7:1")
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED
    assert LabOrder.objects.get().patient == patient


def test_a_filing_failure_keeps_the_message_and_the_ack(org: Organization, monkeypatch: pytest.MonkeyPatch,
                                                        django_capture_on_commit_callbacks: Any,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    bob(org)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("clinicdesk.labs.filing.hl7_file", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ack = hl7_receive(raw=CMP, peer="10.0.0.7:1")
    assert msa(ack)[1] == "AA"
    message = InboundMessage.objects.get()
    assert (message.status, bytes(message.ack)) == (InboundStatus.RECEIVED, ack)
    assert "stays received for a retry" in caplog.text
    monkeypatch.undo()
    assert hl7_file_pending() == 1
    assert InboundMessage.objects.get().status == InboundStatus.PROCESSED and LabOrder.objects.count() == 1
