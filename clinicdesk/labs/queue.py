"""Filing behind the ACK: accepted messages wait ``queued`` and a filer takes them in groups.

The MLLP listener (``clinicdesk mllp``) acknowledges a message once its raw bytes and its ACK are committed
(``services.hl7_accept_many``) — what the HL7 commit promise asks: one INSERT, one round trip on PostgreSQL.
A filer process beside it takes what is queued, oldest first, many messages per transaction
(``hl7_file_waiting``): in that transaction it records each message's receipt in the audit trail (the event the
listener records itself for every message it does not queue) and files it — matches, orders, observations,
inbox items and their audit events. The listener wakes the filer through a pipe (``Wake``) after each commit;
the filer also looks every ``IDLE`` seconds, for messages left by a filer that was stopped. Nothing is lost in
between: a message stays ``queued`` until a transaction that claimed it commits its receipt, so a crash at any
point leaves it to the next filer, and its receipt is audited exactly once.

A group that fails to file is filed message by message; one that still fails is left ``received`` (audited and
acknowledged), which the every-minute sweep (``filing.hl7_file_pending``) tries again. The sweep also takes
messages queued for more than a minute, should no filer be running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.db.models.functions import Length

from clinicdesk.audit.services import Actor, Entry, audit_record_many
from clinicdesk.inbox import routingcache
from clinicdesk.labs.demographics import hl7_demographics_safely
from clinicdesk.labs.filing import SYSTEM as FILING_ACTOR
from clinicdesk.labs.filing import FilingPlan, hl7_file_claimed, hl7_file_safely, plan_filing
from clinicdesk.labs.models import InboundMessage, InboundStatus
from clinicdesk.lib.writer import sqlite_writer
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.adt import Demographics
from clinicdesk.protocols.hl7v2.inbound import parse
from clinicdesk.protocols.hl7v2.oru import ResultMessage

log = logging.getLogger(__name__)
GROUP = 200  # messages filed in one transaction at most
GROUP_BYTES = 16 * 1024 * 1024  # and their raw bytes at most (but always one message)
BACKOFF_LIMIT = 10.0  # seconds at most between tries while filing keeps failing
IDLE = 1.0  # seconds between looks when nobody wakes the filer
# Once woken, the filer lets messages gather this long before it takes them: a transaction's fixed cost (its
# commit, the statements per table) is then shared by many, and on SQLite the writer lock, which the listener
# needs for every ACK, is taken a few times a second instead of after every message.
GATHER = 0.02


def file_group(org_id: int, results: list[tuple[InboundMessage, ResultMessage]],
               demographics: list[tuple[InboundMessage, Demographics]], plan: FilingPlan | None = None) -> None:
    """File claimed messages of one organization (inserted or marked ``processed`` in the caller's open
    transaction): the results together in one savepoint, then each demographics message on its own. If the
    results fail together, they are set back to ``received`` and filed one by one (a savepoint each); one that
    still fails stays ``received`` for the every-minute sweep. ``plan``: ``plan_filing`` of exactly ``results``,
    made beforehand."""
    if results:
        organization = _organization(org_id)
        events: list[Entry] = []
        try:
            with transaction.atomic():
                hl7_file_claimed(organization=organization, messages=results, audit=events, plan=plan)
                audit_record_many(actor=FILING_ACTOR, entries=events, organization_id=org_id)
        except Exception:
            log.info("filing %d messages together failed; filing each on its own", len(results), exc_info=True)
            InboundMessage.objects.filter(pk__in=[m.pk for m, _ in results]).update(status=InboundStatus.RECEIVED)
            for message, parsed in results:
                message.status = InboundStatus.RECEIVED
                hl7_file_safely(message.pk, parsed, inbound=message)
    for message, adt in demographics:
        hl7_demographics_safely(message.pk, adt, inbound=message)


def _organization(org_id: int) -> Organization:
    return routingcache.get(routingcache.current(), ("organization", org_id),
                            lambda: Organization.objects.get(pk=org_id))


def hl7_file_waiting(*, limit: int = GROUP, received_before: datetime | None = None) -> int:
    """Take up to ``limit`` queued messages, oldest first, in one transaction: record their receipt (the audit
    event the listener left to this transaction) and file them; how many were looked at (those another filer
    claimed first included, so that a caller goes on looking while there are any). ``received_before``: only
    those received earlier (the every-minute sweep, which leaves the fresh ones to the filer).

    The queued rows are read and parsed before the transaction (on SQLite, outside the writer lock); the
    transaction claims them by id (``queued`` → ``processed``, or ``received`` for demographics, which
    ``hl7_demographics`` then claims itself; a message another filer took meanwhile is left to it). A message
    whose filing fails leaves the queue all the same, ``received`` (audited and acknowledged): the every-minute
    sweep (``filing.hl7_file_pending``) tries it again."""
    queued = InboundMessage.objects.filter(status=InboundStatus.QUEUED)
    if received_before is not None:
        queued = queued.filter(received_at__lt=received_before)
    ids: list[int] = []
    size = 0  # a frame may hold 10 MB (PDF reports): a group holds GROUP_BYTES at most, and one message at least
    for pk, length in queued.order_by("pk").values_list("pk", Length("raw"))[:limit]:
        if ids and size + (length or 0) > GROUP_BYTES:
            break
        ids.append(pk)
        size += length or 0
    if not ids:
        return 0
    waiting = list(InboundMessage.objects.filter(pk__in=ids).order_by("pk"))
    contents = {message.pk: _parsed(message) for message in waiting}
    plans = _plans(waiting, contents)
    with sqlite_writer(), transaction.atomic(), routingcache.pinned():
        claimed = _claim(list(contents))
        taken = [m for m in waiting if m.pk in claimed]
        _audit_receipts(taken)
        by_org: dict[int, tuple[list[tuple[InboundMessage, ResultMessage]],
                                list[tuple[InboundMessage, Demographics]]]] = {}
        unfiled: list[int] = []
        for message in taken:
            content = contents[message.pk]
            if message.organization_id is None or content is None:
                unfiled.append(message.pk)
                continue
            results, demographics = by_org.setdefault(message.organization_id, ([], []))
            if isinstance(content, ResultMessage):
                message.status = InboundStatus.PROCESSED
                results.append((message, content))
            else:
                message.status = InboundStatus.RECEIVED  # hl7_demographics claims it, in a savepoint
                demographics.append((message, content))
                unfiled.append(message.pk)
        if unfiled:  # demographics, and what no longer parses: accepted and audited, not filed here
            InboundMessage.objects.filter(pk__in=unfiled).update(status=InboundStatus.RECEIVED)
        for org_id, (results, demographics) in by_org.items():
            plan = plans.get(org_id)
            file_group(org_id, results, demographics,
                       plan if plan is not None and len(plan.results.messages) == len(results) else None)
    return len(waiting)


def _plans(waiting: list[InboundMessage], contents: dict[int, ResultMessage | Demographics | None],
           ) -> dict[int, FilingPlan]:
    """Each organization's results planned before the transaction (``filing.plan_filing``: matching, rows,
    routing — reads only), so that on SQLite the writer lock covers the writes alone. An organization whose
    planning fails is planned again inside the transaction, where a failure is handled message by message."""
    by_org: dict[int, list[tuple[InboundMessage, ResultMessage]]] = {}
    for message in waiting:
        content = contents[message.pk]
        if message.organization_id is not None and isinstance(content, ResultMessage):
            by_org.setdefault(message.organization_id, []).append((message, content))
    plans: dict[int, FilingPlan] = {}
    with routingcache.pinned():
        for org_id, results in by_org.items():
            try:
                plans[org_id] = plan_filing(organization=_organization(org_id), messages=results)
            except Exception:
                log.info("planning %d messages failed; they are planned again as they are filed", len(results),
                         exc_info=True)
    return plans


def _audit_receipts(messages: list[InboundMessage]) -> None:
    """The receipt events of queued messages (as the listener records those it does not queue), one append per
    organization and sender address."""
    from clinicdesk.labs.services import receipt_entry, receiver  # services builds on this module

    grouped: dict[tuple[int | None, str | None], list[Entry]] = {}
    for message in messages:
        grouped.setdefault((message.organization_id, receiver(message.peer).ip), []).append(
            receipt_entry(message, {"received_at": message.received_at.isoformat(), "queued": True}))
    for (org_id, ip), entries in grouped.items():
        audit_record_many(actor=Actor(user=None, ip=ip, via="hl7", role="system"), entries=entries,
                          organization_id=org_id)


def _parsed(message: InboundMessage) -> ResultMessage | Demographics | None:
    """The message's content; None when it is not something to file (or no longer parses)."""
    try:
        content = parse(bytes(message.raw))
    except Exception:  # it was accepted, so it parsed once; a codec change could still refuse it
        log.exception("inbound message %s no longer parses; left received", message.pk)
        return None
    return content if isinstance(content, ResultMessage | Demographics) else None


