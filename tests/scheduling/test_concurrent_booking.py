"""Many coordinators booking the same time at once: exactly one wins, on both databases."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import Appointment, Reservation
from clinicdesk.scheduling.services import SlotUnavailable, appointment_book
from tests.scheduling.conftest import Clinic, book_kwargs, local

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_threads_booking_one_slot_give_one_appointment(clinic: Clinic, patient: Any, monday: date) -> None:
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            appointment_book(actor=Actor.system(via="test"), **book_kwargs(clinic, patient, local(monday, 10)))
            outcomes.append("booked")
        except SlotUnavailable:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * 9
    assert Appointment.objects.count() == 1
    assert Reservation.objects.filter(active=True).count() == 1
