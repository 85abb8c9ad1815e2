"""Writes for the practice's structure (organization, locations, rooms, departments)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record

M = TypeVar("M", bound=models.Model)


def structure_save(*, actor: Actor, instance: M, fields: dict[str, Any], organization_id: int) -> M:
    """Validate and save one piece of practice structure, audited with the fields that were set."""
    many = {k: v for k, v in fields.items() if isinstance(instance._meta.get_field(k), models.ManyToManyField)}
    for name, value in fields.items():
        if name not in many:
            setattr(instance, name, value)
    instance.full_clean()
    with transaction.atomic():
        created = instance.pk is None
        instance.save()
        for name, value in many.items():
            getattr(instance, name).set(value)
        audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE,
                     object_type=type(instance).__name__, object_id=instance.pk, organization_id=organization_id,
                     detail={"fields": sorted(fields)})
    return instance
