"""PUT /Appointment/<id>: status changes, cancellation with who and why, and rescheduling by a new start."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, CancelledBy, Reservation, Status
from clinicdesk.scheduling.services import appointment_book
from clinicdesk.staff.models import User
from tests.fhir.conftest import Clinic, fhir_client, get, ok, outcome, put
from tests.scheduling.conftest import book_kwargs, local


def _booked(desk: Client, clinic: Clinic, patient: Patient, monday: date) -> tuple[Appointment, dict[str, Any]]:
    appointment = appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 10)))
    return appointment, ok(get(desk, f"/Appointment/{appointment.pk}"))


def test_cancelling_needs_a_reason_and_says_who(desk: Client, clinic: Clinic, patient: Patient,
                                                monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": "cancelled"}), 422)
    cancel = {**body, "status": "cancelled", "cancelationReason": {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
                    "code": "pat"}], "text": "Feeling better"}}
    changed = ok(put(desk, f"/Appointment/{appointment.pk}", cancel))
    assert changed["status"] == "cancelled"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by, appointment.cancel_reason) == (
        Status.CANCELLED, CancelledBy.PATIENT, "Feeling better")
    assert not Reservation.objects.filter(appointment=appointment, active=True).exists()


def test_the_cancelled_by_extension_says_the_practice_cancelled(desk: Client, clinic: Clinic, patient: Patient,
                                                                monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    cancel = {**body, "status": "cancelled", "cancelationReason": {"text": "Doctor ill"},
              "extension": [{"url": "urn:clinicdesk:fhir:extension:cancelled-by", "valueCode": "practice"}]}
    ok(put(desk, f"/Appointment/{appointment.pk}", cancel))
    appointment.refresh_from_db()
    assert appointment.cancelled_by == CancelledBy.PRACTICE


def test_the_visit_moves_through_arrived_checked_in_and_fulfilled(desk: Client, clinic: Clinic, patient: Patient,
                                                                   monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    for fhir_status, ours in (("arrived", Status.ARRIVED), ("checked-in", Status.IN_ROOM),
                              ("fulfilled", Status.COMPLETED)):
        body = ok(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": fhir_status}))
        appointment.refresh_from_db()
        assert (body["status"], appointment.status) == (fhir_status, ours)
    assert body["meta"]["versionId"] == "4"


def test_booked_with_the_extension_confirms_and_repeating_the_status_changes_nothing(
        desk: Client, clinic: Clinic, patient: Patient, monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    assert ok(put(desk, f"/Appointment/{appointment.pk}", body))["meta"]["versionId"] == "1"
    confirm = {**body, "extension": [{"url": "urn:clinicdesk:fhir:extension:appointment-status",
                                      "valueCode": "confirmed"}]}
    confirmed = ok(put(desk, f"/Appointment/{appointment.pk}", confirm))
    assert (confirmed["status"], confirmed["extension"][0]["valueCode"]) == ("booked", "confirmed")
    assert ok(put(desk, f"/Appointment/{appointment.pk}", {**confirmed, "extension": []}))["meta"]["versionId"] == "2"


def test_an_impossible_transition_or_status_is_422(desk: Client, clinic: Clinic, patient: Patient,
                                                   monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": "fulfilled"}), 422)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": "waitlist"}), 422)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "id": "999"}), 400)


def test_a_new_start_reschedules_to_a_new_appointment(desk: Client, clinic: Clinic, patient: Patient,
                                                      monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    moved = ok(put(desk, f"/Appointment/{appointment.pk}", {**body, "start": local(monday, 11).isoformat(),
                                                             "end": local(monday, 11, 20).isoformat()}))
    assert moved["id"] != str(appointment.pk)
    assert moved["start"] == local(monday, 11).isoformat(timespec="milliseconds")
    appointment.refresh_from_db()
    assert appointment.status == Status.RESCHEDULED
    old = ok(get(desk, f"/Appointment/{appointment.pk}"))
    assert (old["status"], old["extension"][0]["valueCode"]) == ("cancelled", "rescheduled")


def test_rescheduling_onto_a_taken_time_is_409_and_keeps_the_old_time(desk: Client, clinic: Clinic,
                                                                      patient: Patient, monday: date) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(monday, 11)))
    answer = outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "start": local(monday, 11).isoformat()}),
                     409)
    assert "not available" in answer["issue"][0]["diagnostics"]
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    assert Reservation.objects.filter(appointment=appointment, active=True).exists()


def test_the_patient_and_type_never_change_and_if_match_guards(desk: Client, clinic: Clinic, patient: Patient,
                                                               monday: date) -> None:
    from tests.conftest import make_patient

    appointment, body = _booked(desk, clinic, patient, monday)
    other = make_patient(clinic.org)
    participants = [{"actor": {"reference": f"Patient/{other.pk}"}, "status": "accepted"}, *body["participant"][1:]]
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "participant": participants}), 422)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "serviceType": [
        {"coding": [{"system": "urn:clinicdesk:appointment-type-code", "code": "MRI"}]}]}), 422)
    outcome(put(desk, f"/Appointment/{appointment.pk}", {**body, "status": "arrived"}, **{"If-Match": 'W/"7"'}), 412)


def test_a_clinician_may_change_but_billing_may_not(clinician: User, billing: User, clinic: Clinic,
                                                    patient: Patient, monday: date, desk: Client) -> None:
    appointment, body = _booked(desk, clinic, patient, monday)
    outcome(put(fhir_client(billing), f"/Appointment/{appointment.pk}", {**body, "status": "arrived"}), 403)
    assert ok(put(fhir_client(clinician), f"/Appointment/{appointment.pk}", {**body, "status": "arrived"}))[
        "status"] == "arrived"
