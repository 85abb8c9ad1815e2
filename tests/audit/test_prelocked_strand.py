"""A caller may lock the audit strand itself, in one query with its own statement (strand_lock_sql), and pass
the row to audit_record: the chain stays whole either way. The single-event write on PostgreSQL (insert and head
update in one query) keeps the chain verifiable too."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from clinicdesk.audit.models import Action, AuditEvent, ChainHead
from clinicdesk.audit.selectors import audit_verify_all
from clinicdesk.audit.services import Actor, audit_record, chain_name, strand_lock_sql
from clinicdesk.practice.models import Organization

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(via="test")


def test_the_lock_query_is_offered_on_postgresql_only(org: Organization) -> None:
    lock = strand_lock_sql(org.pk)
    if connection.vendor == "postgresql":
        assert lock is not None and "SKIP LOCKED" in lock[0]
    else:
        assert lock is None


def test_events_written_with_a_strand_locked_by_the_caller_form_one_whole_chain(org: Organization) -> None:
    audit_record(actor=SYSTEM, action=Action.VIEW, object_id="first", organization_id=org.pk)  # creates the strand
    for n in range(3):
        with transaction.atomic():
            lock = strand_lock_sql(org.pk)
            locked: Any = None
            if lock is not None:
                with connection.cursor() as cursor:
                    cursor.execute(*lock)
                    locked = cursor.fetchone()
                assert locked is not None and locked[0] == chain_name(org.pk)
            audit_record(actor=SYSTEM, action=Action.VIEW, object_id=f"pre-{n}", organization_id=org.pk,
                         locked=locked)
    events = list(AuditEvent.objects.filter(chain=chain_name(org.pk)).order_by("seq"))
    assert [(e.seq, e.object_id) for e in events] == [(1, "first"), (2, "pre-0"), (3, "pre-1"), (4, "pre-2")]
    assert ChainHead.objects.get(chain=chain_name(org.pk)).seq == 4
    assert audit_verify_all()[chain_name(org.pk)] == []


def test_with_no_free_strand_row_the_audit_finds_or_creates_one_itself(org: Organization) -> None:
    with transaction.atomic():
        audit_record(actor=SYSTEM, action=Action.VIEW, object_id="only", organization_id=org.pk, locked=None)
    assert audit_verify_all()[chain_name(org.pk)] == []


def test_single_events_keep_the_head_in_step(org: Organization) -> None:
    for n in range(5):
        audit_record(actor=SYSTEM, action=Action.VIEW, object_id=str(n), organization_id=org.pk)
    head = ChainHead.objects.get(chain=chain_name(org.pk))
    last = AuditEvent.objects.filter(chain=head.chain).order_by("-seq").first()
    assert last is not None and (head.seq, head.hash) == (last.seq, last.hash) == (5, last.hash)
    assert audit_verify_all()[head.chain] == []
