"""The today board: sections, waiting-time levels, the practitioner filter, the fingerprint, and its cost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinicdesk.frontdesk.models import FrontDeskSettings, Stage, Visit, WalkIn
from clinicdesk.frontdesk.selectors import desk_limits, today_board
from clinicdesk.frontdesk.services import visit_check_in, visit_step
from clinicdesk.scheduling.models import Appointment, Status
from clinicdesk.staff.models import Practitioner
from tests.conftest import actor_for, make_patient
from tests.frontdesk.conftest import appointment_today, today_at

pytestmark = pytest.mark.django_db


def _sections(board: Any) -> dict[str, list[str]]:
    return {key: [c.appointment.patient.family_name for c in cards] for key, _, cards in board.sections}


def test_each_patient_sits_in_the_section_of_their_step(clinic: Any, org: Any, frontdesk: Any, rooms: Any) -> None:
    actor = actor_for(frontdesk)
    names = ["Expected", "Waiting", "Roomed", "WithDoc", "Ready", "Done", "Absent", "Cancelled"]
    appts = {n: appointment_today(clinic, make_patient(org, family_name=n), minutes_from_now=i)
             for i, n in enumerate(names)}
    for n in names[1:6]:
        visit_check_in(actor=actor, appointment=appts[n])
    for n in names[2:6]:
        visit_step(actor=actor, appointment=appts[n], step="room", room=rooms[0])
    visit_step(actor=actor, appointment=appts["WithDoc"], step="with_practitioner")
    visit_step(actor=actor, appointment=appts["Ready"], step="ready")
    from clinicdesk.frontdesk.services import visit_check_out
    visit_check_out(actor=actor, appointment=appts["Done"])
    visit_step(actor=actor, appointment=appts["Absent"], step="no_show")
    Appointment.objects.filter(pk=appts["Cancelled"].pk).update(status=Status.CANCELLED)
    board = today_board(location=clinic.location)
    assert _sections(board) == {"expected": ["Expected"], "waiting": ["Waiting"], "roomed": ["Roomed"],
                                "with_practitioner": ["WithDoc"], "ready": ["Ready"], "done": ["Done"],
                                "no_show": ["Absent"]}
    roomed = next(cards for key, _, cards in board.sections if key == "roomed")[0]
    assert roomed.visit is not None and roomed.visit.room == rooms[0]


def test_waiting_turns_amber_then_red_past_the_locations_limits(clinic: Any, org: Any, frontdesk: Any) -> None:
    assert desk_limits(clinic.location).amber_minutes == 15  # the default
    FrontDeskSettings.objects.create(organization=org, amber_minutes=20, red_minutes=40)
    FrontDeskSettings.objects.create(organization=org, location=clinic.location, amber_minutes=5, red_minutes=10)
    now = timezone.now()
    for name, waited in (("Fresh", 2), ("Amber", 7), ("Red", 25)):
        appt = appointment_today(clinic, make_patient(org, family_name=name))
        visit_check_in(actor=actor_for(frontdesk), appointment=appt, arrived_at=now - timedelta(minutes=waited))
    board = today_board(location=clinic.location, now=now)
    waiting = next(cards for key, _, cards in board.sections if key == "waiting")
    assert [(c.appointment.patient.family_name, c.waiting_minutes, c.level) for c in waiting] == [
        ("Red", 25, "red"), ("Amber", 7, "amber"), ("Fresh", 2, "")]


def test_filter_by_practitioner(clinic: Any, org: Any) -> None:
    other = Practitioner.objects.create(organization=org, family_name="Osei", given_name="Kwame", prefix="Dr.")
    appointment_today(clinic, make_patient(org, family_name="Mine"))
    appointment_today(clinic, make_patient(org, family_name="Theirs"), practitioner=other)
    assert _sections(today_board(location=clinic.location, practitioner_id=other.pk))["expected"] == ["Theirs"]
    assert len(today_board(location=clinic.location).appointments) == 2


def test_other_days_and_locations_stay_off_the_board(clinic: Any, org: Any, patient: Any) -> None:
    appointment_today(clinic, patient)
    start = today_at() + timedelta(days=1)
    Appointment.objects.create(organization=org, patient=patient, practitioner=clinic.practitioner,
                               location=clinic.location, appointment_type=clinic.follow_up, start=start,
                               end=start + timedelta(minutes=20))
    assert len(today_board(location=clinic.location).appointments) == 1


def test_the_fingerprint_changes_with_what_the_desk_sees(clinic: Any, patient: Any, frontdesk: Any) -> None:
    appt = appointment_today(clinic, patient)
    now = timezone.now()
    first = today_board(location=clinic.location, now=now).fingerprint
    assert today_board(location=clinic.location, now=now).fingerprint == first
    visit_check_in(actor=actor_for(frontdesk), appointment=appt)
    second = today_board(location=clinic.location, now=now).fingerprint
    assert second != first
    WalkIn.objects.create(organization=clinic.org, location=clinic.location, patient=patient, reason="Rash")
    assert today_board(location=clinic.location, now=now).fingerprint != second


def test_three_hundred_appointments_take_a_constant_handful_of_queries(clinic: Any, org: Any) -> None:
    patients = [make_patient(org, family_name=f"Bulk{i}") for i in range(30)]
    start = today_at(0)
    appts = Appointment.objects.bulk_create(
        Appointment(organization=org, patient=patients[i % 30], practitioner=clinic.practitioner,
                    location=clinic.location, appointment_type=clinic.follow_up, start=start,
                    end=start + timedelta(minutes=20), status=Status.ARRIVED if i % 3 else Status.BOOKED)
        for i in range(300))
    Visit.objects.bulk_create(Visit(organization=org, appointment=a, patient_id=a.patient_id, stage=Stage.WAITING,
                                    arrived_at=timezone.now()) for a in appts if a.status == Status.ARRIVED)
    with CaptureQueriesContext(connection) as queries:
        board = today_board(location=clinic.location)
        for _, _, cards in board.sections:
            for card in cards:
                str(card.appointment.patient.display_name), str(card.appointment.practitioner.display_name)
                str(card.appointment.appointment_type.code), card.visit and card.visit.room
    assert len(board.appointments) == 300
    assert len(queries) <= 4, [q["sql"][:120] for q in queries]


def test_managers_set_the_limits_per_location_through_the_settings_screen(clinic: Any, manager: Any,
                                                                          frontdesk: Any) -> None:
    from django.urls import reverse

    from tests.conftest import client_for

    url = reverse("frontdesk:settings")
    assert client_for(frontdesk).get(url).status_code == 403
    client = client_for(manager)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"location": clinic.location.pk, "amber_minutes": 20, "red_minutes": 10,
                            "poll_seconds": 5})
    assert bad.status_code == 400 and "Red must come after amber" in bad.content.decode()
    assert client.post(url, {"location": clinic.location.pk, "amber_minutes": 8, "red_minutes": 12,
                             "poll_seconds": 3}).status_code == 302
    assert client.post(url, {"location": clinic.location.pk, "amber_minutes": 9, "red_minutes": 12,
                             "poll_seconds": 3}).status_code == 302
    assert desk_limits(clinic.location).amber_minutes == 9 and FrontDeskSettings.objects.count() == 1
    assert 'hx-trigger="every 3s"' in client_for(frontdesk).get(reverse("frontdesk:board")).content.decode()


def test_an_arrival_sent_through_fhir_shows_on_the_board_as_waiting(clinic: Any, patient: Any,
                                                                     frontdesk: Any) -> None:
    """Issue 5 item 8: Appointment status changes for arrival come through FHIR too (a kiosk, another system)."""
    from tests.fhir.conftest import fhir_client, get, ok, put

    appointment = appointment_today(clinic, patient, minutes_from_now=30)
    desk = fhir_client(frontdesk)
    body = ok(get(desk, f"/Appointment/{appointment.pk}"))
    assert ok(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": "arrived"}))["status"] == "arrived"
    board = today_board(location=clinic.location)
    waiting = next(cards for key, _label, cards in board.sections if key == "waiting")
    assert [card.appointment.pk for card in waiting] == [appointment.pk]
    assert waiting[0].waiting_minutes == 0
