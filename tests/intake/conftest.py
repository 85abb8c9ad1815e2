"""Intake fixtures: the shipped forms as this practice sees them, and assignment helpers."""

from __future__ import annotations

from typing import Any

import pytest

from clinicdesk.intake.models import FormAssignment, FormDefinition
from clinicdesk.intake.selectors import definition_current
from clinicdesk.intake.services import form_assign
from tests.conftest import actor_for

REGISTRATION = {
    "name/given": "Chidi", "name/family": "Okafor", "dob": "1975-03-14", "sex": "male",
    "contact/phone": "(217) 555-0199", "address/line": "12 Elm St", "address/city": "Springfield",
    "address/state": "IL", "address/postal-code": "62701", "language": "English", "is-minor-guardian": "no",
}


def shipped(org: Any, key: str) -> FormDefinition:
    form = definition_current(organization=org, key=key)
    assert form is not None
    return form


def assign(user: Any, patient: Any, key: str, **extra: Any) -> FormAssignment:
    return form_assign(actor=actor_for(user), patient=patient, form=shipped(patient.organization, key), **extra)


@pytest.fixture
def registration(frontdesk: Any, patient: Any) -> FormAssignment:
    return assign(frontdesk, patient, "new-patient")
