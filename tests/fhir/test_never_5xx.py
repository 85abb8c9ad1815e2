"""A small fuzz: odd values in every element of a full Patient and Coverage, and in every search
parameter, never give a 5xx. (A larger run of this, ~7,000 requests, was clean on both databases.)"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from django.test import Client

from clinicdesk.fhir.api import SPECS
from clinicdesk.insurance.models import Coverage
from clinicdesk.patients.models import Patient
from tests.fhir.conftest import get, send

ODD = [None, -1, 10**30, "", "\x00", "9" * 40, [], {}, [None], True, {"reference": "Patient/99999999999999999999"}]
ODD_PARAMS = ["\x00", "9" * 40, "|", ",", "\\", "gt9999-12-31", "http://x/Patient/1", "a|b|c", "é" * 300]


def element_paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        yield from element_paths(child, (*prefix, key))


def with_value(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(body)
    node: Any = mutated
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return mutated


def test_odd_values_in_any_element_are_never_a_server_error(desk: Client, patient: Patient,
                                                            coverage: Coverage) -> None:
    desk.raise_request_exception = False
    failures = []
    for kind, pk in (("Patient", patient.pk), ("Coverage", coverage.pk)):
        body = get(desk, f"/{kind}/{pk}").json()
        for path in element_paths(body):
            for value in ODD:
                response = send(desk, "PUT", f"/{kind}/{pk}", with_value(body, path, value))
                if response.status_code >= 500:
                    failures.append((kind, path, value))
    assert failures == []


def test_odd_search_values_are_never_a_server_error(desk: Client, patient: Patient) -> None:
    desk.raise_request_exception = False
    failures = [
        (spec.type, name, value)
        for spec in SPECS.values()
        for name in [p.name for p in spec.params] + ["_id", "_count", "_offset"]
        for value in ODD_PARAMS
        if desk.get(f"/fhir/r4/{spec.type}", {name: value}).status_code >= 500
    ]
    assert failures == []


def test_odd_values_in_any_element_of_an_appointment_are_never_a_server_error(desk: Client, clinic: Any,
                                                                             patient: Patient) -> None:
    from datetime import date

    from clinicdesk.audit.services import Actor
    from clinicdesk.scheduling.services import appointment_book
    from tests.fhir.conftest import appointment_body
    from tests.scheduling.conftest import book_kwargs, local, next_weekday

    desk.raise_request_exception = False
    day: date = next_weekday(0)
    booked = appointment_book(actor=Actor.system(), **book_kwargs(clinic, patient, local(day, 9)))
    failures = []
    targets = [("PUT", f"/Appointment/{booked.pk}", get(desk, f"/Appointment/{booked.pk}").json()),
               ("POST", "/Appointment", appointment_body(clinic, patient.pk, local(day, 10)))]
    for method, path, body in targets:
        for element in element_paths(body):
            for value in ODD:
                response = send(desk, method, path, with_value(body, element, value))
                if response.status_code >= 500:
                    failures.append((method, element, value))
    assert failures == []
