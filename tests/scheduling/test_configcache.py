"""The per-process configuration cache never serves what the database no longer holds."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from clinicdesk.audit.services import Actor
from clinicdesk.practice.models import Location
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.models import AvailabilityException, ExceptionKind, Resource, TypeRequirement
from clinicdesk.scheduling.selectors import find_available
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book
from tests.scheduling.conftest import Clinic, add_blocks, book_kwargs, local

pytestmark = pytest.mark.django_db


def _stamp() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM scheduling_configstamp WHERE id = 1")
        return int(cursor.fetchone()[0])


def _starts(clinic: Clinic, day: date, **kwargs: Any) -> list[Any]:
    from clinicdesk.scheduling.slots import Preferences

    return [c.start for c in find_available(appointment_type=clinic.follow_up, practitioners=[clinic.resource],
                                            locations=[clinic.location], prefs=Preferences(earliest=local(day, 0)),
                                            n=3, **kwargs)]


@pytest.mark.parametrize("write", ["block", "exception", "type", "requirement", "resource", "location"])
def test_every_kind_of_configuration_write_changes_the_stamp(clinic: Clinic, write: str) -> None:
    before = _stamp()
    if write == "block":
        add_blocks(clinic.resource, clinic.location, time(13), time(14), range(1))
    elif write == "exception":
        AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource,
                                             kind=ExceptionKind.OFF, start=local(date.today(), 9),
                                             end=local(date.today(), 10))
    elif write == "type":
        clinic.follow_up.duration_minutes = 30
        clinic.follow_up.save()
    elif write == "requirement":
        TypeRequirement.objects.filter(appointment_type=clinic.mri).first().pool.remove(clinic.scanner)
    elif write == "resource":
        Resource.objects.filter(pk=clinic.scanner.pk).update(active=False)
    else:
        Location.objects.filter(pk=clinic.location.pk).update(timezone="America/Denver")
    assert _stamp() != before


def test_a_vacation_added_after_a_search_is_seen_by_the_next_search(clinic: Clinic, monday: date) -> None:
    assert _starts(clinic, monday)[0] == local(monday, 9)
    assert configcache.current()  # the first search filled the cache
    AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource, kind=ExceptionKind.OFF,
                                         start=local(monday, 0), end=local(monday + timedelta(days=1), 0))
    assert _starts(clinic, monday)[0] == local(monday + timedelta(days=1), 9)


def test_a_change_rolled_back_leaves_the_cache_right(clinic: Clinic, monday: date, patient: Any) -> None:
    assert _starts(clinic, monday)[0] == local(monday, 9)
    with pytest.raises(RuntimeError), transaction.atomic():
        AvailabilityException.objects.create(organization=clinic.org, resource=clinic.resource,
                                             kind=ExceptionKind.OFF, start=local(monday, 0),
                                             end=local(monday + timedelta(days=1), 0))
        assert _starts(clinic, monday)[0] == local(monday + timedelta(days=1), 9)  # seen inside
        raise RuntimeError("roll back")
    assert _starts(clinic, monday)[0] == local(monday, 9)  # and gone again after
    appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 9)))


def test_booking_uses_the_current_templates(clinic: Clinic, monday: date, patient: Any) -> None:
    appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 9)))
    clinic.resource.blocks.all().delete()
    with pytest.raises(SlotUnavailable):
        appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 10)))


def test_a_cached_search_asks_the_database_only_for_the_stamp_and_the_bookings(clinic: Clinic,
                                                                              monday: date) -> None:
    from django.test.utils import CaptureQueriesContext

    _starts(clinic, monday)
    with CaptureQueriesContext(connection) as captured:
        assert _starts(clinic, monday)[0] == local(monday, 9)
    tables = [q["sql"] for q in captured.captured_queries]
    assert len(tables) == 2, tables
    assert "scheduling_configstamp" in tables[0] and "scheduling_reservation" in tables[1]


def test_without_the_stamp_row_nothing_is_cached_and_searches_still_work(clinic: Clinic, monday: date) -> None:
    assert configcache.current() is not None and configcache.held() is not None
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scheduling_configstamp")
    assert configcache.current() is None
    assert configcache.held() is None  # nothing stale offered to a booking that checks the stamp itself
    assert _starts(clinic, monday)[0] == local(monday, 9)
    clinic.resource.blocks.all().delete()
    assert _starts(clinic, monday) == []
