"""Login, lockout, idle timeout, logout, CSRF and security headers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from tests.conftest import PASSWORD, client_for


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_correct_login_goes_to_the_patients_and_is_audited(frontdesk: Any) -> None:
    response = _login(Client(), frontdesk.username, PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", user_id=frontdesk.pk).exists()


def test_a_wrong_password_says_so_plainly(frontdesk: Any) -> None:
    response = _login(Client(), frontdesk.username, "wrong")
    assert "do not match" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", object_id=str(frontdesk.pk)).exists()


def test_repeated_failures_lock_the_account_even_with_the_right_password(frontdesk: Any) -> None:
    client = Client()
    for _ in range(settings.CLINICDESK_LOCKOUT_FAILURES):
        _login(client, frontdesk.username, "wrong")
    response = _login(client, frontdesk.username, PASSWORD)
    assert response.status_code == 200
    assert "this account is locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_manager_can_unlock_an_account(manager: Any, frontdesk: Any) -> None:
    for _ in range(settings.CLINICDESK_LOCKOUT_FAILURES):
        _login(Client(), frontdesk.username, "wrong")
    client_for(manager).post(reverse("staff:user_edit", kwargs={"user_id": frontdesk.pk}),
                             {"roles": ["frontdesk"], "active": "on", "unlock": "on"})
    assert _login(Client(), frontdesk.username, PASSWORD).status_code == 302


def test_sessions_expire_after_15_idle_minutes_by_default() -> None:
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    import importlib

    import clinicdesk.settings as production

    assert importlib.reload(production).PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_logout_is_a_post_and_is_audited(frontdesk: Any) -> None:
    client = client_for(frontdesk)
    assert client.post(reverse("logout")).status_code == 302
    assert AuditEvent.objects.filter(action="logout", user_id=frontdesk.pk).exists()
    assert client.get(reverse("patients:list")).status_code == 302


def test_forms_refuse_posts_without_a_csrf_token(frontdesk: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(frontdesk)
    response = client.post(reverse("patients:new"), {"family_name": "X"})
    assert response.status_code == 403


def test_pages_carry_security_headers(frontdesk: Any) -> None:
    response = client_for(frontdesk).get(reverse("patients:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_htmx_requests_without_a_session_are_told_to_go_to_login() -> None:
    response = Client().get(reverse("patients:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("login")


def test_an_idle_session_past_its_expiry_must_log_in_again(frontdesk: Any) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    _login(client, frontdesk.username, PASSWORD)
    assert client.get(reverse("patients:list")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date - timezone.now() <= timedelta(minutes=15)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("patients:list")).status_code == 302


def test_attempts_against_a_locked_account_do_not_extend_the_lock(frontdesk: Any) -> None:
    from clinicdesk.staff.models import LoginFailure

    for _ in range(settings.CLINICDESK_LOCKOUT_FAILURES + 3):
        _login(Client(), frontdesk.username, "wrong")
    assert LoginFailure.objects.filter(username=frontdesk.username).count() == settings.CLINICDESK_LOCKOUT_FAILURES
    assert AuditEvent.objects.filter(action="login_failed", object_id=str(frontdesk.pk)).count() == (
        settings.CLINICDESK_LOCKOUT_FAILURES + 3)
