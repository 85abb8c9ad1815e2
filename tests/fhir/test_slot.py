"""Slot: free times computed by the scheduling kernel, busy times from reservations; ids are stable."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.test import Client

from clinicdesk.audit.services import Actor
from clinicdesk.scheduling.services import appointment_book
from tests.fhir.conftest import Clinic, get, ok, outcome
from tests.scheduling.conftest import book_kwargs, local


def _slots(desk: Client, clinic: Clinic, day: date, **params: str) -> dict[str, Any]:
    query = {"schedule": f"Schedule/{clinic.resource.pk}", "service-type": "FU", "_count": "100",
             "start": [f"ge{day.isoformat()}", f"lt{(day + timedelta(days=1)).isoformat()}"], **params}
    return ok(desk.get("/fhir/r4/Slot", query))


def test_free_slots_of_a_morning_start_at_nine_on_the_five_minute_grid(desk: Client, clinic: Clinic,
                                                                        monday: date) -> None:
    bundle = _slots(desk, clinic, monday, status="free")
    starts = [e["resource"]["start"] for e in bundle["entry"]]
    assert starts[0] == local(monday, 9).isoformat(timespec="milliseconds")
    assert starts[1] == local(monday, 9, 5).isoformat(timespec="milliseconds")
    # 09:00 .. 11:35 (20 minutes + 5 of buffer must end by 12:00)
    assert bundle["total"] == 32
    first = bundle["entry"][0]["resource"]
    assert first["status"] == "free"
    assert first["schedule"]["reference"] == f"Schedule/{clinic.resource.pk}"
    assert first["serviceType"][0]["coding"][0]["code"] == str(clinic.follow_up.pk)
    assert first["id"] == f"{clinic.resource.pk}-{clinic.location.pk}-{clinic.follow_up.pk}-" \
        f"{int(local(monday, 9).timestamp())}"


def test_a_booked_time_is_a_busy_slot_and_no_longer_free(desk: Client, clinic: Clinic, patient: Any,
                                                         monday: date) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 10)))
    busy = _slots(desk, clinic, monday, status="busy")
    ten, ten_25 = (local(monday, 10, m).isoformat(timespec="milliseconds") for m in (0, 25))
    assert [(e["resource"]["start"], e["resource"]["end"]) for e in busy["entry"]] == [(ten, ten_25)]
    assert "Patient" not in str(busy["entry"][0]["resource"])
    free = {e["resource"]["start"] for e in _slots(desk, clinic, monday, status="free")["entry"]}
    assert local(monday, 10).isoformat(timespec="milliseconds") not in free
    assert local(monday, 10, 25).isoformat(timespec="milliseconds") in free
    both = _slots(desk, clinic, monday)
    assert {e["resource"]["status"] for e in both["entry"]} == {"free", "busy"}


def test_a_free_slot_can_be_read_back_until_it_is_taken(desk: Client, clinic: Clinic, patient: Any,
                                                        monday: date) -> None:
    slot_id = _slots(desk, clinic, monday, status="free")["entry"][4]["resource"]["id"]
    assert ok(get(desk, f"/Slot/{slot_id}"))["status"] == "free"
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 9, 20)))
    assert outcome(get(desk, f"/Slot/{slot_id}"), 404)["issue"][0]["code"] == "not-found"


def test_a_busy_slot_can_be_read(desk: Client, clinic: Clinic, patient: Any, monday: date) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 10)))
    slot_id = _slots(desk, clinic, monday, status="busy")["entry"][0]["resource"]["id"]
    assert ok(get(desk, f"/Slot/{slot_id}"))["status"] == "busy"


def test_nonsense_slot_ids_are_a_clean_not_found(desk: Client, clinic: Clinic) -> None:
    for slot_id in ("x", "1-2-3", "1-1-1-1", "9-9-9-99999999999", f"{clinic.resource.pk}-busy-99999"):
        outcome(get(desk, f"/Slot/{slot_id}"), 404)


def test_service_type_by_id_or_code_limits_the_types(desk: Client, clinic: Clinic, monday: date) -> None:
    by_code = _slots(desk, clinic, monday, status="free")
    by_id = _slots(desk, clinic, monday, status="free",
                   **{"service-type": f"urn:clinicdesk:appointment-type|{clinic.follow_up.pk}"})
    assert by_code["total"] == by_id["total"] == 32
    assert _slots(desk, clinic, monday, **{"service-type": "NOPE"})["total"] == 0


def test_the_window_is_capped_at_sixty_days(desk: Client, clinic: Clinic, monday: date) -> None:
    response = desk.get("/fhir/r4/Slot", {"start": [f"ge{monday}", f"lt{monday + timedelta(days=61)}"]})
    assert outcome(response, 400)["issue"][0]["code"] == "too-costly"


def test_a_time_without_a_zone_or_a_bad_status_is_refused(desk: Client, clinic: Clinic, monday: date) -> None:
    outcome(desk.get("/fhir/r4/Slot", {"start": f"ge{monday}T09:00:00"}), 400)
    outcome(desk.get("/fhir/r4/Slot", {"start": f"ne{monday}"}), 400)
    outcome(desk.get("/fhir/r4/Slot", {"status": "maybe"}), 400)


def test_a_start_window_with_a_time_narrows_the_free_slots(desk: Client, clinic: Clinic, monday: date) -> None:
    bundle = ok(desk.get("/fhir/r4/Slot", {"service-type": "FU", "status": "free", "start": [
        f"ge{local(monday, 11).isoformat()}", f"le{local(monday, 11, 10).isoformat()}"]}))
    assert [e["resource"]["start"][11:16] for e in bundle["entry"]] == ["11:00", "11:05", "11:10"]


def test_without_a_type_every_active_type_is_offered_and_a_found_slot_books(desk: Client, clinic: Clinic,
                                                                            patient: Any, monday: date) -> None:
    from tests.fhir.conftest import appointment_body, post

    bundle = ok(desk.get("/fhir/r4/Slot", {"status": "free", "_count": "100", "start": [
        f"ge{local(monday, 9).isoformat()}", f"lt{local(monday, 9, 30).isoformat()}"]}))
    assert {e["resource"]["serviceType"][0]["text"] for e in bundle["entry"]} == {"Follow-up", "MRI with contrast"}
    mri = next(e["resource"] for e in bundle["entry"] if e["resource"]["serviceType"][0]["text"] != "Follow-up")
    body = appointment_body(clinic, patient.pk, mri["start"], serviceType=mri["serviceType"], end=mri["end"])
    created = ok(post(desk, "/Appointment", body), 201)
    assert created["start"] == mri["start"]
    outcome(get(desk, f"/Slot/{mri['id']}"), 404)
