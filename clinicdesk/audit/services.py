"""The one way to write audit events."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from clinicdesk.audit.chain import event_hash
from clinicdesk.audit.models import AuditEvent, ChainHead, Outcome
from clinicdesk.lib import rows as rows_lib

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
    """The organization's first strand; the others are ``<name>/1`` … ``<name>/7`` (see ``_lock_strand``)."""
    return f"org:{organization_id}" if organization_id else "system"


STRANDS = 8


def strand_names(organization_id: int | None) -> list[str]:
    base = chain_name(organization_id)
    return [base, *(f"{base}/{k}" for k in range(1, STRANDS))]


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
                 detail: dict[str, Any] | None = None, organization_id: int | None = None,
                 locked: Sequence[Any] | None = None) -> None:
    entry = Entry(action=action, object_type=object_type, object_id=str(object_id or ""),
                  patient_id=patient_id, outcome=outcome, detail=detail or {})
    audit_record_many(actor=actor, entries=[entry], organization_id=organization_id, locked=locked)


def audit_record_many(*, actor: Actor, entries: Sequence[Entry], organization_id: int | None = None,
                      locked: Sequence[Any] | None = None) -> None:
    """Append the entries to the organization's chain, in one transaction (joins the caller's).

    ``locked``: the row that ``strand_lock_sql`` returned, when the caller sent that query itself, in this
    same transaction, along with a statement of its own (one round trip less on a hot write). None: the
    strand is locked here."""
    if not entries:
        return
    org_id = organization_id if organization_id is not None else actor.organization_id
    # No savepoint of its own: an audit write that fails must fail the caller's whole transaction anyway,
    # and a savepoint costs two round trips on every audited write.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if locked is not None and connection.vendor == "postgresql":
            chain, seq, prev_hash = str(locked[0]), int(locked[1]), str(locked[2])
        else:
            chain, seq, prev_hash = _lock_strand(cursor, org_id)
        _insert(cursor, *_chained(actor, entries, org_id, (chain, seq, prev_hash)))


def audit_query(*, actor: Actor, entries: Sequence[Entry], locked: Sequence[Any],
                organization_id: int | None = None) -> tuple[str, list[Any]]:
    """PostgreSQL: the query (and its parameters) that appends ``entries`` to the strand ``locked`` (the row
    ``strand_lock_sql`` returned in the caller's open transaction) and moves its head, for a caller that sends
    it itself, with a statement of its own after it (a booking ends it with its ``COMMIT``). Up to 20 entries."""
    if not 0 < len(entries) <= _ONE_QUERY_ROWS or connection.vendor != "postgresql":
        raise ValueError("audit_query writes 1 to 20 entries on PostgreSQL")
    org_id = organization_id if organization_id is not None else actor.organization_id
    rows, move = _chained(actor, entries, org_id, (str(locked[0]), int(locked[1]), str(locked[2])))
    return _one_query(_values(rows), move)


