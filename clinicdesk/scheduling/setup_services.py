"""Writes for the schedule's setup (appointment types, requirements, resources, weekly templates, exceptions).

Each save goes through ``practice.services.structure_save`` (validate, save, audit) after checking that every
object it points at belongs to the same practice and that a resource's weekly blocks do not overlap.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.practice.models import Room
from clinicdesk.practice.services import structure_save
from clinicdesk.scheduling.models import (
    AvailabilityBlock,
    AvailabilityException,
    ExceptionKind,
    Resource,
    ResourceKind,
    TypeRequirement,
)
from clinicdesk.staff.models import Practitioner

M = TypeVar("M", bound=models.Model)


def _org_of(value: models.Model) -> int | None:
    if isinstance(value, TypeRequirement):
        return value.appointment_type.organization_id
    return getattr(value, "organization_id", None)


def _same_practice(fields: dict[str, Any], organization_id: int) -> None:
    errors: dict[str, str] = {}
    for name, value in fields.items():
        values = list(value) if isinstance(value, models.QuerySet | list | tuple) else [value]
        for item in values:
            if isinstance(item, models.Model) and _org_of(item) not in (None, organization_id):
                errors[name] = "Choose from this practice."
    if errors:
        raise ValidationError(errors)


def _check_block(instance: AvailabilityBlock, fields: dict[str, Any]) -> None:
    if fields.get("valid_from") and fields.get("valid_to") and fields["valid_to"] < fields["valid_from"]:
        raise ValidationError({"valid_to": "The last day must not be before the first day."})
    start, end, resource = fields.get("start_time"), fields.get("end_time"), fields.get("resource", instance.resource)
    if start is None or end is None or end <= start:
        return
    first, last = fields.get("valid_from"), fields.get("valid_to")
    for other in (AvailabilityBlock.objects.filter(resource=resource, weekday=fields.get("weekday", instance.weekday),
                                                   start_time__lt=end, end_time__gt=start)
                  .exclude(pk=instance.pk).select_related("location")):
        if (last is None or other.valid_from is None or other.valid_from <= last) and \
                (first is None or other.valid_to is None or first <= other.valid_to):
            raise ValidationError({"start_time": f"It overlaps the {other.start_time:%H:%M}–{other.end_time:%H:%M} "
                                                 f"block at {other.location} on the same day."})


def _check_requirement(instance: TypeRequirement, fields: dict[str, Any]) -> None:
    appointment_type = instance.appointment_type
    offset, duration = fields.get("offset_minutes") or 0, fields.get("duration_minutes")
    if duration is None and offset >= appointment_type.duration_minutes:
        raise ValidationError({"offset_minutes": "Without a duration the resource is held until the visit ends: "
                                                 "the offset must be less than the visit's length."})
    if "pool" in fields and not list(fields["pool"]):
        raise ValidationError({"pool": "Choose at least one resource."})


def setup_save(*, actor: Actor, instance: M, fields: dict[str, Any], organization_id: int) -> M:
    """Validate and save one piece of schedule setup, audited."""
    _same_practice(fields, organization_id)
    if isinstance(instance, AvailabilityBlock):
        _check_block(instance, fields)
    if isinstance(instance, TypeRequirement):
        _check_requirement(instance, fields)
    saved = structure_save(actor=actor, instance=instance, fields=fields, organization_id=organization_id)
    if isinstance(saved, AvailabilityException):
        transaction.on_commit(lambda: _offer_new_session(actor, saved))
    return saved


def _offer_new_session(actor: Actor, session: AvailabilityException) -> None:
    """New availability for a practitioner: offer its free times to the waitlist (after commit)."""
    from clinicdesk.scheduling.waitlist import waitlist_offer_session

    resource = session.resource
    if session.kind != ExceptionKind.EXTRA or resource.practitioner is None or session.location is None:
        return
    waitlist_offer_session(actor=actor, practitioner=resource.practitioner, location=session.location,
                           start=session.start, end=session.end)


def setup_delete(*, actor: Actor, instance: models.Model, organization_id: int) -> None:
    """Remove a weekly block, an exception or a requirement (setup, not patient data), audited."""
    if _org_of(instance) != organization_id:
        raise ValidationError("Not part of this practice.")
    with transaction.atomic():
        pk, name = instance.pk, type(instance).__name__
        detail = {"deleted": str(instance)}
        instance.delete()
        audit_record(actor=actor, action=Action.UPDATE, object_type=name, object_id=pk,
                     organization_id=organization_id, detail=detail)


def make_bookable(*, actor: Actor, organization_id: int, practitioner: Practitioner | None = None,
                  room: Room | None = None) -> Resource:
    """The resource of a practitioner or a room, created (or reactivated) when missing."""
    target = practitioner or room
    if target is None or (practitioner is None) == (room is None):
        raise ValidationError("Say which practitioner or room to make bookable.")
    if target.organization_id != organization_id:
        raise ValidationError("Not part of this practice.")
    with transaction.atomic():
        if practitioner is not None:
            resource, created = Resource.objects.get_or_create(
                practitioner=practitioner, defaults={"organization_id": organization_id,
                                                     "kind": ResourceKind.PRACTITIONER,
                                                     "name": practitioner.display_name})
        else:
            assert room is not None
            resource, created = Resource.objects.get_or_create(
                room=room, defaults={"organization_id": organization_id, "kind": ResourceKind.ROOM,
                                     "name": f"{room.name} ({room.location})", "location": room.location})
        if not created and not resource.active:
            resource.active = True
            resource.save(update_fields=["active"])
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, object_type="Resource",
                     object_id=resource.pk, organization_id=organization_id, detail={"bookable": str(target)})
    return resource
