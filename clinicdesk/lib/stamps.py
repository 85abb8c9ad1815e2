"""Per-process caches checked against one stamp row that database triggers keep changing.

Some configuration is read on every hot operation and changes rarely: scheduling's templates and types
(``scheduling.configcache``), inbox routing's rules and pools (``inbox.routingcache``). Each such cache has a
one-row stamp table; triggers on every table it caches set the stamp to a new random number on any write —
whoever writes, ORM, raw SQL, a bulk load, the admin. A process keeps what it built for as long as the stamp it
built it under is the one the database shows. Random, never a counter: a rolled-back change leaves the old
value, and a later change cannot come back to a value already seen.

``install_triggers``/``remove_triggers`` are for the migration that creates a stamp table (SQLite: one row
trigger per table and operation; PostgreSQL: one statement-level trigger per table calling
``<stamp table>_bump()``). ``StampedCache`` is the process side. With no stamp row (a test database flushed by
a transactional test) nothing is cached.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")
Memo = dict[Hashable, Any]
_LIMIT = 2_000  # entries per cache; a practice needs a few dozen, a network a few hundred


class StampedCache:
    def __init__(self, stamp_table: str) -> None:
        self.sql = f"SELECT value FROM {stamp_table} WHERE id = 1"  # noqa: S608 (a table name of ours)
        self._held: dict[str, tuple[int, Memo]] = {}  # per database alias: (stamp, entries)

    def stamp(self, cursor: Any) -> int | None:
        """The stamp now (None: no stamp row)."""
        cursor.execute(self.sql)
        row = cursor.fetchone()
        return None if row is None else int(row[0])

    def current(self) -> Memo | None:
        """The entries valid for the configuration as this connection sees it now (None: do not cache)."""
        with connection.cursor() as cursor:
            value = self.stamp(cursor)
        if value is None:  # nothing to check against: drop what is held, so ``held()`` offers nothing stale
            self._held.pop(connection.alias, None)
            return None
        held = self._held.get(connection.alias)
        if held is None or held[0] != value or len(held[1]) > _LIMIT:
            held = (value, {})
            self._held[connection.alias] = held
        return held[1]

    def held(self) -> tuple[int, Memo] | None:
        """What this process holds and the stamp it is valid for, *without* asking the database (None:
        nothing yet). Only for a caller that confirms the stamp itself (``sql``) in the transaction that acts on
        these entries and starts over with ``current()`` when it moved."""
        held = self._held.get(connection.alias)
        if held is None or len(held[1]) > _LIMIT:
            return None
        return held

    def clear(self) -> None:
        self._held.clear()


def get(memo: Memo | None, key: Hashable, build: Callable[[], T]) -> T:
    """``memo[key]``, built on first use; with no memo (nothing cached), always built."""
    if memo is None:
        return build()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build()
        return value


_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def install_triggers(schema_editor: Any, *, stamp_table: str, prefix: str, tables: Sequence[str]) -> None:
    """Create the stamp row and the triggers that change it on every write to ``tables``."""
    # Only table and trigger names of ours go into these statements (S608 below): no values.
    schema_editor.execute(f"INSERT INTO {stamp_table} (id, value) VALUES (1, 1)")  # noqa: S608
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {stamp_table}_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
            f"UPDATE {stamp_table} SET value = (random() * 9.2e18 - 4.6e18)::bigint WHERE id = 1; "
            "RETURN NULL; END $$")
    for table in tables:
        if vendor == "sqlite":
            for op in _OPERATIONS:
                schema_editor.execute(
                    f"CREATE TRIGGER {prefix}_{table}_{op.lower()} AFTER {op} ON {table} "  # noqa: S608
                    f"BEGIN UPDATE {stamp_table} SET value = random() WHERE id = 1; END")
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {prefix}_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {stamp_table}_bump()")


def remove_triggers(schema_editor: Any, *, stamp_table: str, prefix: str, tables: Sequence[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "sqlite":
            for op in _OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {prefix}_{table}_{op.lower()}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {prefix}_bump ON {table}")
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {stamp_table}_bump()")
