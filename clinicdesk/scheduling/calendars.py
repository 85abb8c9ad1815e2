"""From the database to the slots kernel: each resource's calendar over a window, as plain data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection

from clinicdesk.practice.models import Location
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.configcache import Memo
from clinicdesk.scheduling.models import (
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    ExceptionKind,
    Reservation,
    Resource,
    ResourceKind,
)
from clinicdesk.scheduling.slots import Calendar, Interval, Requirement, Session, TypeSpec, WeeklyBlock

# The longest a reservation can be (an appointment type is at most 12 hours plus buffers): how far before
# a window to look for reservations that still reach into it.
LONGEST_RESERVATION = timedelta(hours=20)


def location_timezone(location: Location, memo: Memo | None = None) -> str:
    if location.timezone:
        return location.timezone
    return configcache.get(memo, ("tz", location.pk), lambda: location.organization.timezone)


def type_spec(appointment_type: AppointmentType, memo: Memo | None = None) -> TypeSpec:
    """The type as the kernel sees it (with ``memo`` from ``configcache.current()``: built once per process
    and configuration)."""
    t = appointment_type
    key = ("spec", t.pk, t.duration_minutes, t.buffer_before_minutes, t.buffer_after_minutes)
    return configcache.get(memo, key, lambda: _type_spec(t))


def _type_spec(appointment_type: AppointmentType) -> TypeSpec:
    requirements = tuple(
        Requirement(
            pool=tuple(sorted(r.pk for r in req.pool.all() if r.active)),
            offset=timedelta(minutes=req.offset_minutes),
            duration=timedelta(minutes=req.duration_minutes) if req.duration_minutes else None,
        )
        for req in appointment_type.requirements.prefetch_related("pool")
    )
    return TypeSpec(
        id=appointment_type.pk,
        duration=timedelta(minutes=appointment_type.duration_minutes),
        buffer_before=timedelta(minutes=appointment_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=appointment_type.buffer_after_minutes),
        requirements=requirements,
    )


def _utc(value: datetime | str) -> datetime:
    """UTC from a datetime or ISO text; SQLite's are naive UTC, PostgreSQL's text ends in +00."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _busy(ids: list[int], window: Interval) -> dict[int, list[Interval]]:
    """Busy time reaching into ``window``, per resource, as disjoint intervals in time order.

    The rows come back ordered, as UTC text (no per-value converter, on either database), are merged on the
    text (it sorts as the times do) and only the merged spans are parsed: a fully booked day becomes a few
    spans instead of dozens of intervals. Merging changes nothing for the kernel, which only asks whether a
    time is busy. (Merging in SQL with window functions was tried: slower on both databases.)"""
    busy: dict[int, list[Interval]] = defaultdict(list)
    if not ids:
        return busy
    marks = ", ".join(["%s"] * len(ids))
    params = [True, *ids, *_instants(Interval(window.start - LONGEST_RESERVATION, window.end)),
              _instants(window)[1]]
    _merge_text(_rows(BUSY_SQL.format(marks=marks), params), busy)
    return busy


def _merge_text(rows: list[tuple[Any, ...]], busy: dict[int, list[Interval]]) -> None:
    """Rows (resource, start, end) ordered by resource and start, as ISO text → merged spans per resource."""
    current, lo, hi = None, "", ""
    for resource_id, start, end in rows:
        if resource_id == current and start <= hi:
            hi = max(hi, end)
            continue
        if current is not None:
            busy[current].append(Interval(_utc(lo), _utc(hi)))
        current, lo, hi = resource_id, start, end
    if current is not None:
        busy[current].append(Interval(_utc(lo), _utc(hi)))


class TemplateLoader:
    """Reads weekly blocks and exceptions (with their allowed types) as plain rows, once per location and
    resource set for a whole search: a search walks several growing windows, the templates stay the same.
    Exceptions are read for ``horizon``, which must cover every window the loader serves."""

    def __init__(self, horizon: Interval, memo: Memo | None = None) -> None:
        self.horizon = horizon
        self.memo = memo
        self._seen: dict[tuple[int, tuple[int, ...]], tuple[Any, Any, Any]] = {}

    def load(self, ids: list[int], location: Location) -> tuple[dict[int, list[WeeklyBlock]],
                                                                 dict[int, list[Session]], dict[int, list[Interval]]]:
        key = (location.pk, tuple(sorted(ids)))
        if key not in self._seen:
            self._seen[key] = self._shared(key, ids, location) if self.memo is not None else \
                self._read(ids, location, self.horizon)
        return self._seen[key]

    def _shared(self, key: tuple[int, tuple[int, ...]], ids: list[int], location: Location) -> tuple[Any, Any, Any]:
        """From the process cache: exceptions there cover a year ahead, so most searches reuse them."""
        assert self.memo is not None
        held = self.memo.get(("templates", key))
        if held is None or not (held[0].start <= self.horizon.start and self.horizon.end <= held[0].end):
            now = datetime.now(UTC)
            wide = Interval(min(self.horizon.start, now - timedelta(days=2)),
                            max(self.horizon.end, now + timedelta(days=400)))
            held = self.memo[("templates", key)] = (wide, self._read(ids, location, wide))
        return held[1]

    def _read(self, ids: list[int], location: Location, horizon: Interval) -> tuple[Any, Any, Any]:
        # Two plain SQL reads (rows joined to their allowed types): building these as ORM queries cost more
        # than running them, on every search.
        blocks: dict[int, list[WeeklyBlock]] = defaultdict(list)
        extra: dict[int, list[Session]] = defaultdict(list)
        off: dict[int, list[Interval]] = defaultdict(list)
        if not ids:
            return blocks, extra, off
        marks = ", ".join(["%s"] * len(ids))
        block_types: dict[int, set[int]] = defaultdict(set)
        block_rows: dict[int, tuple[Any, ...]] = {}
        for pk, rid, weekday, start, end, valid_from, valid_to in _rows(
                BLOCKS_SQL.format(marks=marks), [location.pk, *ids]):
            block_rows[pk] = (rid, weekday, _time(start), _time(end), _date(valid_from), _date(valid_to))
        # The allowed types apart (integers only): joined, each block's times came back once per type.
        for pk, type_id in _rows(BLOCK_TYPES_SQL.format(marks=marks), [location.pk, *ids]):
            block_types[pk].add(type_id)
        for pk, (rid, weekday, start, end, valid_from, valid_to) in sorted(block_rows.items()):
            blocks[rid].append(WeeklyBlock(weekday=weekday, start=start, end=end,
                                           type_ids=frozenset(block_types.get(pk, ())),
                                           valid_from=valid_from, valid_to=valid_to))
        sessions: dict[int, tuple[int, Interval]] = {}
        session_types: dict[int, set[int]] = defaultdict(set)
        for pk, rid, kind, location_id, start, end, type_id in _rows(
                EXCEPTIONS_SQL.format(marks=marks), [*ids, *_instants(horizon)]):
            interval = Interval(_utc(start), _utc(end))
            if kind == ExceptionKind.OFF:
                if interval not in off[rid]:
                    off[rid].append(interval)
            elif location_id in (None, location.pk):
                sessions[pk] = (rid, interval)
                if type_id is not None:
                    session_types[pk].add(type_id)
        for pk, (rid, interval) in sorted(sessions.items()):
            extra[rid].append(Session(interval, frozenset(session_types.get(pk, ()))))
        return blocks, extra, off


