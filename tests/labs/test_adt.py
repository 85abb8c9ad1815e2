"""ADT^A04/A08 demographics: proposed chart changes for a confident match, reconciliation otherwise, never applied."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clinicdesk.chartupdates.models import ProposalStatus, ProposedUpdate
from clinicdesk.inbox.models import InboxItem
from clinicdesk.labs.demographics import adt_changes
from clinicdesk.labs.filing import hl7_file_pending, match_confirm
from clinicdesk.labs.models import InboundMessage, InboundStatus, MatchStatus, ResultMatch
from clinicdesk.labs.services import hl7_receive
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2 import decode, read_adt
from clinicdesk.staff.models import User
from tests.conftest import actor_for, make_patient
from tests.labs.conftest import msa
from tests.protocols.hl7v2.helpers import fixture

A04 = fixture("adt_a04_251.hl7")  # LS000099 NEWPATIENT^CASEY^J 2001-03-15 X; 42 ELM AVE APT 3; home + work phone
A08 = fixture("adt_a08_24.hl7")  # same person, F; 9 OAK ST; mobile (217)555-0102


def casey(org: Organization, **fields: Any) -> Patient:
    values = {"family_name": "Newpatient", "given_name": "Casey", "middle_name": "J", "birth_date": date(2001, 3, 15),
              "sex": "female", "line1": "42 Elm Ave", "city": "Springfield", "state": "IL", "postal_code": "62704"}
    patient = make_patient(org, **(values | fields))
    Patient.objects.filter(pk=patient.pk).update(mrn=fields.get("mrn", "LS000099"))
    patient.refresh_from_db()
    return patient


def receive(raw: bytes, capture: Any) -> InboundMessage:
    with capture(execute=True):
        assert msa(hl7_receive(raw=raw, peer="10.0.0.9:1"))[1] == "AA"
    return InboundMessage.objects.get(control_id=decode(raw).control_id)


def proposals(patient: Patient) -> dict[str, str]:
    return dict(ProposedUpdate.objects.filter(patient=patient, status=ProposalStatus.PENDING)
                .values_list("field_name", "proposed_value"))


def test_the_fields_an_adt_message_carries_are_read_as_chart_fields() -> None:
    assert adt_changes(read_adt(decode(A04))) == {
        "family_name": "NEWPATIENT", "given_name": "CASEY", "middle_name": "J", "birth_date": "2001-03-15",
        "sex": "other", "line1": "42 ELM AVE", "line2": "APT 3", "city": "SPRINGFIELD", "state": "IL",
        "postal_code": "62704", "phone_home": "2175550101", "phone_work": "2175550199 x12",
        "email": "casey@example.org"}
    assert adt_changes(read_adt(decode(A08)))["phone_mobile"] == "(217)555-0102"


def test_a_confident_match_gets_proposals_for_the_fields_that_differ_and_the_chart_is_untouched(
        org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    patient = casey(org)
    inbound = receive(A08, django_capture_on_commit_callbacks)
    # names in capitals and the same address words are not changes; the new street and the mobile are
    assert proposals(patient) == {"line1": "9 OAK ST", "phone_mobile": "+12175550102"}
    assert ProposedUpdate.objects.filter(patient=patient).first().source == "hl7-adt"  # type: ignore[union-attr]
    patient.refresh_from_db()
    assert (patient.line1, patient.phone_mobile) == ("42 Elm Ave", "")
    match = ResultMatch.objects.get(inbound=inbound)
    assert (match.status, match.candidate_id, inbound.status) == (MatchStatus.MATCHED, patient.pk,
                                                                 InboundStatus.PROCESSED)
    item = InboxItem.objects.get(source=f"labs.ResultMatch:{match.pk}")
    assert (item.category, item.patient_id) == ("demographics", patient.pk) and "2 fields" in item.title


def test_a_resent_message_proposes_nothing_new(org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    patient = casey(org)
    receive(A08, django_capture_on_commit_callbacks)
    receive(A08, django_capture_on_commit_callbacks)
    assert ProposedUpdate.objects.filter(patient=patient).count() == 2


def test_nothing_different_means_no_proposal_and_no_inbox_item(
        org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    patient = casey(org, line1="9 Oak St", phone_mobile="(217) 555-0102")
    receive(A08, django_capture_on_commit_callbacks)
    assert proposals(patient) == {} and not InboxItem.objects.exists()


def test_a_registration_for_someone_not_ours_waits_for_reconciliation(
        org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    inbound = receive(A04, django_capture_on_commit_callbacks)
    match = ResultMatch.objects.get(inbound=inbound)
    assert (match.status, match.candidate_id) == (MatchStatus.NEEDS_REVIEW, None)
    item = InboxItem.objects.get(source=f"labs.ResultMatch:{match.pk}")
    assert (item.category, item.patient_id) == ("result_reconciliation", None)
    assert item.title == "Match needed: Registration for NEWPATIENT CASEY 2001-03-15"
    assert not ProposedUpdate.objects.exists()


def test_an_uncertain_match_is_never_applied_and_confirming_it_makes_the_proposals(
        org: Organization, manager: User, django_capture_on_commit_callbacks: Any) -> None:
    patient = casey(org, birth_date=date(2001, 3, 16))  # same MRN, a different date of birth
    inbound = receive(A08, django_capture_on_commit_callbacks)
    match = ResultMatch.objects.get(inbound=inbound)
    assert match.status == MatchStatus.NEEDS_REVIEW and not ProposedUpdate.objects.exists()
    match_confirm(actor=actor_for(manager), match=match, patient=patient)
    assert proposals(patient) == {"birth_date": "2001-03-15", "line1": "9 OAK ST", "phone_mobile": "+12175550102"}
    patient.refresh_from_db()
    assert patient.birth_date == date(2001, 3, 16)


def test_a_failure_leaves_the_message_received_and_the_sweep_retries_it(
        org: Organization, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    patient = casey(org)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("chart updates unavailable")

    monkeypatch.setattr("clinicdesk.labs.demographics.proposals_create", broken)
    inbound = receive(A08, django_capture_on_commit_callbacks)
    inbound.refresh_from_db()
    assert inbound.status == InboundStatus.RECEIVED and not ResultMatch.objects.exists()
    monkeypatch.undo()
    assert hl7_file_pending() == 1
    assert len(proposals(patient)) == 2
