"""Private calendar feeds for practitioners: create (secret shown once), revoke, resolve."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.scheduling.models import Appointment, CalendarFeed, Status
from clinicdesk.staff.models import Practitioner

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=180)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_create(*, actor: Actor, practitioner: Practitioner) -> tuple[CalendarFeed, str]:
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(practitioner=practitioner, digest=_digest(secret), created_by=actor.user)
        audit_record(actor=actor, action=Action.CREATE, object_type="CalendarFeed", object_id=feed.pk,
                     organization_id=practitioner.organization_id)
    return feed, secret


def feed_revoke(*, actor: Actor, feed: CalendarFeed) -> CalendarFeed:
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action=Action.UPDATE, object_type="CalendarFeed", object_id=feed.pk,
                     organization_id=feed.practitioner.organization_id, detail={"revoked": True})
    feed.refresh_from_db()
    return feed


def feed_for_secret(secret: str) -> CalendarFeed | None:
    return (CalendarFeed.objects.select_related("practitioner").filter(digest=_digest(secret), revoked_at__isnull=True)
            .first())


def feed_appointments(feed: CalendarFeed) -> QuerySet[Appointment]:
    now = timezone.now()
    return (Appointment.objects.filter(practitioner=feed.practitioner, start__gte=now - FEED_PAST,
                                       start__lt=now + FEED_FUTURE)
            .exclude(status=Status.RESCHEDULED)
            .select_related("patient", "appointment_type", "location", "practitioner").order_by("start"))
