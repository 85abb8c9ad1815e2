"""Locking a user name after repeated failed logins (login_failed, login_is_locked, login_succeeded)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clinicdesk.audit.models import Action, AuditEvent, Outcome
from clinicdesk.staff.models import LoginFailure, User
from clinicdesk.staff.services import login_failed, login_is_locked, login_succeeded
from tests.conftest import actor_for


@pytest.fixture(autouse=True)
def lockout_after_three(settings: Any) -> None:
    settings.CLINICDESK_LOCKOUT_FAILURES = 3
    settings.CLINICDESK_LOCKOUT_MINUTES = 15


def fail(username: str, times: int, ip: str | None = "198.51.100.4") -> None:
    for _ in range(times):
        login_failed(username=username, ip=ip)


def test_a_user_name_is_locked_after_the_configured_number_of_failures(frontdesk: User) -> None:
    fail(frontdesk.username, 2)
    assert not login_is_locked(frontdesk.username)
    fail(frontdesk.username, 1)
    assert login_is_locked(frontdesk.username)


def test_the_lock_ignores_the_case_of_the_user_name(frontdesk: User) -> None:
    fail(frontdesk.username.upper(), 3)
    assert login_is_locked(frontdesk.username)


def test_failures_for_one_user_name_do_not_lock_another(frontdesk: User, billing: User) -> None:
    fail(frontdesk.username, 5)
    assert not login_is_locked(billing.username)


def test_failures_older_than_the_window_do_not_count(frontdesk: User) -> None:
    fail(frontdesk.username, 3)
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert not login_is_locked(frontdesk.username)
    fail(frontdesk.username, 2)
    assert not login_is_locked(frontdesk.username)


def test_a_successful_login_clears_the_failures(frontdesk: User) -> None:
    fail(frontdesk.username, 2)
    login_succeeded(actor=actor_for(frontdesk))
    fail(frontdesk.username, 2)
    assert not login_is_locked(frontdesk.username)
    assert LoginFailure.objects.count() == 2


def test_a_failure_is_audited_on_the_users_practice_chain(frontdesk: User) -> None:
    fail(frontdesk.username, 3, ip="198.51.100.4")
    events = list(AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("seq"))
    assert [e.detail["locked"] for e in events] == [False, False, True]
    assert {(e.outcome, e.ip, e.object_id, e.organization_id, e.user_id) for e in events} == {
        (Outcome.FAILURE, "198.51.100.4", str(frontdesk.pk), frontdesk.organization_id, None)}


def test_a_failure_for_an_unknown_user_name_goes_to_the_system_chain(db: Any) -> None:
    fail("nobody-here", 1, ip=None)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.chain, event.object_id, event.detail) == ("system", "", {"username": "nobody-here", "locked": False})
    assert login_is_locked("nobody-here") is False


def test_a_successful_login_is_audited(frontdesk: User) -> None:
    login_succeeded(actor=actor_for(frontdesk))
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert (event.user_id, event.object_id, event.outcome) == (frontdesk.pk, str(frontdesk.pk), Outcome.SUCCESS)
