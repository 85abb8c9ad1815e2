"""API bearer tokens (token_create, token_authenticate)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.staff.models import ApiToken, User
from clinicdesk.staff.services import TOKEN_PREFIX, token_authenticate, token_create
from tests.conftest import actor_for


def test_a_new_token_authenticates_its_user(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk, name="lab interface")
    assert secret.startswith(TOKEN_PREFIX)
    assert token_authenticate(secret) == frontdesk


def test_only_a_digest_of_the_secret_is_stored(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk)
    token = ApiToken.objects.get(user=frontdesk)
    assert token.digest == ApiToken.digest_of(secret) != secret
    assert token.prefix == secret[:10]
    assert secret not in {token.digest, token.name}


def test_each_token_is_different(frontdesk: User) -> None:
    assert token_create(actor=Actor.system(), user=frontdesk) != token_create(actor=Actor.system(), user=frontdesk)


def test_creating_a_token_is_audited_without_the_secret(frontdesk: User, admin_user: User) -> None:
    secret = token_create(actor=actor_for(admin_user), user=frontdesk, name="kiosk")
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="ApiToken")
    assert (event.user_id, event.organization_id) == (admin_user.pk, frontdesk.organization_id)
    assert event.detail == {"user": frontdesk.username, "name": "kiosk"}
    assert secret not in str(event.detail)


def test_a_wrong_or_empty_secret_authenticates_nobody(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk)
    assert token_authenticate(secret + "x") is None
    assert token_authenticate(secret[:-1]) is None
    assert token_authenticate("") is None


def test_a_revoked_token_authenticates_nobody(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk)
    ApiToken.objects.filter(user=frontdesk).update(revoked_at=timezone.now())
    assert token_authenticate(secret) is None


def test_the_token_of_an_inactive_user_authenticates_nobody(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk)
    frontdesk.is_active = False
    frontdesk.save()
    assert token_authenticate(secret) is None


def test_use_is_recorded_at_most_every_five_minutes(frontdesk: User) -> None:
    secret = token_create(actor=Actor.system(), user=frontdesk)
    token_authenticate(secret)
    first_use = ApiToken.objects.get(user=frontdesk).last_used_at
    assert first_use is not None
    token_authenticate(secret)
    assert ApiToken.objects.get(user=frontdesk).last_used_at == first_use
    ApiToken.objects.filter(user=frontdesk).update(last_used_at=first_use - timedelta(minutes=6))
    token_authenticate(secret)
    renewed = ApiToken.objects.get(user=frontdesk).last_used_at
    assert renewed is not None and renewed > first_use - timedelta(minutes=1)
