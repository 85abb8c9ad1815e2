"""From the database to the slots kernel: each resource's calendar over a window, as plain data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
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


def _type_ids(through: Any, owner: str, owner_ids: list[int]) -> dict[int, frozenset[int]]:
    """owner id -> the appointment type ids of its ``types`` (many-to-many through table)."""
    if not owner_ids:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    for owner_id, type_id in through.objects.filter(**{f"{owner}__in": owner_ids}).values_list(
            owner, "appointmenttype_id"):
        found[owner_id].add(type_id)
    return {k: frozenset(v) for k, v in found.items()}


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


def calendars(resources: Iterable[Resource], location: Location, window: Interval,
              busy_cache: dict[int, list[Interval]] | None = None,
              type_id: int | None = None) -> dict[int, Calendar]:
    """The calendar of each resource at ``location`` over ``window``: its weekly blocks there, extra
    sessions there, time off anywhere, and its reservations anywhere (a person is in one place at a time).
    ``busy_cache`` (resource id -> reservations over this same window) is read and filled when given. With
    ``type_id``, reservations are read only for resources that can hold that type here (the others' calendars
    are never open for it)."""
    by_id = {r.pk: r for r in resources}
    ids = list(by_id)
    zone = location_timezone(location)
    # Plain rows (values_list), not model instances: this runs on every search, for every practitioner.
    block_rows = list(AvailabilityBlock.objects.filter(resource_id__in=ids, location=location).values_list(
        "pk", "resource_id", "weekday", "start_time", "end_time", "valid_from", "valid_to"))
    block_types = _type_ids(AvailabilityBlock.types.through, "availabilityblock_id", [r[0] for r in block_rows])
    blocks: dict[int, list[WeeklyBlock]] = defaultdict(list)
    for pk, resource_id, weekday, start_time, end_time, valid_from, valid_to in block_rows:
        blocks[resource_id].append(WeeklyBlock(
            weekday=weekday, start=start_time, end=end_time, type_ids=block_types.get(pk, frozenset()),
            valid_from=valid_from, valid_to=valid_to))
    extra: dict[int, list[Session]] = defaultdict(list)
    off: dict[int, list[Interval]] = defaultdict(list)
    exc_rows = list(AvailabilityException.objects.filter(resource_id__in=ids, start__lt=window.end,
                                                         end__gt=window.start)
                    .values_list("pk", "resource_id", "kind", "location_id", "start", "end"))
    extra_rows = [r for r in exc_rows if r[2] != ExceptionKind.OFF and r[3] in (None, location.pk)]
    exc_types = _type_ids(AvailabilityException.types.through, "availabilityexception_id", [r[0] for r in extra_rows])
    for _pk, resource_id, kind, _location_id, start, end in exc_rows:
        if kind == ExceptionKind.OFF:
            off[resource_id].append(Interval(start, end))
    for pk, resource_id, _kind, _location_id, start, end in extra_rows:
        extra[resource_id].append(Session(Interval(start, end), exc_types.get(pk, frozenset())))
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
