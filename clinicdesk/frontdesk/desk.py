"""Front desk writes about people rather than appointments: the walk-in queue and the visitor log.

A walk-in is assigned to a practitioner by booking the first free time today through the normal booking
service (so the no-double-booking guarantee holds for walk-ins too). Directing a visitor to a staff member
creates an inbox task for that person (routed by the practice's rules, then handed to them by name).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.frontdesk.models import FrontDeskSettings, VisitorEntry, VisitorKind, WalkIn, WalkInStatus
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import Appointment, AppointmentType
from clinicdesk.scheduling.selectors import find_available, practitioner_resources
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book, resource_for_practitioner
from clinicdesk.scheduling.slots import Preferences
from clinicdesk.staff.models import Practitioner, User


def _audit(actor: Actor, action: str, obj: WalkIn | VisitorEntry | FrontDeskSettings, patient_id: int | None,
           detail: dict[str, Any]) -> None:
    audit_record(actor=actor, action=action, object_type=f"frontdesk.{type(obj).__name__}", object_id=obj.pk,
                 patient_id=patient_id, organization_id=obj.organization_id, detail=detail)


def _same_practice(actor: Actor, *things: Any) -> None:
    orgs = {getattr(t, "organization_id", None) for t in things if t is not None}
    if len(orgs) != 1 or (actor.organization_id is not None and actor.organization_id not in orgs):
        raise ValidationError("Everything must belong to your practice.")


def walkin_add(*, actor: Actor, location: Location, patient: Patient, reason: str,
               appointment_type: AppointmentType | None = None,
               preferred_practitioner: Practitioner | None = None) -> WalkIn:
    _same_practice(actor, location, patient, appointment_type, preferred_practitioner)
    entry = WalkIn(organization_id=location.organization_id, location=location, patient=patient,
                   reason=reason.strip(), appointment_type=appointment_type,
                   preferred_practitioner=preferred_practitioner, created_by=actor.user)
    entry.full_clean()
    with transaction.atomic():
        if WalkIn.objects.filter(patient=patient, location=location, status=WalkInStatus.WAITING).exists():
            raise ValidationError(f"{patient.display_name} is already in the walk-in queue.")
        entry.save()
        _audit(actor, Action.CREATE, entry, patient.pk, {"reason": entry.reason})
    return entry


def first_free_today(*, location: Location, appointment_type: AppointmentType,
                     practitioners: list[Practitioner] | None = None, now: datetime | None = None) -> Any:
    """The first free option today at ``location`` for the type, with one of ``practitioners`` (all: None)."""
    now = now or timezone.now()
    zone = ZoneInfo(location_timezone(location))
    resources = ([resource_for_practitioner(p) for p in practitioners] if practitioners
                 else practitioner_resources(location.organization_id))
    if not resources:
        return None
    end_of_day = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    options = find_available(appointment_type=appointment_type, practitioners=resources, locations=[location],
                             prefs=Preferences(earliest=now), n=1, horizon=end_of_day - now)
    return options[0] if options and options[0].start < end_of_day else None


def walkin_assign(*, actor: Actor, walk_in: WalkIn, appointment_type: AppointmentType,
                  practitioner: Practitioner | None = None) -> Appointment:
    """Book the walk-in's first free time today with ``practitioner`` (None: whoever is free first)."""
    _same_practice(actor, walk_in, appointment_type, practitioner)
    if walk_in.status != WalkInStatus.WAITING:
        raise ValidationError("This walk-in is no longer waiting.")
    choice = first_free_today(location=walk_in.location, appointment_type=appointment_type,
                              practitioners=[practitioner] if practitioner else None)
    if choice is None:
        who = practitioner.display_name if practitioner else "any practitioner"
        raise ValidationError(f"No free time left today with {who} for {appointment_type.name}.")
    chosen = practitioner or Practitioner.objects.get(pk=choice.practitioner_id)
    with transaction.atomic():
        locked = WalkIn.objects.select_for_update().get(pk=walk_in.pk)
        if locked.status != WalkInStatus.WAITING:
            raise ValidationError("This walk-in is no longer waiting.")
        try:
            appointment = appointment_book(actor=actor, patient=locked.patient, appointment_type=appointment_type,
                                           practitioner=chosen, location=locked.location, start=choice.start,
                                           reason=f"Walk-in: {locked.reason}"[:200])
        except SlotUnavailable as exc:
            raise ValidationError(f"That time was just taken; try again. ({exc.message})") from exc
        locked.status, locked.appointment, locked.assigned_at = WalkInStatus.ASSIGNED, appointment, timezone.now()
        locked.appointment_type = appointment_type
        locked.save()
        _audit(actor, Action.UPDATE, locked, locked.patient_id,
               {"assigned": chosen.pk, "appointment": appointment.pk})
    walk_in.refresh_from_db()
    return appointment


