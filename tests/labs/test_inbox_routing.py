"""Every filed result becomes inbox work: matched ones for the ordering practitioner, the rest for reconciliation."""

from __future__ import annotations

from clinicdesk.inbox.models import InboxItem, Pool, RoutingRule
from clinicdesk.labs.filing import hl7_file
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.conftest import make_user
from tests.labs.test_filing import CMP, bob, receive


def test_a_matched_abnormal_result_goes_to_the_ordering_practitioner_as_urgent(org: Organization) -> None:
    patient = bob(org)
    doctor = make_user(org, "clinician")
    Practitioner.objects.create(organization=org, family_name="Welby", given_name="Marcus", npi="1234567893",
                                user=doctor)
    RoutingRule.objects.create(organization=org, order=1, category="results", target_kind="ordering_practitioner")
    [match] = hl7_file(inbound=receive(CMP))
    item = InboxItem.objects.get(source=f"labs.ResultMatch:{match.pk}")
    assert (item.kind, item.category, item.patient_id, item.assigned_user_id) == ("lab_result", "results",
                                                                                 patient.pk, doctor.pk)
    assert item.priority == "urgent"  # glucose 105 H
    assert "abnormal" in item.title


def test_an_unmatched_result_goes_to_reconciliation_without_a_patient(org: Organization) -> None:
    [match] = hl7_file(inbound=receive(CMP))
    item = InboxItem.objects.get(source=f"labs.ResultMatch:{match.pk}")
    assert (item.category, item.patient_id) == ("result_reconciliation", None)
    assert item.title.startswith("Match needed:")
    assert "SYNTHETIC" in item.title.upper()
    # nothing is orphaned: with no rule for it, the front desk pool has it
    assert item.assigned_pool == Pool.objects.get(organization=org, key="front_desk")


def test_filing_twice_makes_one_inbox_item(org: Organization) -> None:
    bob(org)
    inbound = receive(CMP)
    hl7_file(inbound=inbound)
    hl7_file(inbound=inbound)
    assert InboxItem.objects.filter(kind="lab_result").count() == 1
