"""Receiving HL7 v2: one message is one unit of work, stored with its outcome before it is acknowledged.

``hl7_receive`` (files, HTTP batches) returns the ACK bytes only after the transaction holding the raw message,
its outcome and the audit event has committed. If it raises (database down), the transport must answer nothing,
so the sender sends the message again. A message whose (organization, sending application, sending facility,
MSH-10) is already stored is a resend: it gets the stored ACK again and nothing new is written. An accepted
result (ORU) is then filed into charts (``filing.hl7_file``), and accepted demographics (ADT A04/A08) become
proposed chart changes (``demographics.hl7_demographics``), right after the commit, before the ACK is returned;
a failure there is logged and changes neither the stored message nor the ACK.

The MLLP listener stores the frames waiting on all its connections together (group commit), each with its own
outcome and ACK, all returned after that one commit: ``hl7_accept_many`` (``clinicdesk mllp``) leaves accepted
results and demographics ``queued`` for the filer (``labs.queue``), which audits their receipt and files them
right behind the ACK; ``hl7_receive_many`` (``--file-before-ack``) files them in the same transaction, in one
savepoint for the whole group, so a filing failure rolls back only the filing (then retried message by message)
and never the stored messages or their ACKs.

The organization the messages belong to: ``settings.CLINICDESK_HL7_ORGANIZATION`` (an Organization id) when set,
else the only organization in the database; else none (stored unattributed, still acknowledged).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.models import Outcome as AuditOutcome
from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.inbox import routingcache
from clinicdesk.labs.demographics import hl7_demographics_safely
from clinicdesk.labs.filing import hl7_file_safely
from clinicdesk.labs.models import InboundMessage, InboundStatus
from clinicdesk.labs.queue import file_group
from clinicdesk.lib import rows
from clinicdesk.lib.writer import sqlite_writer
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.ack import build_ack
from clinicdesk.protocols.hl7v2.adt import Demographics
from clinicdesk.protocols.hl7v2.errors import APPLICATION_INTERNAL_ERROR, HL7Error, reject
from clinicdesk.protocols.hl7v2.header import Header, read_header
from clinicdesk.protocols.hl7v2.inbound import Outcome, process
from clinicdesk.protocols.hl7v2.message import decode_msh, is_batch, salvage_control_id
from clinicdesk.protocols.hl7v2.oru import ResultMessage

log = logging.getLogger(__name__)
KEY_MAX = 255  # the model's column width; MSH-3/4 are HD ≤ 227 and MSH-10 ST ≤ 20 in 2.3–2.5.1


def hl7_organization_id() -> int | None:
    configured: int | None = getattr(settings, "CLINICDESK_HL7_ORGANIZATION", None)
    if configured:
        return configured
    ids = routingcache.get(routingcache.current(), ("organizations",),
                           lambda: list(Organization.objects.values_list("pk", flat=True)[:2]))
    return ids[0] if len(ids) == 1 else None


def hl7_receive(*, raw: bytes, peer: str, organization_id: int | None = None) -> bytes:
    """Process, store and audit one message in one transaction; the ACK to send back, once committed.

    ``organization_id``: the practice the message belongs to when the door knows it (an API token's user);
    None, the configured one (``hl7_organization_id``). A batch (FHS/BHS first) sent as one frame is taken message
    by message, each through this unit of work, and answered with a batch ACK (``labs.batch``)."""
    if is_batch(raw):
        from clinicdesk.labs.batch import BatchUnreadable, hl7_batch_receive  # it builds on this module

        try:
            return hl7_batch_receive(actor=Actor(user=None, ip=_host(peer), via="hl7", role="system"), raw=raw,
                                     source=peer, organization_id=organization_id).ack
        except BatchUnreadable:
            pass  # an envelope holding no message: kept and answered AR like any unreadable bytes
    with _one_at_a_time():
        return _store(raw=raw, outcome=process(raw), peer=peer, org_id=organization_id)


def hl7_receive_many(frames: Sequence[tuple[bytes, str]], *, file: bool = True,
                     notify: Callable[[], None] | None = None) -> list[bytes | BaseException]:
    """Group commit: several frames (``(raw, peer)``, from any connections) stored, audited and filed in one
    transaction; one answer per frame, in order — its ACK, or the exception that kept it from being stored (then
    it must not be answered). Nothing is returned before the commit.

    Each message keeps its own outcome: a bad one is stored with its AE/AR like any other and does not touch the
    rest. A repeat inside the group gets the first one's ACK. If the group cannot be stored together (a resend
    already stored — the unique key —, or a database error), it is rolled back and stored one message at a time
    (``hl7_receive``'s path), so one message's trouble never costs another its ACK. Filing runs in the same
    transaction, in one savepoint for the group; if it fails, that is rolled back and each message is filed on its
    own (a savepoint each), and a message that still fails stays ``received`` — stored and acknowledged either way.

    ``file=False`` (``hl7_accept_many``): stored and answered, not filed. Accepted results and demographics of an
    organization are stored ``queued``, without an audit event: the filer (``queue.hl7_file_waiting``) records
    their receipt in the transaction that takes them from the queue and files them; ``notify()`` is called once
    they are committed. A group of only those is one INSERT outside any transaction (one round trip on
    PostgreSQL). Every other message (AE/AR, no organization, other types) is audited as it is stored."""
    answers: list[bytes | BaseException] = [RuntimeError("not answered")] * len(frames)
    group: list[tuple[int, bytes, str, Outcome]] = []
    for index, (raw, peer) in enumerate(frames):
        if is_batch(raw):
            answers[index] = _answer(partial(hl7_receive, raw=raw, peer=peer))
        else:
            group.append((index, raw, peer, process(raw)))
    if not group:
        return answers
    with _one_at_a_time():
        org_id = hl7_organization_id()
        try:
            for index, ack in _store_group(group, org_id, file):
                answers[index] = ack
        except Exception:
            log.info("a group of %d messages was stored one at a time", len(group), exc_info=True)
            for index, raw, peer, outcome in group:
                answers[index] = _answer(partial(_store, raw=raw, outcome=outcome, peer=peer, org_id=org_id,
                                                 file=file))
    if notify is not None and not file and org_id and any(
            not outcome.error and isinstance(outcome.parsed, ResultMessage | Demographics)
            for _, _, _, outcome in group):  # something was queued for the filer
        notify()
    return answers


def hl7_accept_many(frames: Sequence[tuple[bytes, str]],
                    notify: Callable[[], None] | None = None) -> list[bytes | BaseException]:
    """``hl7_receive_many`` without the filing: what the listener does when a filer files behind its ACKs."""
    return hl7_receive_many(frames, file=False, notify=notify)


def _answer(receive: Callable[[], bytes]) -> bytes | BaseException:
    try:
        return receive()
    except Exception as exc:
        log.exception("HL7 message not stored; no ACK")
        return exc


def _store_group(group: list[tuple[int, bytes, str, Outcome]], org_id: int | None,
                 file: bool = True) -> list[tuple[int, bytes]]:
    acks: list[tuple[int, bytes]] = []
    first: dict[tuple[str, str, str], InboundMessage] = {}
    new: list[tuple[InboundMessage, Outcome]] = []
    for index, raw, peer, outcome in group:
        key = _key(outcome)
        if key[2] and key in first:  # sent twice, both waiting: one row, the same ACK
            acks.append((index, bytes(first[key].ack)))
            continue
        message = _row(raw, outcome, peer, org_id, queue=not file)
        if file and org_id and isinstance(outcome.parsed, ResultMessage):
            message.status = InboundStatus.PROCESSED  # filed below, in this transaction (else set back)
        if key[2]:
            first[key] = message
        new.append((message, outcome))
        acks.append((index, bytes(message.ack)))
    if all(message.status == InboundStatus.QUEUED for message, _ in new):
        # One statement, atomic on its own: no BEGIN/COMMIT. Inside a caller's transaction, a savepoint, so that
        # a resend's unique key fails this group alone and the caller's transaction lives on.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            rows.insert([message for message, _ in new])
        return acks
    with transaction.atomic(), (routingcache.pinned() if file else nullcontext()):
        rows.insert([message for message, _ in new])
        by_peer: dict[str | None, list[Entry]] = {}
        for message, _ in new:
            if message.status != InboundStatus.QUEUED:  # a queued one's receipt: audited by the filer
                by_peer.setdefault(_host(message.peer), []).append(receipt_entry(message))
        for host, entries in by_peer.items():
            audit_record_many(actor=Actor(user=None, ip=host, via="hl7", role="system"), entries=entries,
                              organization_id=org_id)
        if org_id and file:
            file_group(org_id, [(m, o.parsed) for m, o in new if isinstance(o.parsed, ResultMessage)],
                       [(m, o.parsed) for m, o in new if isinstance(o.parsed, Demographics)])
    return acks


def hl7_receive_oversize(*, head: bytes, size: int, limit: int, peer: str) -> bytes:
    """A frame longer than the transport takes: AR, with the first bytes kept as the raw message."""
    try:
        header: Header | None = read_header(decode_msh(head))
    except HL7Error:
        control_id = salvage_control_id(head)
        header = Header("", "", "", "", None, "", "", control_id, "", "", "") if control_id else None
    except Exception:  # a truncated header the codec cannot read at all: answer without it
        header = None
    error = reject(f"message too large (more than {limit} bytes; only the first {len(head)} kept)",
                   APPLICATION_INTERNAL_ERROR)
    outcome = Outcome(build_ack(header, error), header, None, error)
    with _one_at_a_time():
        return _store(raw=head, outcome=outcome, peer=peer, detail={"oversize": True, "size_at_least": size})


def _one_at_a_time() -> AbstractContextManager[None]:
    """On SQLite, the writers of this machine's listener and filer take turns (``lib.writer``): SQLite has one
    writer at a time anyway, and its busy handler sleeps and polls; the lock wakes the next writer at once."""
    return sqlite_writer()


def _store(*, raw: bytes, outcome: Outcome, peer: str, detail: dict[str, object] | None = None,
           org_id: int | None = None, file: bool = True) -> bytes:
    return _insert(raw=raw, outcome=outcome, peer=peer, detail=detail, org_id=org_id or hl7_organization_id(),
                   file=file)


def _row(raw: bytes, outcome: Outcome, peer: str, org_id: int | None, queue: bool = False) -> InboundMessage:
    """The message's row; ``queue``: an accepted result or demographics message of an organization is stored
    ``queued`` for the filer."""
    header, error = outcome.header, outcome.error
    queued = queue and org_id is not None and not error and isinstance(outcome.parsed, ResultMessage | Demographics)
    app, facility, control_id = _key(outcome)
    return InboundMessage(
        organization_id=org_id, protocol="hl7v2", sending_application=app, sending_facility=facility,
        control_id=control_id, version=(header.version if header else "")[:10],
        message_type=(f"{header.message_type}^{header.trigger_event}".strip("^") if header else "")[:20],
        raw=raw, peer=peer[:100], ack_code=error.ack_code if error else "AA", ack_text=str(error) if error else "",
        ack=outcome.ack_bytes, status=InboundStatus.REJECTED if error else InboundStatus.QUEUED if queued
        else InboundStatus.RECEIVED)


def _key(outcome: Outcome) -> tuple[str, str, str]:
    app, facility, control_id = ((h[:KEY_MAX] for h in outcome.key) if outcome.key else ("", "", ""))
    return app, facility, control_id


def receipt_entry(message: InboundMessage, detail: dict[str, object] | None = None) -> Entry:
    return Entry(action=Action.CREATE, object_type="InboundMessage", object_id=str(message.pk),
                 outcome=AuditOutcome.FAILURE if message.ack_code != "AA" else AuditOutcome.SUCCESS,
                 detail={"message_type": message.message_type, "control_id": message.control_id,
                         "sending_application": message.sending_application,
                         "sending_facility": message.sending_facility, "ack_code": message.ack_code,
                         "peer": message.peer, **(detail or {})})


def receiver(peer: str) -> Actor:
    """The system actor of a message from ``peer`` (its address in the audit trail)."""
    return Actor(user=None, ip=_host(peer), via="hl7", role="system")


def _insert(*, raw: bytes, outcome: Outcome, peer: str, detail: dict[str, object] | None,
            org_id: int | None, file: bool = True) -> bytes:
    """Insert first and look for a stored twin only when the unique key says there is one: a resend is rare, so
    the common path is one INSERT and the audit event, with no look-up before it."""
    message = _row(raw, outcome, peer, org_id, queue=not file)
    app, facility, control_id = _key(outcome)
    try:
        with transaction.atomic():
            message.save()
            if message.status != InboundStatus.QUEUED:  # a queued one's receipt: audited by the filer
                audit_record_many(actor=receiver(peer), entries=[receipt_entry(message, detail)],
                                  organization_id=org_id)
            # Filed once the message is committed, in its own transaction: a filing failure is logged and
            # leaves the message received for a retry; the ACK is the one just stored either way. (Without
            # ``file``, it is queued: the filer's, behind the ACK.)
            if file and org_id and isinstance(outcome.parsed, ResultMessage):
                transaction.on_commit(partial(hl7_file_safely, message.pk, outcome.parsed, inbound=message))
            elif file and org_id and isinstance(outcome.parsed, Demographics):
                transaction.on_commit(partial(hl7_demographics_safely, message.pk, outcome.parsed, inbound=message))
    except IntegrityError:  # the same key is stored: a resend (or its twin committed first)
        stored = _stored_ack(org_id, app, facility, control_id) if control_id else None
        if stored is None:
            raise
        return stored
    return bytes(message.ack)


def _stored_ack(org_id: int | None, app: str, facility: str, control_id: str) -> bytes | None:
    stored = InboundMessage.objects.filter(sending_application=app, sending_facility=facility, control_id=control_id)
    stored = stored.filter(organization_id=org_id) if org_id else stored.filter(organization__isnull=True)
    ack = stored.values_list("ack", flat=True).first()
    return bytes(ack) if ack is not None else None


def _host(peer: str) -> str | None:
    """The address part of "address:port" (IPv4 or IPv6) for the audit trail; None when it is not an address."""
    host = peer.rsplit(":", 1)[0].strip("[]") if peer.count(":") else peer
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