def walkin_leave(*, actor: Actor, walk_in: WalkIn) -> WalkIn:
    with transaction.atomic():
        locked = WalkIn.objects.select_for_update().get(pk=walk_in.pk)
        if locked.status != WalkInStatus.WAITING:
            raise ValidationError("This walk-in is no longer waiting.")
        locked.status = WalkInStatus.LEFT
        locked.save(update_fields=["status"])
        _audit(actor, Action.UPDATE, locked, locked.patient_id, {"status": WalkInStatus.LEFT})
    return locked


def visitor_add(*, actor: Actor, location: Location, name: str, purpose: str, kind: str = VisitorKind.OTHER,
                company: str = "", host: User | None = None, patient: Patient | None = None,
                notify: bool = True) -> VisitorEntry:
    """Log someone at the desk; with a host and ``notify``, tell the host they are here."""
    _same_practice(actor, location, host, patient)
    entry = VisitorEntry(organization_id=location.organization_id, location=location, name=name.strip(),
                         purpose=purpose.strip(), kind=kind, company=company.strip(), host=host, patient=patient,
                         created_by=actor.user)
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        _audit(actor, Action.CREATE, entry, entry.patient_id, {"kind": kind, "host": host.pk if host else None})
        if host is not None and notify:
            entry = visitor_direct(actor=actor, entry=entry, to=host)
    return entry


def visitor_direct(*, actor: Actor, entry: VisitorEntry, to: User, note: str = "") -> VisitorEntry:
    """Send the visitor to ``to``: an inbox task assigned to that person, recorded on the entry."""
    from clinicdesk.inbox.models import Kind
    from clinicdesk.inbox.services import item_create, item_reassign

    _same_practice(actor, entry, to)
    if not to.is_active:
        raise ValidationError({"to": "That account is not active."})
    with transaction.atomic():
        locked = VisitorEntry.objects.select_for_update().select_related("location", "organization").get(pk=entry.pk)
        if locked.left_at is not None:
            raise ValidationError("This visitor has already left.")
        who = f"{locked.name}" + (f" ({locked.company})" if locked.company else "")
        body = "\n".join(x for x in [f"{locked.get_kind_display()}: {locked.purpose}", note.strip()] if x)
        item = item_create(actor=actor, organization=locked.organization, kind=Kind.TASK, category="visitor",
                           title=f"Visitor at the front desk for you: {who}"[:200], body=body,
                           patient=locked.patient, location=locked.location, source="frontdesk")
        if item.assigned_user_id != to.pk:
            item_reassign(actor=actor, item=item, user=to, reason="visitor directed by the front desk")
        locked.directed_to, locked.directed_at, locked.inbox_item_id = to, timezone.now(), item.pk
        locked.save(update_fields=["directed_to", "directed_at", "inbox_item_id"])
        _audit(actor, Action.UPDATE, locked, locked.patient_id, {"directed_to": to.pk, "inbox_item": item.pk})
    return locked


def visitor_leave(*, actor: Actor, entry: VisitorEntry) -> VisitorEntry:
    with transaction.atomic():
        locked = VisitorEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.left_at is not None:
            raise ValidationError("This visitor has already left.")
        locked.left_at = timezone.now()
        locked.save(update_fields=["left_at"])
        _audit(actor, Action.UPDATE, locked, locked.patient_id, {"left": True})
    return locked


def desk_settings_save(*, actor: Actor, location: Location | None, organization_id: int, amber_minutes: int,
                       red_minutes: int, poll_seconds: int) -> FrontDeskSettings:
    """The board's waiting limits for one location, or for the whole practice (``location`` None)."""
    if location is not None and location.organization_id != organization_id:
        raise ValidationError("That location belongs to another practice.")
    if red_minutes <= amber_minutes:
        raise ValidationError({"red_minutes": "Red must come after amber."})
    with transaction.atomic():
        row = (FrontDeskSettings.objects.select_for_update()
               .filter(organization_id=organization_id, location=location).first()
               or FrontDeskSettings(organization_id=organization_id, location=location))
        created = row.pk is None
        row.amber_minutes, row.red_minutes, row.poll_seconds = amber_minutes, red_minutes, poll_seconds
        row.full_clean()
        row.save()
        _audit(actor, Action.CREATE if created else Action.UPDATE, row, None,
               {"location": location.pk if location else None, "amber": amber_minutes, "red": red_minutes,
                "poll": poll_seconds})
    return row
