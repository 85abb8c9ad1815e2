"""From the database to the slots kernel: each resource's calendar over a window, as plain data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

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


def calendars(resources: Iterable[Resource], location: Location, window: Interval) -> dict[int, Calendar]:
    """The calendar of each resource at ``location`` over ``window``: its weekly blocks there, extra
    sessions there, time off anywhere, and its reservations anywhere (a person is in one place at a time)."""
    by_id = {r.pk: r for r in resources}
    ids = list(by_id)
    zone = location_timezone(location)
    blocks: dict[int, list[WeeklyBlock]] = defaultdict(list)
    for block in (AvailabilityBlock.objects.filter(resource_id__in=ids, location=location)
                  .prefetch_related("types")):
        blocks[block.resource_id].append(WeeklyBlock(
            weekday=block.weekday, start=block.start_time, end=block.end_time,
            type_ids=frozenset(t.pk for t in block.types.all()),
            valid_from=block.valid_from, valid_to=block.valid_to))
    extra: dict[int, list[Session]] = defaultdict(list)
    off: dict[int, list[Interval]] = defaultdict(list)
    for exc in (AvailabilityException.objects.filter(resource_id__in=ids, start__lt=window.end, end__gt=window.start)
                .prefetch_related("types")):
        interval = Interval(exc.start, exc.end)
        if exc.kind == ExceptionKind.OFF:
            off[exc.resource_id].append(interval)
        elif exc.location_id in (None, location.pk):
            extra[exc.resource_id].append(Session(interval, frozenset(t.pk for t in exc.types.all())))
    busy: dict[int, list[Interval]] = defaultdict(list)
    for resource_id, start, end in (Reservation.objects.filter(
            resource_id__in=ids, active=True, start__lt=window.end,
            start__gte=window.start - LONGEST_RESERVATION, end__gt=window.start)
            .values_list("resource_id", "start", "end")):
        busy[resource_id].append(Interval(start, end))
    return {
        rid: Calendar(
            resource_id=rid, timezone=zone, blocks=tuple(blocks[rid]), extra=tuple(extra[rid]),
            off=tuple(off[rid]), busy=tuple(sorted(busy[rid], key=lambda i: i.start)),
            always_open=by_id[rid].kind in (ResourceKind.ROOM, ResourceKind.EQUIPMENT) and not blocks[rid],
        )
        for rid in ids
    }
