"""The waitlist: patients waiting for a time; freed times offered to the best-ranked, first to accept wins.

Until outbound messaging exists, an offer is work for the front desk: open offers are listed for staff to
call the patient, and staff record the answer (accept books the time through the normal booking service).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import location_timezone
from clinicdesk.scheduling.models import (
    Appointment,
    AppointmentType,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitStatus,
)
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book
from clinicdesk.staff.models import Practitioner

OFFERS_PER_FREED_TIME = 3
OFFER_VALID = timedelta(hours=4)


def waitlist_add(*, actor: Actor, patient: Patient, appointment_type: AppointmentType, earliest_date: date,
                 latest_date: date, practitioner: Practitioner | None = None, location: Location | None = None,
                 weekdays: list[int] | None = None, priority: int = 0, notes: str = "") -> WaitlistEntry:
    if latest_date < earliest_date:
        raise ValidationError({"latest_date": "The last day is before the first day."})
    if any(d not in range(7) for d in weekdays or []):
        raise ValidationError({"weekdays": "Weekdays are 0 (Monday) to 6 (Sunday)."})
    entry = WaitlistEntry(organization_id=patient.organization_id, patient=patient, appointment_type=appointment_type,
                          practitioner=practitioner, location=location, earliest_date=earliest_date,
                          latest_date=latest_date, weekdays=sorted(set(weekdays or [])), priority=priority,
                          notes=notes, created_by=actor.user)
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        audit_record(actor=actor, action=Action.CREATE, object_type="WaitlistEntry", object_id=entry.pk,
                     patient_id=patient.pk, organization_id=patient.organization_id)
    return entry


def waitlist_matches(*, appointment_type: AppointmentType, practitioner: Practitioner, location: Location,
                     start: datetime) -> list[WaitlistEntry]:
    """Waiting entries this time suits, best-ranked first (priority, then who waited longest)."""
    day = start.astimezone(ZoneInfo(location_timezone(location))).date()
    entries: QuerySet[WaitlistEntry] = WaitlistEntry.objects.filter(
        organization_id=appointment_type.organization_id, status=WaitStatus.WAITING,
        appointment_type=appointment_type, earliest_date__lte=day, latest_date__gte=day,
    ).filter(Q(practitioner__isnull=True) | Q(practitioner=practitioner),
             Q(location__isnull=True) | Q(location=location)).select_related("patient")
    return [e for e in entries if not e.weekdays or day.weekday() in e.weekdays]


def waitlist_offer_freed(*, actor: Actor, appointment: Appointment) -> list[WaitlistOffer]:
    """Offer a freed time (the cancelled or moved ``appointment``'s) to the best-ranked waiting patients.
    Called after the change that freed it has committed; a time already in the past is not offered."""
    if appointment.start <= timezone.now():
        return []
    from clinicdesk.scheduling.calendars import type_spec
    from clinicdesk.scheduling.selectors import choice_at
    from clinicdesk.scheduling.services import resource_for_practitioner

    spec, resource = type_spec(appointment.appointment_type), resource_for_practitioner(appointment.practitioner)
    if choice_at(spec, resource, appointment.location, appointment.start) is None:
        return []  # the time was given to someone else meanwhile (e.g. a reschedule into it)
    candidates = [e for e in waitlist_matches(appointment_type=appointment.appointment_type,
                                              practitioner=appointment.practitioner, location=appointment.location,
                                              start=appointment.start)
                  if e.patient_id != appointment.patient_id]
    offers = []
    with transaction.atomic():
        for entry in candidates[:OFFERS_PER_FREED_TIME]:
            offer = WaitlistOffer.objects.create(entry=entry, start=appointment.start,
                                                 practitioner=appointment.practitioner,
                                                 location=appointment.location,
                                                 expires_at=min(timezone.now() + OFFER_VALID, appointment.start))
            audit_record(actor=actor, action=Action.CREATE, object_type="WaitlistOffer", object_id=offer.pk,
                         patient_id=entry.patient_id, organization_id=entry.organization_id,
                         detail={"start": appointment.start.isoformat()})
            offers.append(offer)
    return offers


def _close_rivals(offer: WaitlistOffer) -> None:
    (WaitlistOffer.objects.filter(start=offer.start, practitioner=offer.practitioner, status=OfferStatus.OPEN)
     .exclude(pk=offer.pk).update(status=OfferStatus.LOST, answered_at=timezone.now()))


def waitlist_accept(*, actor: Actor, offer: WaitlistOffer) -> Appointment:
    """The patient takes the offered time: it is booked for them, and the same time offered to others is
    marked lost. If someone was faster, the offer is lost and SlotUnavailable says so."""
    try:
        with transaction.atomic():
            current = WaitlistOffer.objects.select_for_update().select_related(
                "entry__patient", "entry__appointment_type", "practitioner", "location").get(pk=offer.pk)
            if current.status != OfferStatus.OPEN:
                raise ValidationError(f"This offer is already {current.get_status_display().lower()}.")
            if current.expires_at <= timezone.now():
                raise OfferExpired("This offer has expired.")
            entry = current.entry
            appointment = appointment_book(actor=actor, patient=entry.patient, appointment_type=entry.appointment_type,
                                           practitioner=current.practitioner, location=current.location,
                                           start=current.start, reason="from the waitlist")
            _answer(current, OfferStatus.ACCEPTED)
            entry.status, entry.booked = WaitStatus.BOOKED, appointment
            entry.save(update_fields=["status", "booked"])
            _close_rivals(current)
            return appointment
    except OfferExpired:
        _answer(offer, OfferStatus.EXPIRED)
        raise
    except SlotUnavailable:
        with transaction.atomic():
            _answer(offer, OfferStatus.LOST)
            _close_rivals(offer)
        raise


class OfferExpired(ValidationError):
    pass


def _answer(offer: WaitlistOffer, status: str) -> None:
    WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(status=status,
                                                                               answered_at=timezone.now())


def waitlist_decline(*, actor: Actor, offer: WaitlistOffer) -> WaitlistOffer:
    with transaction.atomic():
        current = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if current.status != OfferStatus.OPEN:
            raise ValidationError(f"This offer is already {current.get_status_display().lower()}.")
        current.status, current.answered_at = OfferStatus.DECLINED, timezone.now()
        current.save(update_fields=["status", "answered_at"])
        audit_record(actor=actor, action=Action.UPDATE, object_type="WaitlistOffer", object_id=current.pk,
                     patient_id=current.entry.patient_id, organization_id=current.entry.organization_id,
                     detail={"status": "declined"})
    return current


def waitlist_offer_session(*, actor: Actor, practitioner: Practitioner, location: Location, start: datetime,
                           end: datetime) -> list[WaitlistOffer]:
    """New availability (an extra session): offer its free times to waiting patients, each waiting patient
    one time, each time to at most OFFERS_PER_FREED_TIME patients, best-ranked first."""
    from clinicdesk.scheduling.selectors import find_available
    from clinicdesk.scheduling.services import resource_for_practitioner
    from clinicdesk.scheduling.slots import Preferences

    resource = resource_for_practitioner(practitioner)
    types = AppointmentType.objects.filter(
        pk__in=WaitlistEntry.objects.filter(organization_id=practitioner.organization_id, status=WaitStatus.WAITING)
        .values("appointment_type_id"))
    offered: set[int] = set()
    offers: list[WaitlistOffer] = []
    with transaction.atomic():
        for appointment_type in types:
            choices = find_available(appointment_type=appointment_type, practitioners=[resource], locations=[location],
                                     prefs=Preferences(earliest=max(start, timezone.now())), n=50,
                                     horizon=end - start)
            for choice in (c for c in choices if c.end <= end):
                entries = [e for e in waitlist_matches(appointment_type=appointment_type, practitioner=practitioner,
                                                       location=location, start=choice.start) if e.pk not in offered]
                for entry in entries[:OFFERS_PER_FREED_TIME]:
                    offered.add(entry.pk)
                    offers.append(WaitlistOffer.objects.create(
                        entry=entry, start=choice.start, practitioner=practitioner, location=location,
                        expires_at=min(timezone.now() + OFFER_VALID, choice.start)))
                    audit_record(actor=actor, action=Action.CREATE, object_type="WaitlistOffer",
                                 object_id=offers[-1].pk, patient_id=entry.patient_id,
                                 organization_id=entry.organization_id, detail={"start": choice.start.isoformat()})
    return offers
