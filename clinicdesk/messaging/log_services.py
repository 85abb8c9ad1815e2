"""Writes to the delivery log after the first attempt: staff "retry now", the provider's delivery reports, bounces.

A delivery report only moves a message forward: ``sent`` → ``delivered``, ``sent``/``delivered`` → ``failed`` or
``bounced`` (a carrier may report "undelivered" after "delivered" to the handset network). The same report twice
changes nothing and is not audited twice; a report for a message we do not know is ignored (and said so).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Outcome
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import _enqueue_after_commit

RETRYABLE = (MessageStatus.FAILED, MessageStatus.NOT_SENT, MessageStatus.BOUNCED)
_FORWARD: dict[str, tuple[str, ...]] = {
    MessageStatus.DELIVERED: (MessageStatus.SENT,),
    MessageStatus.FAILED: (MessageStatus.SENT, MessageStatus.DELIVERED),
    MessageStatus.BOUNCED: (MessageStatus.SENT, MessageStatus.DELIVERED),
}


def message_retry(*, actor: Actor, message: OutboundMessage) -> OutboundMessage:
    """Queue a failed, bounced or not-sent message again, due now, with a fresh set of attempts. The reason it did
    not go out is checked again at delivery (consent, the appointment, the server)."""
    with transaction.atomic():
        current = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if current.status not in RETRYABLE:
            raise ValidationError(f"This message is {current.get_status_display().lower()}; only failed, bounced "
                                  "or not-sent messages can be sent again.")
        before = {"status": current.status, "attempts": current.attempts,
                  "error": current.last_error or current.status_reason}
        now = timezone.now()
        current.status, current.attempts, current.next_attempt_at = MessageStatus.QUEUED, 0, now
        current.status_reason, current.claimed_at, current.updated_at = "", None, now
        current.save(update_fields=["status", "attempts", "next_attempt_at", "status_reason", "claimed_at",
                                    "updated_at"])
        audit_record(actor=actor, action="message.retry", object_type="OutboundMessage", object_id=current.pk,
                     patient_id=current.patient_id, organization_id=current.organization_id, detail=before)
        _enqueue_after_commit(current.pk)
    return current


def message_report(*, actor: Actor, message: OutboundMessage, status: str, error: str = "") -> bool:
    """Apply one delivery report to ``message``; True if it changed the message."""
    allowed_from = _FORWARD.get(status)
    if allowed_from is None:
        raise ValueError(f"not a delivery outcome: {status!r}")
    now = timezone.now()
    changes: dict[str, object] = {"status": status, "updated_at": now}
    if error:
        changes["last_error"] = error[:2000]
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(pk=message.pk, status__in=allowed_from).update(**changes)
        if changed:
            audit_record(actor=actor, action=f"message.{status}", object_type="OutboundMessage",
                         object_id=message.pk, patient_id=message.patient_id, organization_id=message.organization_id,
                         outcome=Outcome.SUCCESS if status == MessageStatus.DELIVERED else Outcome.FAILURE,
                         detail={"reported_by": actor.via, **({"error": error[:500]} if error else {})})
    return bool(changed)


def message_report_by_provider_id(*, actor: Actor, provider_id: str, status: str, error: str = "") -> str:
    """A provider's report, found by the id it gave the message: "changed", "unchanged" or "unknown"."""
    if not provider_id:
        return "unknown"
    messages = list(OutboundMessage.objects.filter(provider_message_id=provider_id)[:2])
    if len(messages) != 1:
        return "unknown"
    return "changed" if message_report(actor=actor, message=messages[0], status=status, error=error) else "unchanged"
