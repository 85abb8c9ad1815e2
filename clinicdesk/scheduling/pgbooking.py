"""A booking's writes on PostgreSQL, in as few round trips as the connection allows.

The appointment, its reservations and its first history row go in with one statement (a data-modifying
``WITH``), sent in one query with the per-resource locks, the audit strand's lock and the configuration stamp
check: Django's psycopg cursor binds parameters on the client side, so several statements make one query.

``book_standalone``: a booking that is not part of a larger transaction (``lib.pgstandalone.standalone()``)
opens and closes its own: ``BEGIN`` goes with that first query and ``COMMIT`` with the second (the audit event
and its strand's head). Two round trips instead of four. Any failure — a refused overlap, a stale
configuration, a lost connection, an interrupt — ends it with ``ROLLBACK`` before the exception goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection

from clinicdesk.audit.services import Actor, Entry, audit_query, strand_lock_sql
from clinicdesk.lib import rows
from clinicdesk.lib.pgstandalone import rollback
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.models import Appointment, AppointmentChange, Reservation

Held = list[tuple[int, datetime, datetime]]  # (resource id, start, end) per reservation


class StaleConfiguration(Exception):
    """The configuration changed since the process cache was checked: book again with fresh entries."""


class NoFreeStrand(Exception):
    """No audit strand could be locked within the booking's first query (none exists yet, or all are busy):
    the booking goes the usual way, which opens one."""


# Per number of reservations; columns from the models.
_BOOK_SQL: dict[int, str] = {}


def _book_sql(reservations: int) -> str:
    if reservations not in _BOOK_SQL:
        fields, insert_appointment = rows.statement(Appointment, returning=True)
        quote = connection.ops.quote_name
        held = ", ".join(["(%s::bigint, %s::timestamptz, %s::timestamptz)"] * reservations)
        change = [f.column for f in AppointmentChange._meta.concrete_fields if not f.primary_key]
        assert change == ["appointment_id", "at", "user_id", "via", "from_status", "to_status", "note"], change
        insert_appointment = insert_appointment.replace(
            f" RETURNING {quote('id')}", " RETURNING id, organization_id, created_at, created_by_id, status")
        _BOOK_SQL[reservations] = (  # only names from the models and placeholders: every value is a parameter
            f"WITH a AS ({insert_appointment}), "  # noqa: S608
            f"r AS (INSERT INTO {quote(Reservation._meta.db_table)} "
            '(organization_id, appointment_id, resource_id, "start", "end", active) '
            f"SELECT a.organization_id, a.id, h.resource_id, h.s, h.e, TRUE FROM a, (VALUES {held}) "
            "AS h (resource_id, s, e)), "
            f"c AS (INSERT INTO {quote(AppointmentChange._meta.db_table)} ({', '.join(map(quote, change))}) "
            "SELECT a.id, a.created_at, a.created_by_id, %s, '', a.status, %s FROM a) "
            "SELECT id FROM a"
        )
        assert len(fields) + 2 + 3 * reservations == _BOOK_SQL[reservations].count("%s")
    return _BOOK_SQL[reservations]


# Bookers of one resource take turns from their insert to their commit (a transaction-scoped advisory lock per
# resource, taken in id order; ids beyond 2**31 share keys, which only makes more of them wait). Without it, two
# bookings of one time that both insert before either commits each wait for the other in the exclusion check:
# PostgreSQL breaks the deadlock after deadlock_timeout (1 s) and the loser gets an error instead of
# SlotTaken. With it, the second waits for the first's commit and then finds its reservation: SlotTaken at
# once. 7101: this lock's class; nothing else in clinicdesk takes advisory locks.
_TAKE_RESOURCE = "SELECT pg_advisory_xact_lock(7101, mod(%s::bigint, 2147483647)::int)"


def insert_at_once(actor: Actor, appointment: Appointment, held: Held, note: str, stamp: int | None,
                   begin: bool = False) -> Any:
    """Insert the appointment (its pk is set), reservations and history row; where the cursor takes several
    statements per query, lock an audit strand in the same round trip and return its row for ``audit_record``
    (None: the audit locks one itself). With ``stamp``, confirm that the configuration is still the one the
    check used (``StaleConfiguration`` if not; the caller's transaction must then roll back). ``begin``:
    open the transaction in the same query (only with a multi-statement cursor; see ``book_standalone``)."""
    fields, _ = rows.statement(Appointment, returning=True)
    params = rows.values(appointment, fields)
    for reservation in held:
        params.extend(reservation)
    params += [actor.via, note[:200]]
    sql = _book_sql(len(held))
    locked = None
    with connection.cursor() as cursor:
        one_trip = rows.one_trip(cursor)
        lock = strand_lock_sql(appointment.organization_id) if one_trip else None
        resources = sorted({resource_id for resource_id, _, _ in held})
        if lock is None:
            assert not begin, "a standalone booking needs a multi-statement cursor"
            for resource_id in resources:
                cursor.execute(_TAKE_RESOURCE, [resource_id])
            cursor.execute(sql, params)
            appointment.pk = cursor.fetchone()[0]
            if stamp is not None and configcache.stamp(cursor) != stamp:
                raise StaleConfiguration
        else:
            confirm = f"; {configcache.STAMP_SQL}" if stamp is not None else ""
            take = "".join(f"{_TAKE_RESOURCE}; " for _ in resources)
            cursor.execute(f"{'BEGIN; ' if begin else ''}{take}{sql}; {lock[0]}{confirm}",
                           [*resources, *params, *lock[1]])
            for _ in range(len(resources) + begin):
                cursor.nextset()
            appointment.pk = cursor.fetchone()[0]
            cursor.nextset()
            locked = cursor.fetchone()
            if stamp is not None:
                cursor.nextset()
                row = cursor.fetchone()
                if row is None or int(row[0]) != stamp:
                    raise StaleConfiguration
    appointment._state.adding = False
    appointment._state.db = connection.alias
    return locked


def book_standalone(actor: Actor, appointment: Appointment, held: Held, note: str, stamp: int | None,
                    audit: Callable[[Appointment], Entry]) -> None:
    """Write the booking in two round trips, in a transaction of its own: ``BEGIN`` and the writes, then the
    audit event (``audit`` makes it once the appointment has its pk) and ``COMMIT``. Only when
    ``lib.pgstandalone.standalone()``; raises ``NoFreeStrand`` (nothing written) when the audit strand has to
    be opened first."""
    try:
        locked = insert_at_once(actor, appointment, held, note, stamp, begin=True)
        if locked is None:
            raise NoFreeStrand
        sql, params = audit_query(actor=actor, entries=[audit(appointment)], locked=locked,
                                  organization_id=appointment.organization_id)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql}; COMMIT", params)
    except BaseException:
        appointment.pk = None
        appointment._state.adding = True
        rollback()
        raise
