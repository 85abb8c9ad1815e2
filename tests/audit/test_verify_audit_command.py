"""``clinicdesk verify_audit``."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from clinicdesk.audit.models import AuditEvent
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.practice.models import Organization

Write = Callable[[int], list[AuditEvent]]


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_intact_trail_is_reported_with_its_size(org: Organization, write_events: Write) -> None:
    write_events(3)
    audit_record(actor=Actor.system(), action="login_failed")
    out, err = run()
    assert out.strip() == f"audit trail intact: {AuditEvent.objects.count()} events in 2 chains"
    assert err == ""


def test_an_empty_trail_is_intact(db: Any) -> None:
    assert run()[0].strip() == "audit trail intact: 0 events in 0 chains"


def test_a_broken_trail_prints_each_break_and_fails(
        org: Organization, write_events: Write, without_append_only_trigger: None) -> None:
    events = write_events(4)
    AuditEvent.objects.filter(pk=events[0].pk).update(action="export")
    AuditEvent.objects.filter(pk=events[2].pk).update(username="mallory")
    err = StringIO()
    with pytest.raises(CommandError, match=r"audit trail broken: 2 break\(s\) in 1 of 1 chains"):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        f"org:{org.pk} event {events[0].seq}: content was altered after it was written",
        f"org:{org.pk} event {events[2].seq}: content was altered after it was written",
    ]


def test_a_broken_trail_exits_non_zero_from_the_command_line(
        org: Organization, write_events: Write, without_append_only_trigger: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(2)
    AuditEvent.objects.filter(pk=events[1].pk).update(username="mallory")
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["clinicdesk", "verify_audit", "--skip-checks"]).execute()
    assert exc.value.code == 1
    assert "audit trail broken: 1 break(s) in 1 of 1 chains" in capsys.readouterr().err
