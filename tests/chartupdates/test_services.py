"""Proposed chart updates: created for changed fields only, accepted through the patient services, or rejected."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinicdesk.audit.models import AuditEvent
from clinicdesk.chartupdates.models import ProposalStatus
from clinicdesk.chartupdates.services import proposal_accept, proposal_reject, proposals_create
from clinicdesk.patients.models import SearchToken
from tests.conftest import actor_for

pytestmark = pytest.mark.django_db


def test_unchanged_and_empty_fields_are_skipped(frontdesk, patient):
    made = proposals_create(actor=actor_for(frontdesk), patient=patient, source="hl7-adt", reference="MSG0001",
                            changes={"given_name": "Chidi", "phone_mobile": "217-555-0142", "city": "Peoria",
                                     "email": ""})
    assert [(p.field_name, p.current_value, p.proposed_value) for p in made] == [("city", "", "Peoria")]
    assert AuditEvent.objects.filter(object_type="chartupdates.ProposedUpdate", patient_id=patient.pk).count() == 1
    again = proposals_create(actor=actor_for(frontdesk), patient=patient, source="hl7-adt", reference="MSG0002",
                             changes={"city": "Peoria"})
    assert again == []  # already pending


def test_unknown_field_or_source_is_refused(frontdesk, patient):
    with pytest.raises(ValidationError):
        proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="x",
                         changes={"mrn": "1"})
    with pytest.raises(ValidationError):
        proposals_create(actor=actor_for(frontdesk), patient=patient, source="fax", reference="x",
                         changes={"city": "Peoria"})


def test_accept_writes_through_patient_services(frontdesk, patient):
    [proposal] = proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="r",
                                  changes={"family_name": "Okafor-Smith"})
    version = patient.version
    accepted = proposal_accept(actor=actor_for(frontdesk), proposal=proposal)
    assert accepted.status == ProposalStatus.ACCEPTED and accepted.decided_by == frontdesk
    patient.refresh_from_db()
    assert patient.family_name == "Okafor-Smith" and patient.version == version + 1
    assert SearchToken.objects.filter(patient=patient, kind="n", token__startswith="smith").exists()
    assert AuditEvent.objects.filter(object_type="Patient", action="update", patient_id=patient.pk).exists()
    with pytest.raises(ValidationError):
        proposal_reject(actor=actor_for(frontdesk), proposal=proposal)


def test_reject_leaves_the_chart(frontdesk, patient):
    [proposal] = proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="r",
                                  changes={"city": "Peoria"})
    proposal_reject(actor=actor_for(frontdesk), proposal=proposal)
    patient.refresh_from_db()
    assert patient.city == ""


def test_an_invalid_value_cannot_be_accepted(frontdesk, patient):
    [proposal] = proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="r",
                                  changes={"birth_date": "not a date"})
    with pytest.raises(ValidationError):
        proposal_accept(actor=actor_for(frontdesk), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_coverage_fields_land_on_the_primary_coverage(frontdesk, patient, coverage):
    [proposal] = proposals_create(actor=actor_for(frontdesk), patient=patient, source="intake", reference="r",
                                  changes={"coverage.member_id": "NEW999"})
    assert proposal.current_value == "XZP123456789"
    proposal_accept(actor=actor_for(frontdesk), proposal=proposal)
    coverage.refresh_from_db()
    assert coverage.member_id == "NEW999"
