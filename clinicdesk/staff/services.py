"""Writes for staff: accounts, roles, practitioners, API tokens, login lockout."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action, Outcome
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.practice.models import Department, Location, Organization
from clinicdesk.staff.models import ApiToken, LoginFailure, Practitioner, User
from clinicdesk.staff.roles import Role

TOKEN_PREFIX = "cd_"  # noqa: S105 (a public marker, not a secret)


def user_create(*, actor: Actor, organization: Organization, username: str, password: str | None,
                roles: list[str], first_name: str = "", last_name: str = "", email: str = "") -> User:
    bad = [r for r in roles if r not in Role.values]
    if bad:
        raise ValidationError({"roles": f"Unknown role(s): {', '.join(bad)}"})
    with transaction.atomic():
        user = User(username=username, organization=organization, first_name=first_name,
                    last_name=last_name, email=email)
        if password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        audit_record(actor=actor, action=Action.CREATE, object_type="User", object_id=user.pk,
                     organization_id=organization.pk, detail={"username": username, "roles": roles})
    return user


def user_set_roles(*, actor: Actor, user: User, roles: list[str], active: bool) -> User:
    bad = [r for r in roles if r not in Role.values]
    if bad:
        raise ValidationError({"roles": f"Unknown role(s): {', '.join(bad)}"})
    with transaction.atomic():
        before = sorted(user.role_names)
        user.groups.set(Group.objects.filter(name__in=roles))
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="User", object_id=user.pk,
                     organization_id=user.organization_id,
                     detail={"roles": {"from": before, "to": sorted(roles)}, "active": active})
    return user


def practitioner_save(*, actor: Actor, practitioner: Practitioner, fields: dict[str, Any] | None = None,
                      location_ids: list[int] | None = None) -> Practitioner:
    """Create or change a practitioner (NPI check digit validated by the model)."""
    for name, value in (fields or {}).items():
        setattr(practitioner, name, value)
    practitioner.full_clean()
    _check_same_practice(practitioner, location_ids)
    with transaction.atomic():
        created = practitioner.pk is None
        practitioner.save()
        if location_ids is not None:
            practitioner.locations.set(location_ids)
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE,
                     object_type="Practitioner", object_id=practitioner.pk,
                     organization_id=practitioner.organization_id, detail={"npi": practitioner.npi})
    return practitioner


def _check_same_practice(practitioner: Practitioner, location_ids: list[int] | None) -> None:
    """The login, department and locations of a practitioner must be the practice's own."""
    org_id = practitioner.organization_id
    errors: dict[str, str] = {}
    if practitioner.user_id and not User.objects.filter(pk=practitioner.user_id, organization_id=org_id).exists():
        errors["user"] = "Choose a login of this practice."
    if practitioner.department_id and not Department.objects.filter(pk=practitioner.department_id,
                                                                    organization_id=org_id).exists():
        errors["department"] = "Choose one of this practice's departments."
    if location_ids and Location.objects.filter(pk__in=location_ids, organization_id=org_id).count() != len(
            set(location_ids)):
        errors["locations"] = "Choose among this practice's locations."
    if errors:
        raise ValidationError(errors)


def token_create(*, actor: Actor, user: User, name: str = "") -> str:
    """Issue a bearer token for ``user``; the secret is returned once and only its digest is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=secret[:10],
                                        digest=ApiToken.digest_of(secret))
        audit_record(actor=actor, action=Action.CREATE, object_type="ApiToken", object_id=token.pk,
                     organization_id=user.organization_id, detail={"user": user.username, "name": name})
    return secret


def token_authenticate(secret: str) -> User | None:
    token = (ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(secret),
                                                            revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def login_is_locked(username: str) -> bool:
    window = timezone.now() - timedelta(minutes=settings.CLINICDESK_LOCKOUT_MINUTES)
    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=window).count()
    return recent >= settings.CLINICDESK_LOCKOUT_FAILURES


def login_failed(*, username: str, ip: str | None, counted: bool = True) -> None:
    """Record a failed login; ``counted`` failures lead to the lockout (attempts while locked are not)."""
    user = User.objects.filter(username__iexact=username).first()
    with transaction.atomic():
        if counted:
            LoginFailure.objects.create(username=username[:150], ip=ip)
        audit_record(actor=Actor(user=None, ip=ip, role="anonymous"), action=Action.LOGIN_FAILED,
                     object_type="User", object_id=user.pk if user else "", outcome=Outcome.FAILURE,
                     organization_id=user.organization_id if user else None,
                     detail={"username": username[:150], "locked": login_is_locked(username)})


def login_succeeded(*, actor: Actor) -> None:
    assert actor.user is not None
    LoginFailure.objects.filter(username__iexact=actor.user.get_username()).delete()
    audit_record(actor=actor, action=Action.LOGIN, object_type="User", object_id=actor.user.pk)
