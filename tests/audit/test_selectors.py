"""Reading and verifying the audit trail (clinicdesk.audit.selectors)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.selectors import AuditFilter, audit_events, audit_verify_all
from clinicdesk.audit.services import Actor, audit_record, chain_name
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for


def test_the_trail_of_a_practice_is_newest_first_and_only_its_own(frontdesk: User, outsider: User) -> None:
    audit_record(actor=actor_for(frontdesk), action=Action.VIEW, patient_id=1)
    audit_record(actor=actor_for(outsider), action=Action.VIEW, patient_id=2)
    audit_record(actor=actor_for(frontdesk), action=Action.VIEW, patient_id=3)
    events = list(audit_events(AuditFilter(organization_id=frontdesk.organization_id)))
    assert {e.organization_id for e in events} == {frontdesk.organization_id}
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)
    assert [e.patient_id for e in events if e.action == Action.VIEW] == [3, 1]


def test_the_trail_filters_by_user_patient_and_action(frontdesk: User, clinician: User) -> None:
    audit_record(actor=actor_for(frontdesk), action=Action.VIEW, patient_id=1)
    audit_record(actor=actor_for(clinician), action=Action.VIEW, patient_id=1)
    audit_record(actor=actor_for(clinician), action=Action.EXPORT, patient_id=1)
    audit_record(actor=actor_for(clinician), action=Action.VIEW, patient_id=2)
    org_id = frontdesk.organization_id

    def found(**criteria: Any) -> list[tuple[str, str, int | None]]:
        return [(e.username, e.action, e.patient_id) for e in audit_events(AuditFilter(org_id, **criteria))]

    assert found(username=clinician.username, patient_id=1) == [
        (clinician.username, "export", 1), (clinician.username, "view", 1)]
    assert found(action="export") == [(clinician.username, "export", 1)]
    assert found(username=frontdesk.username, action="view") == [(frontdesk.username, "view", 1)]
    assert found(patient_id=2) == [(clinician.username, "view", 2)]


def test_the_trail_filters_by_time_with_an_exclusive_end(frontdesk: User) -> None:
    audit_record(actor=actor_for(frontdesk), action=Action.VIEW, patient_id=1)
    event = AuditEvent.objects.get(action=Action.VIEW)
    org_id = frontdesk.organization_id
    assert list(audit_events(AuditFilter(org_id, action="view", since=event.at))) == [event]
    assert list(audit_events(AuditFilter(org_id, action="view", until=event.at))) == []
    assert list(audit_events(AuditFilter(org_id, action="view", until=event.at + timedelta(microseconds=1)))) == [event]
    assert list(audit_events(AuditFilter(org_id, action="view", since=timezone.now() + timedelta(seconds=1)))) == []


def test_the_trail_of_no_practice_is_the_system_chain(db: Any) -> None:
    audit_record(actor=Actor.system(), action=Action.LOGIN_FAILED)
    assert [e.chain for e in audit_events(AuditFilter(organization_id=None))] == ["system"]


def test_verify_reports_every_chain_and_no_breaks_when_intact(
        frontdesk: User, outsider: User, write_events: Callable[[int], list[AuditEvent]]) -> None:
    write_events(5)
    audit_record(actor=actor_for(outsider), action=Action.VIEW)
    audit_record(actor=Actor.system(), action=Action.LOGIN_FAILED)
    result = audit_verify_all()
    assert {chain_name(frontdesk.organization_id), chain_name(outsider.organization_id), "system"} <= set(result)
    assert all(breaks == [] for breaks in result.values())


def test_verify_walks_a_chain_longer_than_one_fetch(org: Organization) -> None:
    from clinicdesk.audit.services import Entry, audit_record_many

    audit_record_many(actor=Actor.system(), organization_id=org.pk,
                      entries=[Entry(action=Action.SEARCH_HIT, patient_id=n) for n in range(2500)])
    assert audit_verify_all()[chain_name(org.pk)] == []


def test_verify_of_an_empty_database_is_empty(db: Any) -> None:
    assert audit_verify_all() == {}