# Only table names (from the models) and placeholders go into these; every value is a parameter.
BLOCKS_SQL = (
    "SELECT b.id, b.resource_id, b.weekday, b.start_time, b.end_time, b.valid_from, b.valid_to "
    f"FROM {AvailabilityBlock._meta.db_table} b WHERE b.location_id = %s AND b.resource_id IN ({{marks}})"
)
BLOCK_TYPES_SQL = (
    f"SELECT t.availabilityblock_id, t.appointmenttype_id FROM {AvailabilityBlock.types.through._meta.db_table} t "
    f"JOIN {AvailabilityBlock._meta.db_table} b ON b.id = t.availabilityblock_id "
    "WHERE b.location_id = %s AND b.resource_id IN ({marks})"
)
EXCEPTIONS_SQL = (
    'SELECT e.id, e.resource_id, e.kind, e.location_id, e.start, e."end", t.appointmenttype_id '
    f"FROM {AvailabilityException._meta.db_table} e LEFT JOIN {AvailabilityException.types.through._meta.db_table} t "
    'ON t.availabilityexception_id = e.id WHERE e.resource_id IN ({marks}) AND e.start < %s AND e."end" > %s'
)


# Django keeps PostgreSQL sessions in UTC, so both databases give the same sortable text.
BUSY_SQL = (
    'SELECT resource_id, CAST("start" AS text), CAST("end" AS text)'
    f" FROM {Reservation._meta.db_table}"
    ' WHERE active = %s AND resource_id IN ({marks}) AND "start" < %s AND "start" >= %s AND "end" > %s'
    ' ORDER BY resource_id, "start"'
)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _instants(window: Interval) -> list[Any]:
    """The window's end and start as the database compares them (SQLite keeps UTC text)."""
    adapt = connection.ops.adapt_datetimefield_value
    return [adapt(window.end.astimezone(UTC)), adapt(window.start.astimezone(UTC))]


def _time(value: Any) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def calendars(resources: Iterable[Resource], location: Location, window: Interval,
              busy_cache: dict[int, list[Interval]] | None = None,
              type_id: int | None = None, loader: TemplateLoader | None = None,
              memo: Memo | None = None) -> dict[int, Calendar]:
    """The calendar of each resource at ``location`` over ``window``: its weekly blocks there, extra
    sessions there, time off anywhere, and its reservations anywhere (a person is in one place at a time).
    ``busy_cache`` (resource id -> reservations over this same window) is read and filled when given. With
    ``type_id``, reservations are read only for resources that can hold that type here (the others' calendars
    are never open for it)."""
    by_id = {r.pk: r for r in resources}
    ids = list(by_id)
    zone = location_timezone(location, memo if loader is None else loader.memo)
    blocks, extra, off = (loader or TemplateLoader(window, memo)).load(ids, location)
    # A person with no session here is never open here: their reservations cannot matter.
    always = {rid for rid, r in by_id.items() if r.kind in (ResourceKind.ROOM, ResourceKind.EQUIPMENT)}
    wanted = [rid for rid in ids if (rid in always and not blocks.get(rid))
              or any(type_id is None or not b.type_ids or type_id in b.type_ids for b in blocks.get(rid, ()))
              or any(type_id is None or not x.type_ids or type_id in x.type_ids for x in extra.get(rid, ()))]
    if busy_cache is None:
        busy = _busy(wanted, window)
    else:  # reservations are per resource, not per location: one read serves every location of a search step
        fresh = _busy([rid for rid in wanted if rid not in busy_cache], window)
        busy_cache.update({rid: fresh.get(rid, []) for rid in wanted if rid not in busy_cache})
        busy = busy_cache
    return {
        rid: Calendar(
            resource_id=rid, timezone=zone, blocks=tuple(blocks.get(rid, ())), extra=tuple(extra.get(rid, ())),
            off=tuple(off.get(rid, ())), busy=tuple(busy.get(rid, ())),  # _busy returns them in time order
            always_open=by_id[rid].kind in (ResourceKind.ROOM, ResourceKind.EQUIPMENT) and not blocks.get(rid),
        )
        for rid in ids
    }