def _claim(ids: list[int]) -> set[int]:
    """Mark the messages still ``queued`` among ``ids`` as ``processed``, in the caller's transaction (on
    PostgreSQL the rows stay locked until it ends); the ids so claimed."""
    if not ids:
        return set()
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE labs_inboundmessage SET status = %s WHERE id IN ({marks}) AND status = %s "  # noqa: S608
                       "RETURNING id", [InboundStatus.PROCESSED, *ids, InboundStatus.QUEUED])
        return {row[0] for row in cursor.fetchall()}


class Wake:
    """A pipe from the listeners to the filer: ``notify()`` after a commit. Made before the listener processes
    are forked (they inherit the write end); the filer process is given the read end (``hl7_filer --wake-fd``)."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)

    def notify(self) -> None:
        with contextlib.suppress(BlockingIOError, BrokenPipeError):  # full: the filer has a wake-up waiting
            os.write(self.write_fd, b".")


def run_filer(wait: Callable[[float], None], running: Callable[[], bool] = lambda: True) -> None:
    """The filer's loop: file what waits, group after group; when nothing does, ``wait(IDLE)``."""
    from django.db import connections

    failures = 0
    while running():
        try:
            taken = hl7_file_waiting()
            failures = 0
        except Exception:  # the database went away (or a bug): start afresh, after a pause that grows
            failures += 1
            log.exception("HL7 filer: filing failed (%d in a row); trying again", failures)
            connections.close_all()
            time.sleep(min(IDLE * 2 ** (failures - 1), BACKOFF_LIMIT))  # not woken early: it would fail again
            continue
        if taken < GROUP:  # caught up: wait to be woken, then let the next group gather
            if not taken:
                wait(IDLE)
            time.sleep(GATHER)
