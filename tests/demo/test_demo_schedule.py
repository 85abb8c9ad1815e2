"""The demo's schedule: resources, types, templates, holidays, and a bulk-loaded history that the database accepts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinicdesk.audit.models import AuditEvent
from clinicdesk.demo.generate import generate_demo
from clinicdesk.demo.schedule import check_no_overlap
from clinicdesk.scheduling.models import (
    HOLDING,
    Appointment,
    AppointmentType,
    AvailabilityBlock,
    AvailabilityException,
    Reservation,
    Resource,
    ResourceKind,
    Status,
)

pytestmark = pytest.mark.django_db
SMALL = 3000


def schedule_snapshot() -> list[tuple[Any, ...]]:
    return list(Appointment.objects.order_by("start", "practitioner__npi").values_list(
        "practitioner__npi", "start", "end", "appointment_type__name", "status", "patient__mrn", "location__name"))


def load_and_roll_back(seed: int) -> list[tuple[Any, ...]]:
    with transaction.atomic():
        generate_demo(seed=seed, patients=30, appointments=SMALL)
        taken = schedule_snapshot()
        transaction.set_rollback(True)
    return taken


def test_same_seed_same_schedule() -> None:
    first, again, other = load_and_roll_back(3), load_and_roll_back(3), load_and_roll_back(4)
    assert first == again
    assert first != other


@pytest.fixture
def demo() -> Any:
    return generate_demo(seed=1, patients=40, appointments=SMALL)


def test_resources_types_and_templates(demo: Any) -> None:
    kinds = Counter(Resource.objects.values_list("kind", flat=True))
    assert kinds[ResourceKind.PRACTITIONER] == 8
    assert kinds[ResourceKind.STAFF] == 3
    assert kinds[ResourceKind.EQUIPMENT] >= 3
    assert kinds[ResourceKind.ROOM] >= 15
    types = {t.name: t for t in AppointmentType.objects.all()}
    assert {"New patient", "Follow-up", "Annual physical", "Telehealth", "Ultrasound", "MRI with contrast",
            "Minor procedure", "Surgery consult"} <= set(types)
    assert types["New patient"].duration_minutes == 40 and types["MRI with contrast"].duration_minutes == 45
    mri = {r.label: r for r in types["MRI with contrast"].requirements.all()}
    assert (mri["prep room"].offset_minutes, mri["prep room"].duration_minutes) == (-15, 15)
    assert mri["technologist"].pool.count() == 2
    assert {r.label for r in types["Ultrasound"].requirements.all()} >= {"sonographer", "ultrasound room"}
    for resource in Resource.objects.filter(kind=ResourceKind.PRACTITIONER):
        assert resource.blocks.exists()
    # Some practitioners work at both offices.
    pairs = set(AvailabilityBlock.objects.filter(resource__kind=ResourceKind.PRACTITIONER)
                .values_list("resource_id", "location_id"))
    assert max(Counter(resource for resource, _ in pairs).values()) == 2
    assert AvailabilityException.objects.filter(reason="Vacation").exists()


def test_appointments_history_and_upcoming(demo: Any) -> None:
    now = timezone.now()
    total = Appointment.objects.count()
    assert SMALL * 0.6 <= total <= SMALL * 1.8
    past = Counter(Appointment.objects.filter(start__lt=now).values_list("status", flat=True))
    future = Counter(Appointment.objects.filter(start__gte=now).values_list("status", flat=True))
    assert set(past) <= {Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED} and past[Status.COMPLETED] > 0
    assert set(future) <= {Status.BOOKED, Status.CONFIRMED, Status.CANCELLED} and future[Status.BOOKED] > 0
    assert Appointment.objects.filter(start__gte=now + timedelta(days=30)).exists()
    assert demo.schedule.appointments == total
    assert Reservation.objects.count() == demo.schedule.reservations
    assert AuditEvent.objects.filter(object_type="DemoPractice").count() == 1


def test_no_overlapping_active_reservations(demo: Any) -> None:
    assert check_no_overlap(demo.organization.pk) == 0
    inactive = set(Reservation.objects.filter(active=False).values_list("appointment_id", flat=True))
    assert inactive == set(Appointment.objects.exclude(status__in=HOLDING).filter(status=Status.CANCELLED)
                           .values_list("pk", flat=True))
    # The database guard is back after the load: an overlapping reservation is refused.
    taken = Reservation.objects.filter(active=True).first()
    assert taken is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(organization_id=taken.organization_id, appointment_id=taken.appointment_id,
                                   resource_id=taken.resource_id, start=taken.start, end=taken.end)


def test_appointments_lie_inside_the_templates(demo: Any) -> None:
    zone = ZoneInfo(demo.organization.timezone)
    blocks: dict[tuple[int, int, int], list[tuple[Any, Any]]] = {}
    for block in AvailabilityBlock.objects.filter(resource__kind=ResourceKind.PRACTITIONER).select_related("resource"):
        key = (block.resource.practitioner_id or 0, block.location_id, block.weekday)
        blocks.setdefault(key, []).append((block.start_time, block.end_time))
    allowed = {(b.resource.practitioner_id, t.pk) for b in AvailabilityBlock.objects.select_related("resource")
               .prefetch_related("types") for t in b.types.all()}
    for appt in Appointment.objects.all():
        start, end = appt.start.astimezone(zone), appt.end.astimezone(zone)
        sessions = blocks.get((appt.practitioner_id, appt.location_id, start.weekday()), [])
        assert any(a <= start.time() and end.time() <= b for a, b in sessions), appt
        assert (appt.practitioner_id, appt.appointment_type_id) in allowed
    holidays = AvailabilityException.objects.filter(reason="Thanksgiving")
    for off in holidays:
        assert not Reservation.objects.filter(resource=off.resource, start__lt=off.end, end__gt=off.start).exists()
