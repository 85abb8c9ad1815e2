"""Who is calling: the token's user, as an audit Actor, with the practice the data is scoped to."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from clinicdesk.audit.models import Action, Outcome
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.fhir.errors import forbidden
from clinicdesk.fhir.http import base_url
from clinicdesk.staff.models import User

API_PERMISSION = "staff.use_api"


@dataclass(frozen=True)
class Ctx:
    request: HttpRequest
    user: User
    actor: Actor
    organization_id: int

    @property
    def base(self) -> str:
        return base_url(self.request)

    def has_perm(self, perm: str) -> bool:
        return self.user.has_perm(perm)


def actor_for(request: HttpRequest, user: User) -> Actor:
    return Actor(user=user, ip=request.META.get("REMOTE_ADDR") or None, via="fhir", role=user.primary_role)


def deny(actor: Actor, perm: str, object_type: str = "") -> None:
    """Record the refusal and raise 403, as the patient access functions do."""
    audit_record(actor=actor, action=Action.DENIED, object_type=object_type, outcome=Outcome.DENIED,
                 detail={"permission": perm})
    raise forbidden(f"Your role does not allow this ({perm}).")


def context_for(request: HttpRequest, user: User) -> Ctx:
    """The caller's context; 403 unless the user belongs to a practice and may use the API."""
    actor = actor_for(request, user)
    if user.organization_id is None or not user.has_perm(API_PERMISSION):
        deny(actor, API_PERMISSION)
    assert user.organization_id is not None
    return Ctx(request=request, user=user, actor=actor, organization_id=user.organization_id)


def require(ctx: Ctx, perm: str | None, object_type: str = "") -> None:
    if perm and not ctx.has_perm(perm):
        deny(ctx.actor, perm, object_type)
