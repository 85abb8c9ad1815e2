"""The schedule screens: the day grid, booking (and a taken time), status, cancel, reschedule, print."""
# ruff: noqa: F811  (the scheduling fixtures are imported by name and used as arguments)

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.models import Appointment, AppointmentChange
from clinicdesk.scheduling.services import appointment_book, resource_for_practitioner
from clinicdesk.staff.models import Practitioner
from tests.conftest import client_for, make_patient
from tests.scheduling.conftest import Clinic, add_blocks, book_kwargs, clinic, local, monday  # noqa: F401  (fixtures)


@pytest.fixture
def booked(clinic: Clinic, patient: Any, monday: Any) -> Appointment:
    return appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9)), reason="Knee")


def _day(client: Any, clinic: Clinic, monday: Any, **extra: str) -> str:
    response = client.get("/schedule/", {"date": monday.isoformat(), "location": clinic.location.pk, **extra})
    assert response.status_code == 200
    return response.content.decode()


def test_the_day_shows_appointments_with_status_text_and_open_times(frontdesk: Any, clinic: Clinic,
                                                                    booked: Appointment, monday: Any) -> None:
    html = _day(client_for(frontdesk), clinic, monday)
    assert "Okafor, Chidi" in html and ">FU<" in html and "badge-booked\">Booked<" in html
    assert ">09:00<" in html and ">11:45<" in html and ">12:00<" not in html  # the 09:00-12:00 session
    assert "Dr. Maria Lindqvist, MD" in html
    assert 'hx-trigger="every 30s"' in html
    # 09:00-09:25 is held (visit and buffer); 09:30 is open and links to the booking form, prefilled
    after = quote(local(monday, 9, 30).isoformat(), safe="")
    assert f"practitioner={clinic.practitioner.pk}&amp;location={clinic.location.pk}&amp;after={after}" in html
    assert quote(local(monday, 9, 15).isoformat(), safe="") not in html


def test_the_poll_returns_only_the_grid(frontdesk: Any, clinic: Clinic, booked: Appointment, monday: Any) -> None:
    response = client_for(frontdesk).get("/schedule/", {"date": monday.isoformat()}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Okafor, Chidi" in html and "<html" not in html and "refreshes every 30 seconds" in html


def test_the_rooms_view_shows_what_holds_each_room(frontdesk: Any, clinic: Clinic, patient: Any,
                                                   monday: Any) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 10), kind="mri"))
    html = _day(client_for(frontdesk), clinic, monday, view="rooms")
    assert "Prep 1" in html and "Okafor, Chidi" in html and ">MRI<" in html


def test_the_day_view_costs_the_same_queries_for_2_or_20_practitioners(frontdesk: Any, clinic: Clinic, org: Any,
                                                                      monday: Any, patient: Any) -> None:
    client = client_for(frontdesk)
    _day(client, clinic, monday)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _day(client, clinic, monday)
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            p = Practitioner.objects.create(organization=org, family_name=f"Doc{i:02d}{n}", given_name="A")
            add_blocks(resource_for_practitioner(p), clinic.location, time(8), time(17))
            appointment_book(actor=Actor.system(), patient=make_patient(org, family_name=f"Pt{i}{n}"),
                             appointment_type=clinic.follow_up, practitioner=p, location=clinic.location,
                             start=local(monday, 8 + i % 8))

    add(1)
    small = count()
    add(19)
    assert count() == small
    assert small < 30


def test_booking_from_the_find_page_says_what_happened(frontdesk: Any, clinic: Clinic, patient: Any,
                                                       monday: Any) -> None:
    client = client_for(frontdesk)
    page = client.get("/schedule/book/", {"patient": patient.pk, "appointment_type": clinic.follow_up.pk,
                                          "earliest": monday.strftime("%m/%d/%Y"), "part": "morning",
                                          "weekdays": ["0"]})
    html = page.content.decode()
    assert "Next available times" in html and "Okafor, Chidi" in html
    options = page.context["options"]
    assert len(options) == 10 and options[0]["label"].startswith("Mon ")
    assert options[0]["choice"].start == local(monday, 9)
    response = client.post("/schedule/book/", {
        "patient": patient.pk, "appointment_type": clinic.follow_up.pk, "practitioner": clinic.practitioner.pk,
        "location": clinic.location.pk, "start": options[0]["start"], "reason": "Knee"}, follow=True)
    appointment = Appointment.objects.get()
    assert response.redirect_chain[-1][0] == f"/schedule/appointments/{appointment.pk}/"
    assert (f"Booked Mon {monday.day} {monday:%b} 09:00 with Dr. Maria Lindqvist, MD at Main Street for "
            "Okafor, Chidi") in response.content.decode()
    assert appointment.reason == "Knee" and appointment.created_by == frontdesk


