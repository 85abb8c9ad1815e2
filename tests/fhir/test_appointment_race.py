"""The race the issue asks about: 50 clients booking one slot at once over real HTTP, on both databases.

The live server is Django's multi-threaded WSGI server, so the 50 requests run concurrently against the
database: exactly one is booked (201), the other 49 are told so (409 OperationOutcome with the next
options), and the database holds no two overlapping active reservations of one resource.
"""

from __future__ import annotations

import http.client
import json
import threading
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.scheduling.models import Appointment, Reservation
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_create
from tests.fhir.conftest import FHIR_JSON, Clinic, appointment_body
from tests.scheduling.conftest import local

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS = 50

# Django's live server listens with a backlog of 10 (WSGIServer.request_queue_size): 50 clients connecting in
# the same instant overflow it, and the kernel resets some connections before Django ever reads them. A real
# deployment has a deep backlog (a reverse proxy, gunicorn's 2048); so does the test server, from import on,
# before the session's live server starts.
ThreadedWSGIServer.request_queue_size = max(ThreadedWSGIServer.request_queue_size, 4 * ATTEMPTS)


def _post(host: str, port: int, token: str, body: bytes) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request("POST", "/fhir/r4/Appointment", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": FHIR_JSON, "Accept": FHIR_JSON})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_fifty_concurrent_bookings_of_one_slot_give_one_201_and_49_409(live_server: Any, clinic: Clinic,
                                                                       patient: Patient, frontdesk: User,
                                                                       monday: date) -> None:
    token = token_create(actor=Actor.system(), user=frontdesk, name="race")
    address = urlsplit(live_server.url)
    assert address.hostname and address.port
    body = json.dumps(appointment_body(clinic, patient.pk, local(monday, 10))).encode()
    barrier = threading.Barrier(ATTEMPTS)
    answers: list[tuple[int, dict[str, Any]]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            answer = _post(address.hostname, address.port, token, body)
            with lock:
                answers.append(answer)
        except BaseException as exc:  # reported below, with the others
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (ATTEMPTS - 1)
    for status, answer in answers:
        if status == 409:
            assert answer["resourceType"] == "OperationOutcome"
            first = answer["issue"][0]
            assert first["code"] == "conflict"
            assert "That time was just taken" in first["diagnostics"] or "not available" in first["diagnostics"]
            assert len(answer["issue"]) > 1  # the next options
    assert Appointment.objects.count() == 1
    active = list(Reservation.objects.filter(active=True))
    overlapping = [(a.pk, b.pk) for a in active for b in active
                   if a.pk < b.pk and a.resource_id == b.resource_id and a.start < b.end and b.start < a.end]
    assert overlapping == []
    assert len(active) == 1
