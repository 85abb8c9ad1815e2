"""Paging a Patient search: _count, _offset, total and next links."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Organization
from tests.conftest import make_patient
from tests.fhir.conftest import BASE, get, ok, outcome


@pytest.fixture
def many(org: Organization) -> list[Patient]:
    return [make_patient(org, family_name=f"Pager{i:03d}", given_name="Pat", birth_date=date(1970, 1, 1)
                         + timedelta(days=i)) for i in range(25)]


def _next(bundle: dict) -> str | None:  # type: ignore[type-arg]
    link = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return None if link is None else link.removeprefix("http://testserver" + BASE)


def test_the_default_page_is_twenty_with_the_total_and_a_next_link(desk: Client, many: list[Patient]) -> None:
    bundle = ok(get(desk, "/Patient?given=pat"))
    assert bundle["total"] == 25
    assert len(bundle["entry"]) == 20
    assert _next(bundle) is not None


def test_following_next_links_visits_every_patient_once(desk: Client, many: list[Patient]) -> None:
    seen: list[str] = []
    path: str | None = "/Patient?given=pat&_count=7"
    while path:
        bundle = ok(get(desk, path))
        seen += [e["resource"]["id"] for e in bundle.get("entry", [])]
        path = _next(bundle)
    assert sorted(seen) == sorted(str(p.pk) for p in many)
    assert len(seen) == 25


def test_the_links_keep_the_search_and_offer_previous(desk: Client, many: list[Patient]) -> None:
    bundle = ok(get(desk, "/Patient?given=pat&_count=10&_offset=10"))
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert set(links) == {"self", "first", "previous", "next"}
    assert "given=pat" in urlsplit(links["next"]).query and "_offset=20" in links["next"]
    assert "_offset=0" in links["previous"]


def test_count_is_capped_at_a_hundred(desk: Client, many: list[Patient]) -> None:
    bundle = ok(get(desk, "/Patient?_count=1000"))
    assert len(bundle["entry"]) == 25
    assert "_count=100" in bundle["link"][0]["url"]


def test_count_zero_gives_only_the_total(desk: Client, many: list[Patient]) -> None:
    bundle = ok(get(desk, "/Patient?given=pat&_count=0"))
    assert bundle["total"] == 25
    assert "entry" not in bundle
    assert ok(get(desk, "/Patient?given=pat&_summary=count"))["total"] == 25


def test_an_offset_past_the_end_is_an_empty_page(desk: Client, many: list[Patient]) -> None:
    bundle = ok(get(desk, "/Patient?_offset=500"))
    assert bundle["total"] == 25
    assert "entry" not in bundle


@pytest.mark.parametrize("query", ["_count=-1", "_count=ten", "_offset=-5", "_offset=99999999999", "_count=1.5"])
def test_bad_paging_values_are_a_400(desk: Client, query: str, db: object) -> None:
    outcome(get(desk, f"/Patient?{query}"), 400)
