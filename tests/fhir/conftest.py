"""FHIR test helpers: a client per persona carrying its bearer token, and request/answer shortcuts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from clinicdesk.audit.services import Actor
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_create

BASE = "/fhir/r4"
FHIR_JSON = "application/fhir+json"


def fhir_client(user: User) -> Client:
    token = token_create(actor=Actor.system(), user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def desk(frontdesk: User) -> Client:
    """The front desk: reads and writes patients and coverages."""
    return fhir_client(frontdesk)


def get(client: Client, path: str, **headers: str) -> Any:
    return client.get(BASE + path, headers=headers)


def send(client: Client, method: str, path: str, body: Any, *, content_type: str = FHIR_JSON,
         **headers: str) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.generic(method, BASE + path, data, content_type=content_type, headers=headers)


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return send(client, "POST", path, body, **headers)


def put(client: Client, path: str, body: Any, **headers: str) -> Any:
    return send(client, "PUT", path, body, **headers)


def outcome(response: Any, status: int) -> dict[str, Any]:
    """The OperationOutcome of an error answer, after checking its status and media type."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"]
    return body


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    return body


def patient_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "Nguyen", "given": ["Linh", "Thi"]}],
        "gender": "female",
        "birthDate": "1991-07-04",
        "telecom": [{"system": "phone", "value": "(217) 555-0199", "use": "mobile"}],
    }
    body.update(overrides)
    return body


# Scheduling: the small schedule of tests/scheduling (Dr. Lindqvist Mon-Fri 09:00-12:00 at Main Street,
# America/Chicago; Follow-up "FU" 20 minutes + 5 after; MRI), and an appointment body for it.
from tests.scheduling.conftest import Clinic, clinic, monday  # noqa: E402, F401


def appointment_body(schedule: Clinic, patient_id: int, start: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{"coding": [{"system": "urn:clinicdesk:appointment-type-code", "code": "FU"}]}],
        "start": start if isinstance(start, str) else start.isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Practitioner/{schedule.practitioner.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{schedule.location.pk}"}, "status": "accepted"},
        ],
    }
    body.update(overrides)
    return body
