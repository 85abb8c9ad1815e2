"""Writing audit events (clinicdesk.audit.services)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test import RequestFactory

from clinicdesk.audit.chain import GENESIS
from clinicdesk.audit.models import Action, AuditEvent, ChainHead, Outcome
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import (
    Actor,
    Entry,
    audit_record,
    audit_record_many,
    chain_name,
    strand_names,
)
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for


def chain_events(chain: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain=chain).order_by("seq"))


def test_each_practice_has_its_own_chain_and_the_system_has_one_too() -> None:
    assert chain_name(7) == "org:7"
    assert chain_name(None) == "system"


def test_events_get_consecutive_sequence_numbers_that_link_by_hash(frontdesk: User) -> None:
    actor = actor_for(frontdesk)
    for n in range(4):
        audit_record(actor=actor, action=Action.VIEW, object_type="Patient", object_id=n, patient_id=n)
    events = chain_events(chain_name(frontdesk.organization_id))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    head = ChainHead.objects.get(chain=chain_name(frontdesk.organization_id))
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_practices_number_their_events_independently(frontdesk: User, outsider: User) -> None:
    for user in (frontdesk, outsider, frontdesk):
        audit_record(actor=actor_for(user), action=Action.VIEW, object_type="Patient", object_id=1)
    ours = chain_events(chain_name(frontdesk.organization_id))
    theirs = chain_events(chain_name(outsider.organization_id))
    assert ours and theirs
    assert {e.organization_id for e in ours} == {frontdesk.organization_id}
    assert {e.organization_id for e in theirs} == {outsider.organization_id}
    assert [e.seq for e in ours] == list(range(1, len(ours) + 1))
    assert [e.seq for e in theirs] == list(range(1, len(theirs) + 1))
    assert ours[0].prev_hash == theirs[0].prev_hash == GENESIS


def test_an_event_records_who_from_where_and_through_which_door(frontdesk: User) -> None:
    audit_record(actor=Actor(user=frontdesk, ip="10.0.0.7", via="api", role="frontdesk"), action=Action.EXPORT,
                 object_type="Patient", object_id=42, patient_id=42, detail={"format": "pdf"})
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.user_id == frontdesk.pk
    assert event.username == frontdesk.username
    assert event.role == "frontdesk"
    assert event.ip == "10.0.0.7"
    assert event.via == "api"
    assert event.organization_id == frontdesk.organization_id
    assert (event.object_type, event.object_id, event.patient_id) == ("Patient", "42", 42)
    assert event.outcome == Outcome.SUCCESS
    assert event.detail == {"format": "pdf"}


def test_a_system_actor_without_a_practice_writes_to_the_system_chain(db: Any) -> None:
    audit_record(actor=Actor.system(), action=Action.LOGIN_FAILED, outcome=Outcome.FAILURE)
    event = AuditEvent.objects.get(chain="system")
    assert event.user_id is None
    assert event.username == "system"
    assert event.role == "system"
    assert event.via == "cli"
    assert event.organization_id is None
    assert event.outcome == Outcome.FAILURE


def test_an_explicit_organization_overrides_the_actors(frontdesk: User, other_org: Organization) -> None:
    audit_record(actor=actor_for(frontdesk), action=Action.VIEW, organization_id=other_org.pk)
    event = AuditEvent.objects.filter(chain=chain_name(other_org.pk)).get(action=Action.VIEW)
    assert event.organization_id == other_org.pk
    assert event.user_id == frontdesk.pk


def test_a_missing_object_id_is_stored_blank() -> None:
    assert Entry(action=Action.VIEW).object_id == ""


@pytest.mark.django_db
def test_object_ids_of_any_type_are_stored_as_text() -> None:
    audit_record(actor=Actor.system(), action=Action.VIEW, object_id=None)
    audit_record(actor=Actor.system(), action=Action.VIEW, object_id=12345)
    assert [e.object_id for e in chain_events("system")] == ["", "12345"]


def test_many_entries_are_appended_in_order_with_one_timestamp(frontdesk: User) -> None:
    chain = chain_name(frontdesk.organization_id)
    before = ChainHead.objects.get(chain=chain).seq
    entries = [Entry(action=Action.SEARCH_HIT, object_type="Patient", object_id=str(n), patient_id=n)
               for n in (5, 3, 9)]
    audit_record_many(actor=actor_for(frontdesk), entries=entries)
    written = [e for e in chain_events(chain) if e.seq > before]
    assert [(e.seq, e.patient_id) for e in written] == [(before + 1, 5), (before + 2, 3), (before + 3, 9)]
    assert len({e.at for e in written}) == 1
    assert audit_verify_all()[chain] == []


def test_no_entries_write_nothing(frontdesk: User) -> None:
    count = AuditEvent.objects.count()
    audit_record_many(actor=actor_for(frontdesk), entries=[])
    assert AuditEvent.objects.count() == count


def test_events_roll_back_with_the_callers_transaction_and_the_chain_stays_whole(frontdesk: User) -> None:
    chain = chain_name(frontdesk.organization_id)
    head_before = ChainHead.objects.values_list("seq", "hash").get(chain=chain)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=actor_for(frontdesk), action=Action.UPDATE, object_type="Patient", object_id=1)
        raise RuntimeError("the change failed")
    assert ChainHead.objects.values_list("seq", "hash").get(chain=chain) == head_before
    audit_record(actor=actor_for(frontdesk), action=Action.UPDATE, object_type="Patient", object_id=1)
    assert audit_verify_all()[chain] == []


@pytest.mark.parametrize("ip", ["127.0.0.1", "::1", "2001:0DB8:0000:0000:0000:0000:0000:0001", "::ffff:10.0.0.1", None])
def test_the_chain_holds_for_any_spelling_of_the_ip_address(frontdesk: User, ip: str | None) -> None:
    audit_record(actor=Actor(user=frontdesk, ip=ip, role="frontdesk"), action=Action.VIEW, object_id=1)
    assert audit_verify_all()[chain_name(frontdesk.organization_id)] == []


def test_the_chain_holds_for_details_with_nested_and_unicode_values(
        frontdesk: User, write_events: Callable[[int], list[AuditEvent]]) -> None:
    detail = {"changed": {"family_name": {"from": "Zoë", "to": "Zoe"}}, "n": [1, 2.5, None, True], "z": "李"}
    audit_record(actor=actor_for(frontdesk), action=Action.UPDATE, object_id=1, detail=detail)
    assert AuditEvent.objects.get(action=Action.UPDATE).detail == detail
    assert audit_verify_all()[chain_name(frontdesk.organization_id)] == []


def test_an_actor_from_a_request_carries_the_user_role_and_address(manager: User) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.user = manager
    actor = Actor.from_request(request, via="web")
    assert actor.user == manager
    assert actor.ip == "192.0.2.10"
    assert actor.role == "manager"
    assert actor.organization_id == manager.organization_id


def test_an_actor_from_an_anonymous_request_has_no_user_or_practice(db: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="")
    request.user = AnonymousUser()
    actor = Actor.from_request(request)
    assert actor.user is None
    assert actor.ip is None
    assert actor.role == ""
    assert actor.organization_id is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_still_get_consecutive_sequence_numbers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    org = Organization.objects.create(name="Busy Practice")

    def writer(n: int) -> None:
        try:
            for i in range(15):
                audit_record(actor=Actor.system(via="test"), action=Action.VIEW, object_id=f"{n}-{i}",
                             organization_id=org.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))
    strands = {name: chain_events(name) for name in strand_names(org.pk)}
    used = {name: events for name, events in strands.items() if events}
    assert sum(len(events) for events in used.values()) == 60
    assert sorted(e.object_id for events in used.values() for e in events) == sorted(
        f"{n}-{i}" for n in range(4) for i in range(15))
    verified = audit_verify_all()
    for name, events in used.items():  # each strand: consecutive from 1, intact, head at its last event
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert verified[name] == []
    if connection.vendor == "sqlite":  # one writer at a time: one strand
        assert list(used) == [chain_name(org.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_a_strand_does_not_block_another_writer() -> None:
    """PostgreSQL: while one transaction holds the first strand, another appends to the second without waiting.
    SQLite runs one writer at a time: the other waits for the commit and both land in the one strand."""
    import threading

    org = Organization.objects.create(name="Two Desks")
    audit_record(actor=Actor.system(via="test"), action=Action.VIEW, object_id="first", organization_id=org.pk)
    holding, done = threading.Event(), threading.Event()

    def other() -> None:
        try:
            holding.wait(10)
            audit_record(actor=Actor.system(via="test"), action=Action.VIEW, object_id="other",
                         organization_id=org.pk)
            done.set()
        finally:
            connection.close()

    postgres = connection.vendor == "postgresql"
    thread = threading.Thread(target=other)
    thread.start()
    with transaction.atomic():
        audit_record(actor=Actor.system(via="test"), action=Action.VIEW, object_id="held", organization_id=org.pk)
        holding.set()
        finished_inside = done.wait(10 if postgres else 0.5)
    thread.join()
    first, second = (chain_events(name) for name in strand_names(org.pk)[:2])
    if postgres:
        assert finished_inside, "the second writer waited for the first to commit"
        assert [e.object_id for e in first] == ["first", "held"]
        assert [(e.seq, e.object_id) for e in second] == [(1, "other")]
    else:
        assert not finished_inside
        assert [e.object_id for e in first] == ["first", "held", "other"]
        assert second == []
    assert all(not breaks for breaks in audit_verify_all().values())
