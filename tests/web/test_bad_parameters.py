"""Hand-edited addresses and odd query strings get a page or a clear 4xx, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import client_for

WEIRD = ["", "abc", "-1", "0", "99999999999999999999", "2026-02-30", "1e9", "%00", "' OR 1=1 --", "ü", "[]"]
PAGES = [
    ("/schedule/", ["date", "location", "view", "practitioner"]),
    ("/schedule/week/", ["date", "location", "practitioner"]),
    ("/schedule/print/", ["date", "practitioner"]),
    ("/schedule/book/", ["patient", "practitioner", "location", "after", "appointment_type", "type"]),
    ("/patients/", ["q"]),
    ("/audit/", ["username", "mrn", "action", "since", "until", "page"]),
    ("/waitlist/", ["x"]),
    ("/calendar/feeds/", ["x"]),
]


@pytest.fixture
def manager_client(manager: Any, clinic: Any) -> Client:
    return client_for(manager)


@pytest.mark.parametrize(("path", "params"), PAGES)
def test_odd_query_values_never_cause_a_server_error(manager_client: Client, path: str, params: list[str]) -> None:
    for name in params:
        for value in WEIRD:
            response = manager_client.get(path, {name: value})
            assert response.status_code < 500, (path, name, value, response.status_code)


@pytest.mark.parametrize("path", ["/patients/0/", "/patients/99999999999/", "/schedule/appointments/0/",
                                  "/calendar/appointments/0.ics", "/waitlist/new/0/", "/series/new/0/",
                                  "/patients/1/coverages/0/card/front/", "/calendar/feed/x.ics"])
def test_unknown_ids_are_not_found(manager_client: Client, path: str) -> None:
    assert manager_client.get(path).status_code == 404
