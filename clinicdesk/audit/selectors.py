"""Reading the audit trail: filtering for the manager page, and verifying the chains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from clinicdesk.audit.chain import Break, verify
from clinicdesk.audit.models import AuditEvent, ChainHead
from clinicdesk.audit.services import strand_names


@dataclass(frozen=True)
class AuditFilter:
    organization_id: int | None
    username: str = ""
    patient_id: int | None = None
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_events(f: AuditFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(chain__in=strand_names(f.organization_id))
    if f.username:
        events = events.filter(username=f.username)
    if f.patient_id:
        events = events.filter(patient_id=f.patient_id)
    if f.action:
        events = events.filter(action=f.action)
    if f.since:
        events = events.filter(at__gte=f.since)
    if f.until:
        events = events.filter(at__lt=f.until)
    return events.order_by("-at", "-id")


def audit_verify_all() -> dict[str, list[Break]]:
    """Every chain's breaks (an empty list for an intact chain)."""
    result: dict[str, list[Break]] = {}
    for head in ChainHead.objects.order_by("chain"):
        events = AuditEvent.objects.filter(chain=head.chain).order_by("seq").values()
        result[head.chain] = verify(events.iterator(chunk_size=2000), head.seq, head.hash)
    return result


def audit_event_count() -> int:
    return AuditEvent.objects.count()
