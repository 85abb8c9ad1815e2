"""POST /Appointment books through scheduling.services: 201, or 409 with the next options, or a 4xx."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.test import Client

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, Reservation, Status
from clinicdesk.scheduling.services import appointment_book
from clinicdesk.staff.models import Practitioner, User
from tests.conftest import make_patient
from tests.fhir.conftest import Clinic, appointment_body, fhir_client, get, ok, outcome, post
from tests.scheduling.conftest import book_kwargs, local


def test_booking_a_free_time_creates_the_appointment(desk: Client, clinic: Clinic, patient: Patient,
                                                     monday: date) -> None:
    response = post(desk, "/Appointment", appointment_body(clinic, patient.pk, local(monday, 10)))
    created = ok(response, 201)
    appointment = Appointment.objects.get()
    assert created["id"] == str(appointment.pk)
    assert response["Location"].endswith(f"/Appointment/{appointment.pk}/_history/1")
    assert created["status"] == "booked"
    assert created["start"] == local(monday, 10).isoformat(timespec="milliseconds")
    assert created["end"] == local(monday, 10, 20).isoformat(timespec="milliseconds")
    assert created["minutesDuration"] == 20
    assert (appointment.patient_id, appointment.practitioner_id, appointment.status) == (
        patient.pk, clinic.practitioner.pk, Status.BOOKED)
    assert appointment.created_by is not None
    assert AuditEvent.objects.filter(action=Action.VIEW, patient_id=patient.pk,
                                     detail__purpose="fhir appointment booking").exists()


def test_a_proposed_booking_with_the_type_id_and_a_matching_end_is_accepted(desk: Client, clinic: Clinic,
                                                                            patient: Patient, monday: date) -> None:
    start = local(monday, 11)
    body = appointment_body(clinic, patient.pk, start, status="proposed", end=(start + timedelta(minutes=20))
                            .isoformat(), serviceType=[], appointmentType={"coding": [
                                {"system": "urn:clinicdesk:appointment-type", "code": str(clinic.follow_up.pk)}]})
    body["participant"] = body["participant"][:2]  # the practitioner works at one location only
    created = ok(post(desk, "/Appointment", body), 201)
    assert created["status"] == "proposed"
    assert created["participant"][2]["actor"]["reference"] == f"Location/{clinic.location.pk}"


def test_a_taken_time_answers_409_with_the_next_options(desk: Client, clinic: Clinic, patient: Patient,
                                                        monday: date) -> None:
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 10)))
    body = outcome(post(desk, "/Appointment", appointment_body(clinic, patient.pk, local(monday, 10))), 409)
    assert body["issue"][0]["code"] == "conflict"
    assert "not available" in body["issue"][0]["diagnostics"]
    options = body["issue"][1:]
    assert options and all(o["severity"] == "information" for o in options)
    first_slot = options[0]["details"]["coding"][0]["code"]
    assert ok(get(desk, f"/Slot/{first_slot}"))["status"] == "free"
    assert Appointment.objects.count() == 1


def test_a_time_outside_the_sessions_answers_409(desk: Client, clinic: Clinic, patient: Patient,
                                                 monday: date) -> None:
    body = outcome(post(desk, "/Appointment", appointment_body(clinic, patient.pk, local(monday, 14))), 409)
    assert "not available" in body["issue"][0]["diagnostics"]
    assert body["issue"][1]["details"]["text"]


def _bad(desk: Client, body: dict[str, Any], status: int) -> dict[str, Any]:
    found = outcome(post(desk, "/Appointment", body), status)
    assert Appointment.objects.count() == 0
    assert Reservation.objects.count() == 0
    return found


def test_bad_bodies_are_refused_with_4xx_and_book_nothing(desk: Client, clinic: Clinic, patient: Patient,
                                                          monday: date) -> None:
    good = appointment_body(clinic, patient.pk, local(monday, 10))
    _bad(desk, {**good, "start": f"{monday}T10:00:00"}, 400)  # no time zone
    _bad(desk, {**good, "start": "tomorrow"}, 400)
    _bad(desk, {**good, "end": local(monday, 10, 45).isoformat()}, 422)  # not the type's duration
    _bad(desk, {**good, "status": "arrived"}, 422)
    _bad(desk, {**good, "status": "perhaps"}, 400)
    _bad(desk, {**good, "serviceType": [{"coding": [{"code": "NOPE"}]}]}, 422)
    _bad(desk, {**good, "serviceType": [{"text": "something"}]}, 422)
    _bad(desk, {key: value for key, value in good.items() if key != "start"}, 422)
    wrong_actor = {**good, "participant": [*good["participant"][1:], {"actor": {"reference": "Device/1"},
                                                                     "status": "accepted"}]}
    _bad(desk, wrong_actor, 422)
    two_patients = {**good, "participant": [*good["participant"], good["participant"][0]]}
    _bad(desk, two_patients, 422)
    _bad(desk, {**good, "participant": good["participant"][1:]}, 422)
    _bad(desk, {**good, "participant": [{"actor": {"reference": "nonsense"}, "status": "accepted"}]}, 400)
    _bad(desk, {**good, "resourceType": "Slot"}, 400)


def test_people_and_places_of_another_practice_are_refused(desk: Client, clinic: Clinic, patient: Patient,
                                                           monday: date, other_org: Any) -> None:
    stranger = make_patient(other_org)
    other_doctor = Practitioner.objects.create(organization=other_org, family_name="Ng", given_name="Bo", npi="")
    good = appointment_body(clinic, patient.pk, local(monday, 10))
    _bad(desk, appointment_body(clinic, stranger.pk, local(monday, 10)), 422)
    body = {**good, "participant": [good["participant"][0], {"actor": {"reference": f"Practitioner/{other_doctor.pk}"},
                                                            "status": "accepted"}]}
    _bad(desk, body, 422)


def test_booking_needs_the_add_appointment_permission(billing: User, clinic: Clinic, patient: Patient,
                                                      monday: date) -> None:
    response = post(fhir_client(billing), "/Appointment", appointment_body(clinic, patient.pk, local(monday, 10)))
    assert "scheduling.add_appointment" in outcome(response, 403)["issue"][0]["diagnostics"]
    assert Appointment.objects.count() == 0
