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

from clinicdesk.lib import stamps
from clinicdesk.lib.stamps import Memo, get

__all__ = ["STAMP_SQL", "Memo", "clear", "current", "get", "held", "stamp"]

_cache = stamps.StampedCache("scheduling_configstamp")
STAMP_SQL = _cache.sql
current = _cache.current
stamp = _cache.stamp
held = _cache.held
clear = _cache.clear
