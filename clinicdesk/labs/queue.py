"""Filing behind the ACK: accepted messages wait as ``received`` and a filer files them in groups.

The MLLP listener (``clinicdesk mllp``) acknowledges a message once its raw bytes, its ACK and its audit event
are committed (``services.hl7_accept_many``) — what the HL7 commit promise asks — and a filer process beside it
files what waits, oldest first, many messages per transaction (``hl7_file_waiting``): the matches, orders,
observations, inbox items and their audit events. The listener wakes the filer through a pipe (``Wake``) after
each commit; the filer also looks every ``IDLE`` seconds, for messages stored another way or left by a filer
that was stopped. Nothing is lost in between: a stored message stays ``received`` until a filing transaction
that claimed it commits, so a crash at any point leaves it to be filed by the next filer.

A group that fails to file is filed message by message; one that still fails stays ``received``, is skipped by
this filer from then on and is retried by the every-minute sweep (``filing.hl7_file_pending``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable

from django.db import connection, transaction

from clinicdesk.audit.services import Entry, audit_record_many
from clinicdesk.inbox import routingcache
from clinicdesk.labs.demographics import hl7_demographics_safely
from clinicdesk.labs.filing import SYSTEM as FILING_ACTOR
from clinicdesk.labs.filing import hl7_file_claimed, hl7_file_safely
from clinicdesk.labs.models import InboundMessage, InboundStatus
from clinicdesk.lib.writer import sqlite_writer
from clinicdesk.practice.models import Organization
from clinicdesk.protocols.hl7v2.adt import Demographics
from clinicdesk.protocols.hl7v2.inbound import parse
from clinicdesk.protocols.hl7v2.oru import ResultMessage

log = logging.getLogger(__name__)
GROUP = 200  # messages filed in one transaction at most
IDLE = 1.0  # seconds between looks when nobody wakes the filer
# Once woken, the filer lets messages gather this long before it takes them: a transaction's fixed cost (its
# commit, the statements per table) is then shared by many, and on SQLite the writer lock, which the listener
# needs for every ACK, is taken a few times a second instead of after every message.
GATHER = 0.02

def file_group(org_id: int, results: list[tuple[InboundMessage, ResultMessage]],
               demographics: list[tuple[InboundMessage, Demographics]]) -> list[int]:
    """File claimed messages of one organization (inserted or marked ``processed`` in the caller's open
    transaction): the results together in one savepoint, then each demographics message on its own. If the
    results fail together, they are set back to ``received`` and filed one by one (a savepoint each). The ids of
    the messages left ``received`` (their filing failed)."""
    failed: list[int] = []
    if results:
        organization = routingcache.get(routingcache.current(), ("organization", org_id),
                                        lambda: Organization.objects.get(pk=org_id))
        events: list[Entry] = []
        try:
            with transaction.atomic():
                hl7_file_claimed(organization=organization, messages=results, audit=events)
                audit_record_many(actor=FILING_ACTOR, entries=events, organization_id=org_id)
        except Exception:
            log.info("filing %d messages together failed; filing each on its own", len(results), exc_info=True)
            InboundMessage.objects.filter(pk__in=[m.pk for m, _ in results]).update(status=InboundStatus.RECEIVED)
            for message, parsed in results:
                message.status = InboundStatus.RECEIVED
                hl7_file_safely(message.pk, parsed, inbound=message)
                if message.status == InboundStatus.RECEIVED:
                    failed.append(message.pk)
    for message, adt in demographics:
        hl7_demographics_safely(message.pk, adt, inbound=message)
        if message.status == InboundStatus.RECEIVED:
            failed.append(message.pk)
    return failed


def hl7_file_waiting(*, limit: int = GROUP, skip: set[int] | None = None) -> int:
    """File up to ``limit`` waiting messages (accepted, not yet filed), oldest first, in one transaction; how
    many were taken. ``skip``: ids not to take (they failed before); the ids that fail now are added to it.

    The waiting rows are read and parsed before the transaction (on SQLite, outside the writer lock); the
    transaction claims them by id (``received`` → ``processed``, so a message another filer took meanwhile is
    left to it) and files those it claimed."""
    skip = set() if skip is None else skip
    waiting = list(InboundMessage.objects.filter(status=InboundStatus.RECEIVED, ack_code="AA",
                                                 organization__isnull=False)
                   .exclude(pk__in=sorted(skip)).order_by("pk")[:limit])
    if not waiting:
        return 0
    contents = {message.pk: _parsed(message, skip) for message in waiting}
    with sqlite_writer(), transaction.atomic(), routingcache.pinned():
        claimed = _claim([pk for pk, content in contents.items() if content is not None])
        by_org: dict[int, tuple[list[tuple[InboundMessage, ResultMessage]],
                                list[tuple[InboundMessage, Demographics]]]] = {}
        for message in waiting:
            content = contents[message.pk]
            if message.pk not in claimed or message.organization_id is None:
                continue
            results, demographics = by_org.setdefault(message.organization_id, ([], []))
            if isinstance(content, ResultMessage):
                message.status = InboundStatus.PROCESSED
                results.append((message, content))
            elif isinstance(content, Demographics):
                demographics.append((message, content))  # hl7_demographics claims it again, in a savepoint
        adt = [m.pk for _, ds in by_org.values() for m, _ in ds]
        if adt:
            InboundMessage.objects.filter(pk__in=adt).update(status=InboundStatus.RECEIVED)
        for org_id, (results, demographics) in by_org.items():
            skip.update(file_group(org_id, results, demographics))
    return len(waiting)


def _parsed(message: InboundMessage, skip: set[int]) -> ResultMessage | Demographics | None:
    """The message's content, or None (noted in ``skip``) when it is not something to file."""
    try:
        content = parse(bytes(message.raw))
    except Exception:  # it was accepted, so it parsed once; a codec change could still refuse it
        log.exception("inbound message %s no longer parses; left received", message.pk)
        content = None
    if isinstance(content, ResultMessage | Demographics):
        return content
    skip.add(message.pk)
    return None


def _claim(ids: list[int]) -> set[int]:
    """Mark the messages still ``received`` among ``ids`` as ``processed``, in the caller's transaction (on
    PostgreSQL the rows stay locked until it ends); the ids so claimed."""
    if not ids:
        return set()
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE labs_inboundmessage SET status = %s WHERE id IN ({marks}) AND status = %s "  # noqa: S608
                       "RETURNING id", [InboundStatus.PROCESSED, *ids, InboundStatus.RECEIVED])
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

    skip: set[int] = set()
    while running():
        try:
            taken = hl7_file_waiting(skip=skip)
        except Exception:  # the database went away: start afresh after a pause
            log.exception("HL7 filer: filing failed; trying again")
            connections.close_all()
            taken = 0
        if taken < GROUP:  # caught up: wait to be woken, then let the next group gather
            if not taken:
                wait(IDLE)
            time.sleep(GATHER)
