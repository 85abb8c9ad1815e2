"""Every write to the delivery log.

Delivery is at-least-once, never "at-most-zero-and-claimed-sent": a worker claims a queued message with one
conditional UPDATE (``queued`` → ``sending``), so two workers never send it at the same time, and only the server's
acceptance marks it ``sent``. The one gap left is a worker dying after the server accepted the message but before
``sent`` was written: :func:`message_recover_stuck` re-queues it and it goes out again. Both copies carry the same
``Message-ID`` (derived from the idempotency key), so receiving servers and mail clients that de-duplicate on it
(and a person reading the two) see one message.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from clinicdesk.audit.models import Outcome
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.messaging import email, links, sms
from clinicdesk.messaging.models import Channel, MessageStatus, OutboundMessage
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.ical import patient_ics
from clinicdesk.scheduling.models import HOLDING, Appointment, Status

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
STUCK_AFTER = timedelta(minutes=10)  # far longer than one SMTP conversation with its 30 s timeouts
LOST_AFTER = timedelta(minutes=5)  # a queued, due message with no task run by then lost its task
DELIVERY_BATCH = 50  # messages per task of message_enqueue_batches: one SMTP connection, a few seconds of work
NO_SMS_PROVIDER = sms.NOT_CONFIGURED
# Answers to a text the patient sent (HELP): sent whatever their consent, as carriers require.
REPLY_TEMPLATES = frozenset({"sms.help"})
NO_EMAIL_CONSENT = "The patient has not agreed to e-mail"
NO_SMS_CONSENT = "The patient has not agreed to text messages"
APPOINTMENT_CANCELLED = "The appointment was cancelled"
APPOINTMENT_RESCHEDULED = "The appointment was rescheduled"
APPOINTMENT_NOT_HOLDING = "The appointment no longer holds its time"
APPOINTMENT_STARTED = "The appointment has already started"

_WORKER = Actor.system(via="worker")


def message_queue(*, actor: Actor, organization: Organization, patient: Patient | None, channel: str, to: str,
                  template: str, subject: str, body: str, idempotency_key: str,
                  appointment: Appointment | None = None, enqueue: bool = True) -> OutboundMessage:
    """Put a rendered message in the outbox and have it delivered after commit.

    The same ``idempotency_key`` in one practice returns the message already queued, whatever it says now: a
    retried request or a re-run reminder job never sends twice. A message about an ``appointment`` is not sent
    once that appointment is cancelled or moved, and an e-mail carries its .ics (built at delivery).
    ``enqueue=False``: the caller gives it a delivery task, e.g. many at once with :func:`message_enqueue_batches`."""
    if channel not in Channel.values:
        raise ValidationError({"channel": f"unknown channel {channel!r}"})
    if channel == Channel.EMAIL:
        validate_email(to)
    if not idempotency_key:
        raise ValidationError({"idempotency_key": "required"})
    if patient is not None and patient.organization_id != organization.pk:
        raise ValidationError({"patient": "belongs to another practice"})
    if appointment is not None and appointment.organization_id != organization.pk:
        raise ValidationError({"appointment": "belongs to another practice"})
    existing = OutboundMessage.objects.filter(organization=organization, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    message = OutboundMessage(organization=organization, patient=patient, channel=channel, to_address=to,
                              template=template, subject=subject, body=body, idempotency_key=idempotency_key,
                              appointment=appointment)
    message.full_clean(exclude=["organization", "patient", "appointment"],  # the instances given, checked above
                       validate_unique=False)
    try:
        with transaction.atomic():
            message.save()
            if links.fill_links(message):
                message.save(update_fields=["body", "subject"])
            audit_record(actor=actor, action="message.queue", object_type="OutboundMessage", object_id=message.pk,
                         patient_id=patient.pk if patient else None, organization_id=organization.pk,
                         detail={"channel": channel, "template": template})
    except IntegrityError:  # the same key, queued a moment ago by someone else
        return OutboundMessage.objects.get(organization=organization, idempotency_key=idempotency_key)
    if enqueue:
        _enqueue_after_commit(message.pk)
    return message


def message_enqueue_batches(message_ids: Sequence[int]) -> None:
    """Give queued messages delivery tasks of up to ``DELIVERY_BATCH`` messages each, after commit: a worker sends a
    batch over one SMTP connection (the reminder sweep queues thousands at once)."""
    from clinicdesk.messaging.tasks import deliver_messages

    ids = list(message_ids)
    for start in range(0, len(ids), DELIVERY_BATCH):
        chunk = ids[start:start + DELIVERY_BATCH]
        transaction.on_commit(lambda chunk=chunk: deliver_messages.enqueue(chunk))  # type: ignore[misc]


def message_deliver_many(message_ids: Sequence[int]) -> dict[str, int]:
    """:func:`message_deliver` for a batch: the messages loaded in one query, e-mails over one SMTP connection, each
    still claimed on its own just before it is sent. Returns how many ended in each status (``skipped``: claimed
    by another worker, already done or not due; ``missing``: no such message)."""
    outcomes: Counter[str] = Counter()
    loaded = _with_related().in_bulk(list(message_ids))
    with email.SmtpSession() as session:
        for message_id in message_ids:
            message = loaded.get(message_id)
            now = timezone.now()
            if message is None:
                outcomes["missing"] += 1
            elif not _claim(message_id, now):
                outcomes["skipped"] += 1
            else:
                message.status, message.claimed_at, message.attempts = MessageStatus.SENDING, now, message.attempts + 1
                outcomes[_send_claimed(message, now, session)] += 1
    return dict(outcomes)


def message_deliver(message_id: int, *, smtp: email.SmtpSession | None = None) -> str:
    """Deliver one message, if it is queued and due; return its status afterwards. The unit of work of a task.
    An e-mail goes over ``smtp`` when given (a batch's one connection), else over a connection of its own."""
    now = timezone.now()
    claimed = _claim(message_id, now)
    message = _with_related().get(pk=message_id)
    if not claimed:
        return message.status  # another worker has it, it is done, or its retry is not due yet
    return _send_claimed(message, now, smtp)


def _claim(message_id: int, now: datetime) -> bool:
    """``queued`` and due → ``sending``, in one conditional UPDATE: of concurrent claims one wins."""
    return bool(OutboundMessage.objects.filter(pk=message_id, status=MessageStatus.QUEUED,
                                               next_attempt_at__lte=now).update(
        status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now))


def _with_related() -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.select_related(
        "patient", "appointment__location", "appointment__practitioner", "appointment__appointment_type")


def _send_claimed(message: OutboundMessage, now: datetime, smtp: email.SmtpSession | None) -> str:
    blocked = _reason_not_to_send(message)
    if blocked:
        return _finish(message, MessageStatus.NOT_SENT, reason=blocked)
    if message.channel == Channel.SMS:
        return _deliver_sms(message)
    config = email.email_config()  # checked in _reason_not_to_send
    try:
        send = smtp.send if smtp is not None else email.send_email
        send(config=config, to=message.to_address, subject=message.subject, body=message.body,
             message_id=message_id_header(message, config.from_email), attachments=_attachments(message, now))
    except email.PermanentFailure as exc:
        return _finish(message, MessageStatus.FAILED, error=str(exc))
    except email.TemporaryFailure as exc:
        return _retry_later(message, error=str(exc))
    return _finish(message, MessageStatus.SENT, provider_id=message_id_header(message, config.from_email))


def _deliver_sms(message: OutboundMessage) -> str:
    config = sms.sms_config()  # checked in _reason_not_to_send
    try:
        provider_id = sms.send_sms(config=config, to=message.to_address, body=message.body,
                                   message_id=message_id_header(message).strip("<>"))
    except sms.PermanentFailure as exc:
        return _finish(message, MessageStatus.FAILED, error=str(exc))
    except sms.TemporaryFailure as exc:
        return _retry_later(message, error=str(exc))
    return _finish(message, MessageStatus.SENT, provider_id=provider_id)


def message_recover_stuck(*, now: datetime | None = None) -> int:
    """Re-queue messages left in ``sending`` by a worker that died; return how many. See the module docstring for
    the resulting at-least-once edge."""
    now = now or timezone.now()
    stuck = OutboundMessage.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
    out_of_attempts = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=MessageStatus.FAILED, last_error="The worker stopped while sending, too many times", updated_at=now)
    requeued = list(stuck.values_list("pk", flat=True))
    stuck.filter(pk__in=requeued).update(status=MessageStatus.QUEUED, next_attempt_at=now, updated_at=now,
                                         last_error="The worker stopped while sending; sent again if it had gone")
    for pk in requeued:
        _enqueue_after_commit(pk)
    return out_of_attempts + len(requeued)


