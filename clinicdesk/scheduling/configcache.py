"""A per-process cache of the scheduling configuration, checked against the database on every use.

Every search and booking reads the same weekly templates, exceptions, type requirements and resources;
reading and converting them was most of a search's time. They change rarely, so each process keeps what it
built, keyed by what it was built from, for as long as ``ConfigStamp.value`` stays the same. Database triggers
give that value a new random number on any write to those tables (see migration 0004), so a cached value can
never outlive the rows it came from, whichever code wrote them.

Use: ``memo = configcache.current()`` once per operation (one indexed one-row read), then
``configcache.get(memo, key, build)``. With no stamp row (a test database flushed by a transactional test)
nothing is cached: ``current()`` returns None and ``get`` always builds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")
Memo = dict[Hashable, Any]

STAMP_SQL = "SELECT value FROM scheduling_configstamp WHERE id = 1"
_LIMIT = 2_000  # entries; a practice needs a few dozen, a network a few hundred

# One cache per database alias and process: (stamp, entries).
_held: dict[str, tuple[int, Memo]] = {}


def current() -> Memo | None:
    """The entries valid for the configuration as this connection sees it now (None: do not cache)."""
    with connection.cursor() as cursor:
        value = stamp(cursor)
    if value is None:
        return None
    held = _held.get(connection.alias)
    if held is None or held[0] != value or len(held[1]) > _LIMIT:
        held = (value, {})
        _held[connection.alias] = held
    return held[1]


def stamp(cursor: Any) -> int | None:
    """The configuration's stamp now (None: no stamp row)."""
    cursor.execute(STAMP_SQL)
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def held() -> tuple[int, Memo] | None:
    """What this process holds for the connection's database and the stamp it is valid for, *without* asking
    the database (None: nothing yet). Only for a caller that confirms the stamp itself (``STAMP_SQL``) in the
    transaction that acts on these entries, and starts over with ``current()`` when it moved; every other
    caller uses ``current()``."""
    held = _held.get(connection.alias)
    if held is None or len(held[1]) > _LIMIT:
        return None
    return held


def get(memo: Memo | None, key: Hashable, build: Callable[[], T]) -> T:
    if memo is None:
        return build()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = build()
        return value


def clear() -> None:
    _held.clear()
