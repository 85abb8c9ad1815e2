"""The filer (``labs.queue``) when things go wrong, and its plan: a message that fails to file leaves the queue
``received`` with its receipt audited once, for the every-minute sweep (``filing.hl7_file_pending``) to retry; a
failure that ends the filer's transaction leaves everything queued for the next pass; filing is planned before the
transaction (``filing.plan_filing``) and planned again inside when that fails. And ``run_filer``, its loop."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import django.db
import pytest
from django.utils import timezone

from clinicdesk.labs import filer, filing, queue
from clinicdesk.labs.filing import QUEUED_TOO_LONG, FilingPlan, hl7_file_pending
from clinicdesk.labs.models import InboundMessage, InboundStatus, ResultMatch
from clinicdesk.labs.services import hl7_accept_many
from clinicdesk.practice.models import Organization
from tests.labs.conftest import msa
from tests.labs.results_helpers import bob
from tests.labs.test_adt import A08, casey, proposals
from tests.labs.test_queue import PEER, accept, chains_intact, filed, receipts, status


@pytest.fixture
def plans_filed(monkeypatch: pytest.MonkeyPatch) -> list[FilingPlan | None]:
    """The ``plan`` each ``hl7_file_claimed`` call of the filer was given (None: planned inside)."""
    used: list[FilingPlan | None] = []
    real = queue.hl7_file_claimed

    def claimed(**kwargs: Any) -> Any:
        used.append(kwargs.get("plan"))
        return real(**kwargs)

    monkeypatch.setattr(queue, "hl7_file_claimed", claimed)
    return used


def _failing_order_row(monkeypatch: pytest.MonkeyPatch, control_id: str) -> None:
    real = filer._order_row

    def fussy(organization: Organization, inbound: InboundMessage, *args: Any) -> Any:
        if inbound.control_id == control_id:
            raise RuntimeError("disk full")
        return real(organization, inbound, *args)

    monkeypatch.setattr(filer, "_order_row", fussy)


@pytest.mark.django_db
def test_a_message_that_fails_to_file_leaves_the_queue_received_audited_once_and_the_sweep_files_it(
        org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("F1", "F2", "F3")
    _failing_order_row(monkeypatch, "F2")
    assert queue.hl7_file_waiting() == 3
    assert filed("F1") and filed("F3")
    assert status("F2") == InboundStatus.RECEIVED
    assert not ResultMatch.objects.filter(inbound__control_id="F2").exists()
    assert [len(receipts(c)) for c in ("F1", "F2", "F3")] == [1, 1, 1]
    assert queue.hl7_file_waiting() == 0  # not in the queue any more: no second receipt
    assert len(receipts("F2")) == 1 and status("F2") == InboundStatus.RECEIVED
    monkeypatch.undo()
    assert hl7_file_pending() == 1
    assert filed("F2") and len(receipts("F2")) == 1
    assert hl7_file_pending() == 0
    assert chains_intact()


@pytest.mark.django_db
def test_a_planned_group_that_fails_to_write_is_filed_message_by_message(org: Organization,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("V1", "V2", "V3")
    real = filing.write_results
    plans: list[FilingPlan] = []
    real_plan = queue.plan_filing

    def planning(**kwargs: Any) -> FilingPlan:
        plans.append(real_plan(**kwargs))
        return plans[-1]

    def fussy(plan: Any, events: Any) -> Any:
        if any(message.control_id == "V2" for message, _ in plan.messages):
            raise RuntimeError("disk full")
        return real(plan, events)

    monkeypatch.setattr(queue, "plan_filing", planning)
    monkeypatch.setattr(filing, "write_results", fussy)
    assert queue.hl7_file_waiting() == 3
    assert len(plans) == 1 and len(plans[0].results.messages) == 3  # planned, written, failed, done one by one
    assert filed("V1") and filed("V3") and status("V2") == InboundStatus.RECEIVED
    assert ResultMatch.objects.count() == 2
    assert [len(receipts(c)) for c in ("V1", "V2", "V3")] == [1, 1, 1]
    monkeypatch.undo()
    assert hl7_file_pending() == 1 and filed("V2")
    assert chains_intact()


@pytest.mark.django_db
def test_demographics_that_fail_to_file_leave_the_queue_received_and_the_sweep_files_them(
        org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    patient = casey(org)
    bob(org)
    assert [msa(a)[1] for a in hl7_accept_many([(A08, PEER)]) if isinstance(a, bytes)] == ["AA"]
    accept("DF1")

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("chart updates unavailable")

    monkeypatch.setattr("clinicdesk.labs.demographics.proposals_create", broken)
    assert queue.hl7_file_waiting() == 2
    assert status("ADT-0002") == InboundStatus.RECEIVED and filed("DF1")
    assert not ResultMatch.objects.filter(inbound__control_id="ADT-0002").exists()
    assert queue.hl7_file_waiting() == 0 and len(receipts("ADT-0002")) == 1
    monkeypatch.undo()
    assert hl7_file_pending() == 1
    assert status("ADT-0002") == InboundStatus.PROCESSED and len(proposals(patient)) == 2
    assert len(receipts("ADT-0002")) == 1
    assert chains_intact()


@pytest.mark.django_db
def test_a_failure_that_ends_the_transaction_leaves_everything_queued_and_unaudited(
        org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("X1", "X2")

    def crash(*args: Any, **kwargs: Any) -> list[int]:
        raise django.db.OperationalError("server closed the connection")

    monkeypatch.setattr(queue, "file_group", crash)
    with pytest.raises(django.db.OperationalError):
        queue.hl7_file_waiting()
    assert status("X1") == status("X2") == InboundStatus.QUEUED
    assert receipts("X1") == receipts("X2") == []
    monkeypatch.undo()
    assert queue.hl7_file_waiting() == 2
    assert filed("X1") and filed("X2") and len(receipts("X1")) == len(receipts("X2")) == 1
    assert chains_intact()


@pytest.mark.django_db
def test_the_sweep_takes_what_waited_too_long_and_leaves_fresh_ones_to_the_filer(org: Organization) -> None:
    bob(org)
    accept("OLD", "FRESH", "STUCK")
    long_ago = timezone.now() - QUEUED_TOO_LONG - timedelta(seconds=5)
    InboundMessage.objects.filter(control_id__in=["OLD", "STUCK"]).update(received_at=long_ago)
    InboundMessage.objects.filter(control_id="STUCK").update(status=InboundStatus.RECEIVED)  # a failed filing
    InboundMessage.objects.filter(control_id="FRESH").update(
        received_at=timezone.now() - QUEUED_TOO_LONG + timedelta(seconds=30))
    assert hl7_file_pending() == 2
    assert filed("OLD") and filed("STUCK") and status("FRESH") == InboundStatus.QUEUED
    assert len(receipts("OLD")) == 1 and receipts("FRESH") == []
    assert receipts("STUCK") == []  # set received by hand here: its receipt is not the sweep's to write
    assert hl7_file_pending() == 0
    assert queue.hl7_file_waiting() == 1 and filed("FRESH")


@pytest.mark.django_db
def test_the_plan_made_before_the_transaction_is_the_one_filed(org: Organization, monkeypatch: pytest.MonkeyPatch,
                                                              plans_filed: list[FilingPlan | None]) -> None:
    bob(org)
    accept("PL1", "PL2")
    made: list[FilingPlan] = []
    real_plan = queue.plan_filing
    depth = len(django.db.connection.atomic_blocks)  # the test's own

    def planning(**kwargs: Any) -> FilingPlan:
        assert len(django.db.connection.atomic_blocks) == depth  # before the filer's transaction
        made.append(real_plan(**kwargs))
        return made[-1]

    monkeypatch.setattr(queue, "plan_filing", planning)
    assert queue.hl7_file_waiting() == 2
    assert len(made) == 1 and plans_filed == [made[0]]
    assert [m.control_id for m, _ in made[0].results.messages] == ["PL1", "PL2"]
    assert filed("PL1") and filed("PL2")
    assert chains_intact()


@pytest.mark.django_db
def test_when_planning_fails_the_messages_are_planned_again_and_filed(
        org: Organization, monkeypatch: pytest.MonkeyPatch, plans_filed: list[FilingPlan | None]) -> None:
    bob(org)
    accept("NP1", "NP2")

    def broken(**kwargs: Any) -> FilingPlan:
        raise RuntimeError("routing configuration unreadable")

    monkeypatch.setattr(queue, "plan_filing", broken)
    assert queue.hl7_file_waiting() == 2
    assert plans_filed == [None]  # planned inside, by hl7_file_claimed
    assert filed("NP1") and filed("NP2")
    assert len(receipts("NP1")) == len(receipts("NP2")) == 1
    assert chains_intact()


@pytest.mark.django_db
def test_run_filer_files_everything_group_after_group_then_waits(org: Organization,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept(*[f"G{n}" for n in range(5)])
    monkeypatch.setattr(queue, "GROUP", 2)
    monkeypatch.setattr(queue, "GATHER", 0.0)
    taken: list[int] = []
    real = queue.hl7_file_waiting

    def counting(**kwargs: Any) -> int:  # groups of GROUP (its default was bound when it was defined)
        taken.append(real(limit=2, **kwargs))
        return taken[-1]

    monkeypatch.setattr(queue, "hl7_file_waiting", counting)
    waits: list[float] = []
    queue.run_filer(waits.append, running=lambda: not waits)
    assert taken == [2, 2, 1, 0] and waits == [queue.IDLE]
    assert all(filed(f"G{n}") and len(receipts(f"G{n}")) == 1 for n in range(5))


@pytest.mark.django_db
def test_run_filer_goes_on_after_a_failed_pass(org: Organization, monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept(*[f"Y{n}" for n in range(3)])
    monkeypatch.setattr(queue, "GATHER", 0.0)
    closed: list[bool] = []
    monkeypatch.setattr(django.db.connections, "close_all", lambda: closed.append(True))  # keeps the test's
    real = queue.hl7_file_waiting
    calls: list[int] = []

    def flaky(**kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise django.db.OperationalError("server closed the connection")
        return real(**kwargs)

    monkeypatch.setattr(queue, "hl7_file_waiting", flaky)
    slept: list[float] = []
    monkeypatch.setattr(queue, "time", SimpleNamespace(sleep=slept.append))
    waits: list[float] = []
    queue.run_filer(waits.append, running=lambda: len(waits) < 2)
    # After the failure a pause (not a wait a wake-up would end at once), then it files, then it waits.
    assert closed == [True] and len(calls) == 4 and waits == [queue.IDLE, queue.IDLE]
    assert slept[0] == queue.IDLE
    assert all(filed(f"Y{n}") for n in range(3))


def test_run_filer_pauses_longer_while_filing_keeps_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(django.db.connections, "close_all", lambda: None)

    def down(**kwargs: Any) -> int:
        raise django.db.OperationalError("could not connect to server")

    monkeypatch.setattr(queue, "hl7_file_waiting", down)
    slept: list[float] = []
    monkeypatch.setattr(queue, "time", SimpleNamespace(sleep=slept.append))
    queue.run_filer(lambda timeout: None, running=lambda: len(slept) < 6)
    assert slept == [1.0, 2.0, 4.0, 8.0, queue.BACKOFF_LIMIT, queue.BACKOFF_LIMIT]


def test_a_group_holds_so_many_bytes_at_most_and_always_one_message(org: Organization,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bob(org)
    accept("B1", "B2", "B3")
    size = len(bytes(InboundMessage.objects.get(control_id="B1").raw))
    monkeypatch.setattr(queue, "GROUP_BYTES", 2 * size)  # two messages' worth
    assert queue.hl7_file_waiting() == 2
    assert filed("B1") and filed("B2") and not filed("B3")
    monkeypatch.setattr(queue, "GROUP_BYTES", 1)  # less than one message: that one all the same
    assert queue.hl7_file_waiting() == 1
    assert filed("B3")