def message_requeue_lost(*, now: datetime | None = None) -> int:
    """Give a new task to queued messages long past due (the enqueue after commit never happened, or the task was
    pruned). A duplicate task is harmless: only one claim can succeed."""
    now = now or timezone.now()
    lost = list(OutboundMessage.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now - LOST_AFTER)
                .values_list("pk", flat=True)[:1000])
    OutboundMessage.objects.filter(pk__in=lost, status=MessageStatus.QUEUED).update(next_attempt_at=now)
    for pk in lost:
        _enqueue_after_commit(pk)
    return len(lost)


def message_id_header(message: OutboundMessage, from_email: str = "") -> str:
    """The RFC 5322 Message-ID, the same on every attempt: a hash of practice and idempotency key."""
    digest = hashlib.sha256(f"{message.organization_id}:{message.idempotency_key}".encode()).hexdigest()[:32]
    domain = from_email.rpartition("@")[2] or "clinicdesk.invalid"
    return f"<{digest}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most six hours."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def _attachments(message: OutboundMessage, now: datetime) -> list[tuple[str, bytes, str]]:
    if message.appointment is None:
        return []
    return [("appointment.ics", patient_ics(message.appointment, now=now), "text/calendar")]


def _reason_not_to_send(message: OutboundMessage) -> str:
    patient = message.patient
    appointment = message.appointment
    if appointment is not None:
        if appointment.status not in HOLDING:
            return {Status.CANCELLED: APPOINTMENT_CANCELLED,
                    Status.RESCHEDULED: APPOINTMENT_RESCHEDULED}.get(Status(appointment.status),
                                                                     APPOINTMENT_NOT_HOLDING)
        if appointment.start <= timezone.now():
            return APPOINTMENT_STARTED
    if message.channel == Channel.SMS:
        if patient and not patient.consent_sms and message.template not in REPLY_TEMPLATES:
            return NO_SMS_CONSENT
        try:
            sms.sms_config()
        except sms.SmsNotConfigured as exc:
            return str(exc)
        return ""
    if patient and not patient.consent_email:
        return NO_EMAIL_CONSENT
    try:
        email.email_config()
    except email.EmailNotConfigured as exc:
        return str(exc)
    return ""


