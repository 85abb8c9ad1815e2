"""The audit table refuses changes in the database, and the hash chain catches what gets through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import chain_name
from clinicdesk.practice.models import Organization

Write = Callable[[int], list[AuditEvent]]


def test_an_update_through_the_orm_is_refused_by_the_database(write_events: Write) -> None:
    event = write_events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="mallory")
    assert AuditEvent.objects.get(pk=event.pk).username == event.username


def test_saving_a_changed_event_is_refused_by_the_database(write_events: Write) -> None:
    event = write_events(1)[0]
    event.detail = {"purpose": "nothing to see"}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()


def test_a_raw_sql_update_is_refused_by_the_database(write_events: Write) -> None:
    event = write_events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'view' WHERE id = %s", [event.pk])


def test_a_delete_is_refused_on_postgresql_and_caught_by_the_chain_on_sqlite(org: Organization,
                                                                           write_events: Write) -> None:
    event = write_events(1)[0]
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()
    else:
        AuditEvent.objects.filter(pk=event.pk).delete()
        assert audit_verify_all()[chain_name(org.pk)] != []


def test_with_the_trigger_dropped_an_altered_row_is_reported(
        org: Organization, write_events: Write, without_append_only_trigger: None) -> None:
    events = write_events(4)
    AuditEvent.objects.filter(pk=events[1].pk).update(username="mallory")
    breaks = audit_verify_all()[chain_name(org.pk)]
    assert [(b.seq, b.reason) for b in breaks] == [(events[1].seq, "content was altered after it was written")]


def test_with_the_trigger_dropped_an_altered_and_rehashed_row_is_reported_at_the_next(
        org: Organization, write_events: Write, without_append_only_trigger: None) -> None:
    from clinicdesk.audit.chain import event_hash

    events = write_events(3)
    forged = AuditEvent.objects.values().get(pk=events[0].pk)
    forged["detail"] = {"i": 99}
    AuditEvent.objects.filter(pk=events[0].pk).update(detail=forged["detail"],
                                                      hash=event_hash(forged["prev_hash"], forged))
    breaks = audit_verify_all()[chain_name(org.pk)]
    assert [b.seq for b in breaks] == [events[1].seq]


def test_with_the_trigger_dropped_a_deleted_middle_row_is_reported(
        org: Organization, write_events: Write, without_append_only_trigger: None) -> None:
    events = write_events(3)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    breaks = audit_verify_all()[chain_name(org.pk)]
    assert breaks[0].seq == events[2].seq
    assert breaks[0].reason == f"events {events[1].seq}–{events[1].seq} are missing"


def test_a_deleted_middle_row_is_reported(org: Organization, write_events: Write,
                                          without_append_only_trigger: None) -> None:
    events = write_events(5)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    breaks = audit_verify_all()[chain_name(org.pk)]
    assert {b.seq for b in breaks} == {events[3].seq}
    assert "missing" in breaks[0].reason


def test_a_deleted_last_row_is_reported(org: Organization, write_events: Write,
                                        without_append_only_trigger: None) -> None:
    events = write_events(3)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    breaks = audit_verify_all()[chain_name(org.pk)]
    assert [b.seq for b in breaks] == [events[-1].seq]


def test_the_trigger_is_back_after_a_test_that_dropped_it(write_events: Write) -> None:
    # Runs after the tests above in file order: their DROP TRIGGER was rolled back with them.
    event = write_events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(username="mallory")


def test_a_chain_head_cannot_be_rewound_to_hide_removed_events(org: Organization, write_events: Write) -> None:
    from clinicdesk.audit.models import ChainHead

    write_events(3)
    with pytest.raises(DatabaseError, match="only move forward"), transaction.atomic():
        ChainHead.objects.filter(chain=chain_name(org.pk)).update(seq=1)
    assert ChainHead.objects.get(chain=chain_name(org.pk)).seq == 3
