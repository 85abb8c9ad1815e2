"""A correction supersedes the result it corrects whichever of the two is filed first.

With results filed behind the ACK by the filer while files and HTTP batches are filed as they are stored (and a
failed message retried by the sweep later), the original can be filed after its correction. It must then be
superseded at once, not left beside the correction as a second current value."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clinicdesk.labs import queue
from clinicdesk.labs.batch import hl7_batch_receive
from clinicdesk.labs.filing import match_confirm
from clinicdesk.labs.models import LabObservation, MatchStatus, ObservationStatus, ResultMatch
from clinicdesk.labs.services import hl7_accept_many, hl7_receive_many
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for
from tests.labs.conftest import msa
from tests.labs.results_helpers import CMP, CORRECTED, bob

pytestmark = pytest.mark.django_db
PEER = "10.0.0.7:4000"


def _glucose() -> list[tuple[str, str, bool]]:
    """Each filed glucose: (status, value, superseded), in filing order."""
    return [(o.status, o.value_text, o.superseded_by_id is not None)
            for o in LabObservation.objects.filter(code="2345-7").order_by("pk")]


def _current_value() -> list[str]:
    return [o.value_text for o in LabObservation.objects.filter(code="2345-7", superseded_by__isnull=True)]


def test_a_correction_filed_first_supersedes_the_original_filed_after_it(org: Organization) -> None:
    bob(org)
    assert msa(hl7_receive_many([(CORRECTED, PEER)])[0])[1] == "AA"
    assert msa(hl7_receive_many([(CMP, PEER)])[0])[1] == "AA"
    assert _glucose() == [("C", "95", False), ("F", "105", True)]
    assert _current_value() == ["95"]
    original = LabObservation.objects.get(code="2345-7", status=ObservationStatus.FINAL)
    assert original.superseded_by == LabObservation.objects.get(code="2345-7", status=ObservationStatus.CORRECTED)


def test_in_one_group_the_correction_first_still_supersedes(org: Organization) -> None:
    bob(org)
    assert [msa(a)[1] for a in hl7_receive_many([(CORRECTED, PEER), (CMP, PEER)]) if isinstance(a, bytes)] == [
        "AA", "AA"]
    assert _current_value() == ["95"]


def test_a_queued_original_filed_after_a_batch_correction_is_superseded(
        org: Organization, django_capture_on_commit_callbacks: Any) -> None:
    bob(org)
    assert msa(hl7_accept_many([(CMP, PEER)])[0])[1] == "AA"  # queued for the filer
    batch = (b"BHS|^~\\&|LCLIKE|LCLIKE-BURL|CLINICDESK|LAKESIDE|20250315090000\r" + CORRECTED.rstrip(b"\r\n")
             + b"\rBTS|1\r")
    with django_capture_on_commit_callbacks(execute=True):  # a batch files each message once it is stored
        hl7_batch_receive(actor=queue.FILING_ACTOR, raw=batch, source="upload", organization_id=org.pk)
    assert _current_value() == ["95"]  # filed as it was stored, before the queued original
    assert queue.hl7_file_waiting() == 1
    assert _glucose() == [("C", "95", False), ("F", "105", True)]
    assert _current_value() == ["95"]


def test_an_original_filed_first_is_superseded_as_before_and_nothing_else_is(org: Organization) -> None:
    bob(org)
    hl7_receive_many([(CMP, PEER)])
    hl7_receive_many([(CORRECTED, PEER)])
    assert _glucose() == [("F", "105", True), ("C", "95", False)]
    others = LabObservation.objects.exclude(code="2345-7")
    assert others.exists() and not others.filter(superseded_by__isnull=False).exists()


def test_an_original_confirmed_by_staff_after_its_correction_was_filed_is_superseded(
        org: Organization, frontdesk: User) -> None:
    patient = bob(org)
    hl7_receive_many([(CORRECTED, PEER)])  # Bob's, confidently
    patient.birth_date = date(1965, 1, 7)  # the original then only half-matches: it waits for staff
    patient.save(update_fields=["birth_date"])
    hl7_receive_many([(CMP, PEER)])
    match = ResultMatch.objects.get(status=MatchStatus.NEEDS_REVIEW)
    assert sorted(_current_value()) == ["105", "95"]  # not Bob's yet: nothing to supersede
    match_confirm(actor=actor_for(frontdesk), match=match, patient=patient)
    assert _current_value() == ["95"]