def _chained(actor: Actor, entries: Sequence[Entry], org_id: int | None,
             head: tuple[str, int, str]) -> tuple[list[dict[str, Any]], list[Any]]:
    """The entries as rows chained after ``head`` (strand, seq, hash), and the head's new (seq, hash, strand)."""
    chain, seq, prev_hash = head
    now = timezone.now()
    ip = _stored_ip(actor.ip)
    rows = []
    for entry in entries:
        fields: dict[str, Any] = {
            "chain": chain, "seq": seq + 1, "at": now, "organization_id": org_id,
            "user_id": actor.user.pk if actor.user else None,
            "username": actor.user.get_username() if actor.user else actor.role,
            "role": actor.role, "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "patient_id": entry.patient_id, "ip": ip,
            "via": actor.via, "outcome": entry.outcome, "detail": entry.detail,
        }
        digest = event_hash(prev_hash, fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": digest})
        seq, prev_hash = seq + 1, digest
    return rows, [seq, prev_hash, chain]


# A strand's head row, locked until the transaction ends. Plain SQL: these run on every audited write.
_LOCK_HEAD = "SELECT chain, seq, hash FROM audit_chainhead WHERE chain = %s"
_MOVE_HEAD = "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE chain = %s"


_SKIP_LOCKED = ("SELECT chain, seq, hash FROM audit_chainhead WHERE chain = ANY(%s) "
                "ORDER BY chain LIMIT 1 FOR UPDATE SKIP LOCKED")


def strand_lock_sql(organization_id: int | None) -> tuple[str, list[Any]] | None:
    """PostgreSQL: the query (and its parameters) that locks a free strand of the organization, for a caller
    that sends it in one query with its own statement and passes the row it returns as ``locked`` (no row:
    pass None, the strand is then found or created as usual). None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    return _SKIP_LOCKED, [strand_names(organization_id)]


def _lock_strand(cursor: Any, organization_id: int | None) -> tuple[str, int, str]:
    """Lock one of the organization's strands and return its name, last sequence number and hash.

    An organization's events form up to ``STRANDS`` hash chains ("strands"), each verified on its own. A
    writer takes the first strand no one else holds (PostgreSQL: FOR UPDATE SKIP LOCKED) and keeps it until
    its transaction ends, so concurrent writers append side by side instead of queueing on one row — with a
    single chain, every audited write of a busy practice waited for the one before it to commit. Alone, a
    writer always gets the first strand, so a quiet practice (and SQLite, one writer at a time) has one
    chain. A strand is created the first time it is needed."""
    names = strand_names(organization_id)
    if connection.vendor == "postgresql":
        cursor.execute(_SKIP_LOCKED, [names])
        found = cursor.fetchone()
        if found is None:  # every existing strand is busy (or none exists yet): open the next one
            cursor.execute("SELECT chain FROM audit_chainhead WHERE chain = ANY(%s)", [names])
            existing = {row[0] for row in cursor.fetchall()}
            spare = [name for name in names if name not in existing]
            name = spare[0] if spare else names[hash(id(cursor)) % len(names)]
            ChainHead.objects.get_or_create(chain=name)
            cursor.execute(_LOCK_HEAD + " FOR UPDATE", [name])
            found = cursor.fetchone()
    else:  # SQLite: our transactions begin IMMEDIATE, one writer at a time
        cursor.execute(_LOCK_HEAD, [names[0]])
        found = cursor.fetchone()
        if found is None:
            ChainHead.objects.get_or_create(chain=names[0])
            cursor.execute(_LOCK_HEAD, [names[0]])
            found = cursor.fetchone()
    return str(found[0]), int(found[1]), str(found[2])


_ONE_QUERY_ROWS = 20  # more rows (a list page audits hundreds): COPY on PostgreSQL, cheaper than one huge query

_COLUMNS = ("chain", "seq", "at", "organization_id", "user_id", "username", "role", "action", "object_type",
            "object_id", "patient_id", "ip", "via", "outcome", "detail", "prev_hash", "hash")


def _insert(cursor: Any, rows: list[dict[str, Any]], move: list[Any]) -> None:
    """Insert the events with one prepared statement and move the strand's head to ``move`` (seq, hash,
    chain). A list screen audits hundreds of patients per page; ``bulk_create`` spent ~60 ms per page building
    its SQL value by value. On PostgreSQL the events (one multi-row INSERT) go in with the head's update in one
    round trip: two statements in one simple-protocol query, as Django's psycopg cursor binds parameters on the
    client side; more rows, a COPY then the update. SQLite: executemany, then the update."""
    values = _values(rows)
    if len(values) <= _ONE_QUERY_ROWS and rows_lib.one_trip(cursor):  # PostgreSQL: rows and head in one query
        cursor.execute(*_one_query(values, move))
        return
    fields, sql = _insert_sql()
    if len(values) == 1:  # a plain execute (psycopg's executemany sets up a pipeline)
        cursor.execute(sql, values[0])
    elif connection.vendor == "postgresql":  # many events (a list page, a filed group of results): COPY
        rows_lib.copy(cursor, AuditEvent._meta.db_table, [f.column for f in fields], values)
    else:  # executemany of one statement: sqlite3 prepares it once and loops in C
        cursor.executemany(sql, values)
    cursor.execute(_MOVE_HEAD, move)


def _values(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The rows' values in ``_COLUMNS`` order, in the database's form."""
    fields, _ = _insert_sql()
    # Only these columns need the database's own form; the rest are plain str/int/None. All rows of one
    # call share the time and address, so those are adapted once.
    adapt = {name: f for f, name in zip(fields, _COLUMNS, strict=True) if name in ("at", "ip", "detail")}
    shared = {name: adapt[name].get_db_prep_save(rows[0][name], connection) for name in ("at", "ip")}
    return [[shared[name] if name in shared else
             adapt["detail"].get_db_prep_save(row[name], connection) if name == "detail" else row[name]
             for name in _COLUMNS] for row in rows]


def _one_query(values: list[list[Any]], move: list[Any]) -> tuple[str, list[Any]]:
    """One multi-row INSERT of the events and the head's update, as one query of two statements."""
    _, sql = _insert_sql()
    many = ", ".join([sql.rsplit(" VALUES ", 1)[1]] * (len(values) - 1))
    return f"{sql}{', ' if many else ''}{many}; {_MOVE_HEAD}", [value for row in values for value in row] + move


@functools.cache
def _insert_sql() -> tuple[list[Field[Any, Any]], str]:
    fields = [field for name in _COLUMNS if isinstance(field := AuditEvent._meta.get_field(name), Field)]
    quote = connection.ops.quote_name  # the same on both databases
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
