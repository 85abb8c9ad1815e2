"""The one way to write audit events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from clinicdesk.audit.chain import event_hash
from clinicdesk.audit.models import AuditEvent, ChainHead, Outcome

if TYPE_CHECKING:
    from clinicdesk.staff.models import User


@dataclass(frozen=True)
class Actor:
    """Who is acting, from where and through which door; passed to every service."""

    user: User | None
    ip: str | None = None
    via: str = "web"
    role: str = field(default="")

    @classmethod
    def from_request(cls, request: HttpRequest, via: str = "web") -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip=request.META.get("REMOTE_ADDR") or None, via=via,
                   role=user.primary_role if user else "")

    @classmethod
    def system(cls, via: str = "cli") -> Actor:
        return cls(user=None, via=via, role="system")

    @property
    def organization_id(self) -> int | None:
        return self.user.organization_id if self.user else None


@dataclass(frozen=True)
class Entry:
    action: str
    object_type: str = ""
    object_id: str = ""
    patient_id: int | None = None
    outcome: str = Outcome.SUCCESS
    detail: dict[str, Any] = field(default_factory=dict)


def chain_name(organization_id: int | None) -> str:
    return f"org:{organization_id}" if organization_id else "system"


def _stored_ip(ip: str | None) -> str | None:
    """The address as the database keeps it (IPv6 compressed and lower-cased, as GenericIPAddressField
    saves it), so the hash is computed over what will be read back when the chain is verified."""
    if ip and ":" in ip:
        try:
            return clean_ipv6_address(ip)
        except ValidationError:
            return ip
    return ip or None


def audit_record(*, actor: Actor, action: str, object_type: str = "", object_id: object = "",
                 patient_id: int | None = None, outcome: str = Outcome.SUCCESS,
                 detail: dict[str, Any] | None = None, organization_id: int | None = None) -> None:
    entry = Entry(action=action, object_type=object_type, object_id=str(object_id or ""),
                  patient_id=patient_id, outcome=outcome, detail=detail or {})
    audit_record_many(actor=actor, entries=[entry], organization_id=organization_id)


def audit_record_many(*, actor: Actor, entries: Sequence[Entry], organization_id: int | None = None) -> None:
    """Append the entries to the organization's chain, in one transaction (joins the caller's)."""
    if not entries:
        return
    org_id = organization_id if organization_id is not None else actor.organization_id
    chain = chain_name(org_id)
    now = timezone.now()
    ip = _stored_ip(actor.ip)
    with transaction.atomic():
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(chain=chain)
        rows = []
        for entry in entries:
            fields: dict[str, Any] = {
                "chain": chain, "seq": head.seq + 1, "at": now, "organization_id": org_id,
                "user_id": actor.user.pk if actor.user else None,
                "username": actor.user.get_username() if actor.user else actor.role,
                "role": actor.role, "action": entry.action, "object_type": entry.object_type,
                "object_id": entry.object_id, "patient_id": entry.patient_id, "ip": ip,
                "via": actor.via, "outcome": entry.outcome, "detail": entry.detail,
            }
            digest = event_hash(head.hash, fields)
            rows.append(AuditEvent(prev_hash=head.hash, hash=digest, **fields))
            head.seq, head.hash = head.seq + 1, digest
        AuditEvent.objects.bulk_create(rows)
        head.save(update_fields=["seq", "hash"])
