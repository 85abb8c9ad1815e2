"""Patient search over a demo practice: the two ways ``patient_search`` runs a search agree.

A selective search collects candidate ids and sorts them itself; an unselective one lets the database
walk the name index. Forcing the second way (no candidates are ever collected) must find the same
patients in the same order.
"""

from __future__ import annotations

from datetime import date

import pytest

from clinicdesk.demo.generate import generate_demo
from clinicdesk.lib.names import fold
from clinicdesk.lib.phones import format_phone
from clinicdesk.patients import selectors
from clinicdesk.patients.models import Patient
from clinicdesk.patients.search import parse

pytestmark = pytest.mark.django_db


def queries_for(patient: Patient) -> list[str]:
    family, given = fold(patient.family_name).split()[0], fold(patient.given_name).split()[0]
    born = f"{patient.birth_date:%m/%d/%Y}"
    found = [family[:3], f"{family} {given[:1]}", f"{patient.given_name} {patient.family_name}", born,
             f"{family} {born}", patient.mrn, family[:1] + "a" + family[2:] + " " + given]
    if phone := patient.phone_mobile or patient.phone_home:
        found += [format_phone(phone), f"{phone[-7:-4]}-{phone[-4:]}"]
    return found


def search(org_id: int, text: str) -> tuple[list[str], frozenset[int]]:
    result = selectors.patient_search(organization_id=org_id, terms=parse(text), limit=10)
    return [p.mrn for p in result.patients], result.fuzzy_ids


def test_collected_and_index_ordered_searches_find_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    org = generate_demo(seed=2, patients=300).organization
    texts = [q for p in Patient.objects.order_by("mrn")[:300:15] for q in queries_for(p)] + ["a", "m j", "s"]
    collected = {text: search(org.pk, text) for text in texts}
    monkeypatch.setattr(selectors, "_MAX_CANDIDATES", 0)
    walked = {text: search(org.pk, text) for text in texts}
    assert collected == walked
    assert sum(bool(mrns) for mrns, _fuzzy in collected.values()) > 0.9 * len(texts)


def test_a_search_with_nobody_born_that_day_finds_nobody() -> None:
    org = generate_demo(seed=2, patients=30).organization
    assert search(org.pk, f"{date(1899, 1, 1):%m/%d/%Y}") == ([], frozenset())