def _retry_later(message: OutboundMessage, *, error: str) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        return _finish(message, MessageStatus.FAILED, error=f"Gave up after {message.attempts} attempts: {error}")
    now = timezone.now()
    due = now + backoff(message.attempts)
    OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, next_attempt_at=due, last_error=error, claimed_at=None, updated_at=now)
    _enqueue_after_commit(message.pk, run_after=due)
    return MessageStatus.QUEUED


def _finish(message: OutboundMessage, status: str, *, reason: str = "", error: str = "", provider_id: str = "") -> str:
    now = timezone.now()
    changes: dict[str, object] = {"status": status, "updated_at": now, "claimed_at": None}
    if reason:
        changes["status_reason"] = reason
    if error:
        changes["last_error"] = error
    if status == MessageStatus.SENT:
        changes.update(sent_at=now, provider_message_id=provider_id, status_reason="")
    with transaction.atomic():
        if not OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**changes):
            # Re-queued under us by message_recover_stuck (this worker was far too slow): the row is not ours.
            return OutboundMessage.objects.get(pk=message.pk).status
        audit_record(actor=_WORKER, action=f"message.{status}", object_type="OutboundMessage", object_id=message.pk,
                     patient_id=message.patient_id, organization_id=message.organization_id,
                     outcome=Outcome.SUCCESS if status == MessageStatus.SENT else Outcome.FAILURE,
                     detail={"reason": reason or error} if reason or error else {})
    return status


def _enqueue_after_commit(message_id: int, run_after: datetime | None = None) -> None:
    from clinicdesk.messaging.tasks import deliver_message

    task = deliver_message.using(run_after=run_after) if run_after else deliver_message
    transaction.on_commit(lambda: task.enqueue(message_id))
