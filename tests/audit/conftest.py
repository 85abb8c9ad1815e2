"""Helpers to tamper with the audit table the way an attacker with database access would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.practice.models import Organization

DROP_TRIGGER = {
    "sqlite": ["DROP TRIGGER audit_event_no_update"],
    "postgresql": ["DROP TRIGGER audit_event_no_change ON audit_auditevent"],
}


@pytest.fixture
def without_append_only_trigger(db: Any) -> Iterator[None]:
    """Drop the append-only trigger inside the test's transaction; the rollback at the end of the
    test brings it back (DDL is transactional on both SQLite and PostgreSQL)."""
    with connection.cursor() as cursor:
        for sql in DROP_TRIGGER[connection.vendor]:
            cursor.execute(sql)
    yield


@pytest.fixture
def write_events(org: Organization) -> Callable[[int], list[AuditEvent]]:
    """Append n events to the practice's chain and return them in seq order."""

    def write(n: int) -> list[AuditEvent]:
        for i in range(n):
            audit_record(actor=Actor.system(via="test"), action="view", object_type="Patient",
                         object_id=1000 + i, patient_id=1000 + i, organization_id=org.pk, detail={"i": i})
        return list(AuditEvent.objects.filter(organization_id=org.pk).order_by("-seq")[:n])[::-1]

    return write
