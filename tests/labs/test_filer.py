"""Filing a listener's group of messages together (``labs.filer``): one candidates query and one INSERT per
table, with the same result as filing each message on its own."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.inbox.models import InboxItem
from clinicdesk.labs import filer
from clinicdesk.labs.filing import hl7_file
from clinicdesk.labs.matching import Identity
from clinicdesk.labs.models import InboundMessage, InboundStatus, LabObservation, LabOrder, MatchStatus, ResultMatch
from clinicdesk.labs.services import hl7_receive_many
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.labs.conftest import msa
from tests.labs.results_helpers import CBC, CMP, alice, bob

pytestmark = pytest.mark.django_db
PEER = "10.0.0.7:4000"


def _as(raw: bytes, control_id: str, old: bytes) -> bytes:
    return raw.replace(b"|" + old + b"|", f"|{control_id}|".encode())


def _outcome(control_id: str) -> tuple[Any, ...]:
    """What filing left for one message: its status, matches (status, patient) and each order's observations."""
    message = InboundMessage.objects.get(control_id=control_id)
    matches = [(m.status, m.candidate_id, str(m.score)) for m in ResultMatch.objects.filter(inbound=message)]
    orders = [(o.patient_id, o.filler_number, o.ordering_practitioner_id,
               sorted((x.code, str(x.value_numeric), x.value_text, x.abnormal_flags, x.observed_at)
                      for x in LabObservation.objects.filter(order=o)))
              for o in LabOrder.objects.filter(inbound=message).order_by("pk")]
    items = sorted((i.category, i.patient_id, i.priority, i.title, i.assigned_user_id, i.assigned_pool_id)
                   for i in InboxItem.objects.filter(source__in=[f"labs.ResultMatch:{m.pk}" for m in
                                                                  ResultMatch.objects.filter(inbound=message)]))
    return message.status, matches, orders, items


def test_a_group_files_each_message_as_it_would_be_filed_alone(org: Organization) -> None:
    bob(org)
    alice(org)
    Practitioner.objects.create(organization=org, family_name="Welby", given_name="Marcus", npi="1234567893")
    stranger = CMP.replace(b"SYNTHETIC^BOB", b"NOBODY^KNOWN").replace(b"LS000042", b"ZZ999").replace(
        b"19650701", b"19990101")
    group = [(_as(CMP, "G-CMP", b"LC20250314-0042"), PEER), (_as(CBC, "G-CBC", b"Q0000123456"), PEER),
             (_as(stranger, "G-UNK", b"LC20250314-0042"), PEER)]
    alone = [(_as(CMP, "A-CMP", b"LC20250314-0042"), PEER), (_as(CBC, "A-CBC", b"Q0000123456"), PEER),
             (_as(stranger, "A-UNK", b"LC20250314-0042"), PEER)]
    with CaptureQueriesContext(connection) as captured:
        answers = hl7_receive_many(group)
    assert [msa(a)[1] for a in answers if isinstance(a, bytes)] == ["AA", "AA", "AA"]
    candidate_reads = [q for q in captured.captured_queries if "FROM patients_patient" in q["sql"]]
    # The orders' one write: an INSERT (SQLite), or on PostgreSQL their keys drawn in one query, then a COPY
    # (which Django's query log does not show).
    order_inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "labs_laborder"')
                     or q["sql"].startswith("SELECT nextval('public.labs_laborder_id_seq'")]
    assert len(candidate_reads) == 1 and len(order_inserts) == 1  # for the three messages
    for frame in alone:
        hl7_receive_many([frame])
    for kind in ("CMP", "CBC", "UNK"):
        grouped, single = _outcome(f"G-{kind}"), _outcome(f"A-{kind}")
        assert grouped[0] == single[0] == InboundStatus.PROCESSED
        assert [m[:2] for m in grouped[1]] == [m[:2] for m in single[1]]
        assert [o[:2] + o[3:] for o in grouped[2]] == [o[:2] + o[3:] for o in single[2]]
        assert [i[0:4] + i[4:] for i in grouped[3]] == [i[0:4] + i[4:] for i in single[3]]
    assert _outcome("G-UNK")[1][0][0] == MatchStatus.NEEDS_REVIEW and _outcome("G-UNK")[3][0][1] is None
    assert _outcome("G-CMP")[1][0][0] == MatchStatus.MATCHED
    assert all(not breaks for breaks in audit_verify_all().values())


def test_keys_come_back_in_row_order_from_one_multi_row_insert(org: Organization) -> None:
    bob(org)
    messages = [(_as(CMP, f"K{n}", b"LC20250314-0042").replace(b"LC-99002", f"LC-K{n}".encode()), PEER)
                for n in range(5)]
    hl7_receive_many(messages)
    for n in range(5):
        order = LabOrder.objects.get(filler_number=f"LC-K{n}")
        assert order.inbound.control_id == f"K{n}" and order.match.inbound_id == order.inbound_id
        item = InboxItem.objects.get(source=f"labs.ResultMatch:{order.match_id}")
        assert item.patient_id == order.patient_id and "Comprehensive" in item.title


def test_candidates_for_many_identities_are_each_identitys_own(org: Organization) -> None:
    bob_ = bob(org)
    alice_ = alice(org)
    identities = [Identity(identifiers=(("LS000042", "MR"),), family="SYNTHETIC", given="BOB",
                           birth_date=date(1965, 7, 1), sex="M"),
                  Identity(identifiers=(), family="TESTPATIENT", given="ALICE", birth_date=date(1980, 2, 14), sex="F"),
                  Identity(identifiers=(("NOPE", "MR"),), family="X", given="Y", birth_date=None, sex="")]
    together = filer.candidates_many(org, identities)
    assert [[c.id for c in found] for found in together] == [[bob_.pk], [alice_.pk], []]
    assert together == [filer.candidates_for(org, identity) for identity in identities]


def test_more_alike_patients_than_the_limit_are_read_per_identity(org: Organization,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    twins = [bob(org, mrn=f"LS9{n}") for n in range(3)]
    monkeypatch.setattr(filer, "_CANDIDATES_EACH", 2)
    born = Identity(identifiers=(), family="SYNTHETIC", given="BOB", birth_date=date(1965, 7, 1), sex="M")
    by_mrn = Identity(identifiers=(("LS92", "MR"),), family="", given="", birth_date=None, sex="")
    found = filer.candidates_many(org, [born, by_mrn])
    assert [c.id for c in found[0]] == [twins[0].pk, twins[1].pk]  # the limit, lowest ids first, as alone
    assert [c.id for c in found[1]] == [twins[2].pk]


def test_a_message_filed_later_by_the_retry_path_is_filed_the_same_way(org: Organization) -> None:
    bob(org)
    hl7_receive_many([(_as(CMP, "R-1", b"LC20250314-0042"), PEER)])
    message = InboundMessage.objects.get(control_id="R-1")
    assert hl7_file(inbound=message)[0].status == MatchStatus.MATCHED  # already filed: nothing new
    assert LabOrder.objects.filter(inbound=message).count() == 1
