"""From the database to the slots kernel: each resource's calendar over a window, as plain data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from clinicdesk.practice.models import Location
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


def location_timezone(location: Location) -> str:
    return location.timezone or location.organization.timezone


def type_spec(appointment_type: AppointmentType) -> TypeSpec:
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
    return (datetime.fromisoformat(value) if isinstance(value, str) else value).replace(tzinfo=UTC)


def _busy(ids: list[int], window: Interval) -> dict[int, list[Interval]]:
    """Active reservations reaching into ``window``, per resource. Read with a plain cursor: a search over
    50 practitioners reads a few thousand rows, and Django's per-value converters cost more than the query."""
    busy: dict[int, list[Interval]] = defaultdict(list)
    if not ids:
        return busy
    query = Reservation.objects.filter(resource_id__in=ids, active=True, start__lt=window.end,
                                       start__gte=window.start - LONGEST_RESERVATION, end__gt=window.start)
    if connection.vendor == "sqlite":  # as text: the driver's datetime converter costs ~4 µs a value
        query = query.annotate(s=Cast("start", TextField()), e=Cast("end", TextField()))
        sql, params = query.values_list("resource_id", "s", "e").query.sql_with_params()
    else:
        sql, params = query.values_list("resource_id", "start", "end").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":  # UTC, returned naive (or as text without the column's converter)
        for resource_id, start, end in rows:
            busy[resource_id].append(Interval(_utc(start), _utc(end)))
    else:
        for resource_id, start, end in rows:
            busy[resource_id].append(Interval(start, end))
    return busy


class TemplateLoader:
    """Reads weekly blocks and exceptions (with their allowed types) as plain rows, once per location and
    resource set for a whole search: a search walks several growing windows, the templates stay the same.
    Exceptions are read for ``horizon``, which must cover every window the loader serves."""

    def __init__(self, horizon: Interval) -> None:
        self.horizon = horizon
        self._seen: dict[tuple[int, tuple[int, ...]], tuple[Any, Any, Any]] = {}

    def load(self, ids: list[int], location: Location) -> tuple[dict[int, list[WeeklyBlock]],
                                                                 dict[int, list[Session]], dict[int, list[Interval]]]:
        key = (location.pk, tuple(sorted(ids)))
        if key not in self._seen:
            self._seen[key] = self._read(ids, location)
        return self._seen[key]

    def _read(self, ids: list[int], location: Location) -> tuple[Any, Any, Any]:
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
                EXCEPTIONS_SQL.format(marks=marks), [*ids, *_instants(self.horizon)]):
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
              type_id: int | None = None, loader: TemplateLoader | None = None) -> dict[int, Calendar]:
    """The calendar of each resource at ``location`` over ``window``: its weekly blocks there, extra
    sessions there, time off anywhere, and its reservations anywhere (a person is in one place at a time).
    ``busy_cache`` (resource id -> reservations over this same window) is read and filled when given. With
    ``type_id``, reservations are read only for resources that can hold that type here (the others' calendars
    are never open for it)."""
    by_id = {r.pk: r for r in resources}
    ids = list(by_id)
    zone = location_timezone(location)
    blocks, extra, off = (loader or TemplateLoader(window)).load(ids, location)
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
            resource_id=rid, timezone=zone, blocks=tuple(blocks[rid]), extra=tuple(extra[rid]),
            off=tuple(off[rid]), busy=tuple(sorted(busy.get(rid, ()), key=lambda i: i.start)),
            always_open=by_id[rid].kind in (ResourceKind.ROOM, ResourceKind.EQUIPMENT) and not blocks[rid],
        )
        for rid in ids
    }