def test_a_taken_time_keeps_the_form_and_offers_the_next_times(frontdesk: Any, clinic: Clinic, patient: Any,
                                                               booked: Appointment, monday: Any) -> None:
    response = client_for(frontdesk).post("/schedule/book/", {
        "patient": patient.pk, "appointment_type": clinic.follow_up.pk, "practitioner": clinic.practitioner.pk,
        "location": clinic.location.pk, "start": local(monday, 9).isoformat(),
        "find_query": f"appointment_type={clinic.follow_up.pk}&part=morning&reason=Knee"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken" in html
    assert response.context["options"][0]["choice"].start == local(monday, 9, 25)
    assert response.context["form"]["part"].value() == "morning"
    assert Appointment.objects.count() == 1


def test_an_open_cell_opens_the_booking_form_prefilled_with_a_patient_search(frontdesk: Any, clinic: Clinic,
                                                                             patient: Any, monday: Any) -> None:
    client = client_for(frontdesk)
    html = client.get("/schedule/book/", {"practitioner": clinic.practitioner.pk, "location": clinic.location.pk,
                                          "after": local(monday, 10).isoformat()}).content.decode()
    assert 'id="patient-search"' in html
    assert f'<option value="{clinic.practitioner.pk}" selected>' in html
    found = client.get("/schedule/book/patients/", {"q": "okafor", "practitioner": clinic.practitioner.pk,
                                                    "after": local(monday, 10).isoformat()}).content.decode()
    assert f"/schedule/book/?patient={patient.pk}&amp;practitioner={clinic.practitioner.pk}&amp;after=" in found


def test_status_buttons_follow_the_allowed_transitions(frontdesk: Any, booked: Appointment) -> None:
    client = client_for(frontdesk)
    html = client.get(f"/schedule/appointments/{booked.pk}/").content.decode()
    assert "Mark confirmed" in html and "Mark arrived" in html and "Mark completed" not in html
    response = client.post(f"/schedule/appointments/{booked.pk}/status/", {"status": "arrived"}, follow=True)
    assert "Marked arrived: Okafor, Chidi" in response.content.decode()
    response = client.post(f"/schedule/appointments/{booked.pk}/status/", {"status": "confirmed"}, follow=True)
    assert "cannot become confirmed" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "arrived"


def test_cancel_asks_why_and_frees_the_time(frontdesk: Any, booked: Appointment) -> None:
    client = client_for(frontdesk)
    response = client.post(f"/schedule/appointments/{booked.pk}/cancel/", {"reason": "", "by": "patient"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert 'data-confirm="Cancel this appointment?' in response.content.decode()
    response = client.post(f"/schedule/appointments/{booked.pk}/cancel/", {"reason": "Feels better", "by": "patient"},
                           follow=True)
    assert "(by the patient). The time is free again." in response.content.decode()
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by, booked.cancel_reason) == ("cancelled", "patient", "Feels better")
    assert not booked.reservations.filter(active=True).exists()
    assert "Feels better" in client.get(f"/schedule/appointments/{booked.pk}/").content.decode()


def test_reschedule_moves_to_a_picked_option_and_keeps_the_history(frontdesk: Any, booked: Appointment,
                                                                   monday: Any) -> None:
    client = client_for(frontdesk)
    page = client.get(f"/schedule/appointments/{booked.pk}/reschedule/", {"earliest": monday.strftime("%m/%d/%Y")})
    starts = [o["choice"].start for o in page.context["options"]]
    assert local(monday, 9, 25) in starts and local(monday, 9) not in starts
    new_start = local(monday + timedelta(days=1), 11)
    response = client.post(f"/schedule/appointments/{booked.pk}/reschedule/", {"start": new_start.isoformat()},
                           follow=True)
    moved = Appointment.objects.get(rescheduled_from=booked)
    assert moved.start == new_start and moved.status == "booked"
    assert f"Moved Okafor, Chidi to Tue {new_start.day} {new_start:%b} 11:00" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "rescheduled"
    assert AppointmentChange.objects.filter(appointment=booked, to_status="rescheduled").exists()
    assert "the earlier booking" in response.content.decode()


def test_reschedule_to_a_taken_time_says_so(frontdesk: Any, clinic: Clinic, booked: Appointment, monday: Any) -> None:
    other = make_patient(clinic.org, family_name="Ng")
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, other, local(monday, 10)))
    response = client_for(frontdesk).post(f"/schedule/appointments/{booked.pk}/reschedule/",
                                          {"start": local(monday, 10).isoformat()})
    assert response.status_code == 409 and "That time was just taken" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_the_week_and_the_printed_day_list(frontdesk: Any, clinic: Clinic, booked: Appointment, monday: Any) -> None:
    client = client_for(frontdesk)
    week = client.get("/schedule/week/", {"practitioner": clinic.practitioner.pk,
                                          "date": (monday + timedelta(days=2)).isoformat()}).content.decode()
    assert f"Mon {monday.day} {monday:%b}" in week and "Okafor, Chidi" in week and "Sat " not in week
    printed = client.get("/schedule/print/", {"practitioner": clinic.practitioner.pk,
                                              "date": monday.isoformat()}).content.decode()
    assert "09:00–09:20" in printed and "Okafor, Chidi" in printed and "Knee" in printed
    assert "1 appointment " in printed and 'data-action="print"' in printed


def test_the_patient_chart_links_to_booking(frontdesk: Any, billing: Any, patient: Any) -> None:
    link = f'href="/schedule/book/?patient={patient.pk}"'
    assert link in client_for(frontdesk).get(f"/patients/{patient.pk}/").content.decode()
    assert link not in client_for(billing).get(f"/patients/{patient.pk}/").content.decode()
