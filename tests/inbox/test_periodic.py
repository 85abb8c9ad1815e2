"""The every-minute sweep runs the other apps' periodic jobs (lab filing retries, inbox escalation)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

calls: list[str] = []


def record() -> int:
    calls.append("ran")
    return 3


def explode() -> int:
    raise RuntimeError("boom")


def test_the_sweep_runs_every_listed_job_and_survives_a_failing_one(settings: Any, db: Any) -> None:
    from clinicdesk.messaging.tasks import sweep_outbox

    settings.CLINICDESK_PERIODIC_JOBS = ["tests.inbox.test_periodic.explode", "tests.inbox.test_periodic.record"]
    calls.clear()
    result = sweep_outbox.call()
    assert calls == ["ran"]
    assert result["record"] == 3


def test_lab_filing_retries_and_inbox_escalation_are_scheduled() -> None:
    assert "clinicdesk.labs.filing.hl7_file_pending" in django_settings.CLINICDESK_PERIODIC_JOBS
    assert "clinicdesk.inbox.services.inbox_escalate" in django_settings.CLINICDESK_PERIODIC_JOBS
