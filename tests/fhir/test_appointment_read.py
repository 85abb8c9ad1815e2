"""Reading and searching appointments: patient data, audited, scoped to the practice."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from clinicdesk.audit.models import Action, AuditEvent
from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment
from clinicdesk.scheduling.services import appointment_book, appointment_set_status
from clinicdesk.staff.models import User
from tests.conftest import make_patient
from tests.fhir.conftest import Clinic, fhir_client, get, ok, outcome
from tests.scheduling.conftest import book_kwargs, local


def _book(clinic: Clinic, patient: Patient, start: Any) -> Appointment:
    return appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, start))


def test_reading_an_appointment_maps_it_and_audits_the_view(desk: Client, clinic: Clinic, patient: Patient,
                                                            monday: date) -> None:
    appointment = _book(clinic, patient, local(monday, 10))
    response = get(desk, f"/Appointment/{appointment.pk}")
    body = ok(response)
    assert response["ETag"] == 'W/"1"'
    assert body["status"] == "booked"
    assert body["extension"] == [{"url": "urn:clinicdesk:fhir:extension:appointment-status", "valueCode": "booked"}]
    assert [p["actor"]["reference"] for p in body["participant"]] == [
        f"Patient/{patient.pk}", f"Practitioner/{clinic.practitioner.pk}", f"Location/{clinic.location.pk}"]
    assert body["serviceType"][0]["coding"][1] == {"system": "urn:clinicdesk:appointment-type-code", "code": "FU",
                                                   "display": "Follow-up"}
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="Appointment", object_id=str(appointment.pk),
                                     patient_id=patient.pk).exists()


def test_confirmed_and_in_room_map_to_booked_and_checked_in(desk: Client, clinic: Clinic, patient: Patient,
                                                            monday: date) -> None:
    appointment = _book(clinic, patient, local(monday, 10))
    appointment_set_status(actor=Actor.system(), appointment=appointment, status="confirmed")
    assert ok(get(desk, f"/Appointment/{appointment.pk}"))["status"] == "booked"
    appointment_set_status(actor=Actor.system(), appointment=appointment, status="arrived")
    appointment_set_status(actor=Actor.system(), appointment=appointment, status="in_room")
    body = ok(get(desk, f"/Appointment/{appointment.pk}"))
    assert (body["status"], body["extension"][0]["valueCode"]) == ("checked-in", "in_room")


def test_search_by_patient_practitioner_date_and_status(desk: Client, clinic: Clinic, patient: Patient,
                                                        monday: date) -> None:
    other = make_patient(clinic.org, family_name="Berg")
    first = _book(clinic, patient, local(monday, 9))
    _book(clinic, other, local(monday, 10))
    later = _book(clinic, patient, local(monday, 11))
    appointment_set_status(actor=Actor.system(), appointment=later, status="cancelled", note="flu",
                           cancelled_by="patient")

    def ids(**params: Any) -> list[str]:
        return [e["resource"]["id"] for e in ok(desk.get("/fhir/r4/Appointment", params)).get("entry", [])]

    assert ids(patient=f"Patient/{patient.pk}") == [str(first.pk), str(later.pk)]
    assert ids(actor=f"Practitioner/{clinic.practitioner.pk}", status="booked") == [
        str(first.pk), str(Appointment.objects.get(patient=other).pk)]
    assert ids(status="cancelled") == [str(later.pk)]
    assert ids(date=monday.isoformat(), patient=str(patient.pk)) == [str(first.pk), str(later.pk)]
    assert ids(date=f"ge{local(monday, 10).isoformat()}") == [
        str(Appointment.objects.get(patient=other).pk), str(later.pk)]
    assert ids(date=f"lt{monday.isoformat()}") == []
    cancelled = ok(get(desk, f"/Appointment/{later.pk}"))
    assert cancelled["cancelationReason"]["text"] == "flu"
    assert cancelled["cancelationReason"]["coding"][0]["code"] == "pat"


def test_bad_search_values_are_400(desk: Client, clinic: Clinic) -> None:
    outcome(desk.get("/fhir/r4/Appointment", {"status": "maybe"}), 400)
    outcome(desk.get("/fhir/r4/Appointment", {"date": "2026-13-01"}), 400)
    outcome(desk.get("/fhir/r4/Appointment", {"date": "ge2026-12-01T10:00"}), 400)


def test_another_practice_cannot_read_the_appointment(outsider: User, clinic: Clinic, patient: Patient,
                                                      monday: date) -> None:
    appointment = _book(clinic, patient, local(monday, 10))
    outcome(get(fhir_client(outsider), f"/Appointment/{appointment.pk}"), 404)
    assert ok(fhir_client(outsider).get("/fhir/r4/Appointment"))["total"] == 0


def test_billing_may_read_but_not_change(billing: User, clinic: Clinic, patient: Patient, monday: date) -> None:
    appointment = _book(clinic, patient, local(monday, 10))
    assert ok(get(fhir_client(billing), f"/Appointment/{appointment.pk}"))["id"] == str(appointment.pk)
