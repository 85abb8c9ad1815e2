"""Finding patients (clinicdesk.patients.selectors.patient_search)."""

from __future__ import annotations

from datetime import date

import pytest

from clinicdesk.patients.models import Patient, Status
from clinicdesk.patients.search import Terms, parse
from clinicdesk.patients.selectors import SearchResult, patient_search
from clinicdesk.patients.services import patient_merge, patient_update
from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import User
from tests.conftest import actor_for, make_patient


def search(org: Organization, query: str, **kwargs: object) -> SearchResult:
    return patient_search(organization_id=org.pk, terms=parse(query), **kwargs)  # type: ignore[arg-type]


def names(result: SearchResult) -> list[str]:
    return [f"{p.family_name}, {p.given_name}" for p in result.patients]


@pytest.fixture
def registry(org: Organization, patient: Patient) -> dict[str, Patient]:
    """A small practice: Chidi Okafor (the shared persona) and a few names that are hard to search."""
    return {
        "okafor": patient,
        "zoe": make_patient(org, family_name="Martin", given_name="Zoë", birth_date=date(1988, 8, 8),
                            phone_home="(217) 555-0199"),
        "annemarie": make_patient(org, family_name="Smith-Jones", given_name="Anne-Marie",
                                  birth_date=date(1962, 3, 14)),
        "obrien": make_patient(org, family_name="O'Brien", given_name="Siobhan", birth_date=date(1990, 1, 2)),
        "johnson": make_patient(org, family_name="Johnson", given_name="Peter", birth_date=date(1962, 3, 14)),
        "okoro": make_patient(org, family_name="Okoro", given_name="Amaka", birth_date=date(1999, 9, 9)),
    }


def test_fragments_of_last_and_first_name_find_the_patient(org: Organization, registry: dict[str, Patient]) -> None:
    result = search(org, "oka chi")
    assert result.patients == [registry["okafor"]]
    assert result.fuzzy_ids == frozenset()


def test_the_order_of_the_fragments_does_not_matter(org: Organization, registry: dict[str, Patient]) -> None:
    assert search(org, "chi oka").patients == [registry["okafor"]]


def test_a_shared_prefix_finds_everyone_sorted_by_name(org: Organization, registry: dict[str, Patient]) -> None:
    assert names(search(org, "ok")) == ["Okafor, Chidi", "Okoro, Amaka"]


@pytest.mark.parametrize("query", ["ZOE", "zoe", "Zoë", "zoë martin", "MARTIN Z"])
def test_accents_and_case_do_not_matter(org: Organization, registry: dict[str, Patient], query: str) -> None:
    assert search(org, query).patients == [registry["zoe"]]


@pytest.mark.parametrize("query", ["smith-jones", "smithjones", "jones", "anne-marie", "annemarie", "marie smith"])
def test_a_hyphenated_name_is_found_however_it_is_typed(org: Organization, registry: dict[str, Patient],
                                                        query: str) -> None:
    assert search(org, query).patients == [registry["annemarie"]]


@pytest.mark.parametrize("query", ["o'brien", "obrien", "O’Brien", "brien siob"])
def test_an_apostrophe_name_is_found_however_it_is_typed(org: Organization, registry: dict[str, Patient],
                                                         query: str) -> None:
    assert search(org, query).patients == [registry["obrien"]]


def test_a_name_with_an_apostrophe_inside_a_longer_name_is_found_joined(org: Organization) -> None:
    patient = make_patient(org, family_name="Garcia O'Neil", given_name="Rosa")
    assert search(org, "oneil").patients == [patient]
    assert search(org, "garciaoneil").patients == [patient]


def test_a_misspelling_that_sounds_alike_is_found_and_marked_fuzzy(org: Organization,
                                                                   registry: dict[str, Patient]) -> None:
    result = search(org, "jonsen")
    assert result.patients == [registry["johnson"]]
    assert result.is_fuzzy(registry["johnson"])


def test_exact_matches_come_before_sound_alikes(org: Organization, registry: dict[str, Patient]) -> None:
    jonsen = make_patient(org, family_name="Jonsen", given_name="Karl", birth_date=date(1970, 1, 1))
    result = search(org, "jonsen")
    assert result.patients == [jonsen, registry["johnson"]]
    assert not result.is_fuzzy(jonsen)
    assert result.fuzzy_ids == frozenset({registry["johnson"].pk})


def test_sound_alikes_are_not_searched_for_very_short_fragments(org: Organization,
                                                                registry: dict[str, Patient]) -> None:
    assert search(org, "jn").patients == []


def test_sound_alikes_only_fill_what_the_limit_leaves(org: Organization, registry: dict[str, Patient]) -> None:
    make_patient(org, family_name="Jonsen", given_name="Karl", birth_date=date(1970, 1, 1))
    assert names(search(org, "jonsen", limit=1)) == ["Jonsen, Karl"]


def test_a_date_of_birth_finds_everyone_born_that_day(org: Organization, registry: dict[str, Patient]) -> None:
    assert names(search(org, "03/14/1962")) == ["Johnson, Peter", "Smith-Jones, Anne-Marie"]
    assert names(search(org, "1962-03-14 smith")) == ["Smith-Jones, Anne-Marie"]


def test_a_full_phone_number_finds_the_patient(org: Organization, registry: dict[str, Patient]) -> None:
    assert search(org, "(217) 555-0142").patients == [registry["okafor"]]
    assert search(org, "+1 217 555 0142").patients == [registry["okafor"]]


def test_the_last_seven_digits_of_a_phone_find_the_patient(org: Organization, registry: dict[str, Patient]) -> None:
    assert search(org, "555-0199").patients == [registry["zoe"]]
    assert search(org, "5550142").patients == [registry["okafor"]]


def test_a_phone_nobody_has_finds_nobody(org: Organization, registry: dict[str, Patient]) -> None:
    assert search(org, "(217) 555-0100").patients == []


def test_an_mrn_finds_exactly_that_patient(org: Organization, registry: dict[str, Patient]) -> None:
    target = registry["obrien"]
    assert search(org, target.mrn).patients == [target]
    assert search(org, target.mrn.lower()).patients == [target]
    assert search(org, f"MRN {target.mrn}").patients == [target]


def test_an_mrn_without_the_practice_prefix_finds_the_patient(org: Organization,
                                                              registry: dict[str, Patient]) -> None:
    target = registry["obrien"]
    number = target.mrn.removeprefix("LS")
    assert search(org, number).patients == [target]
    assert search(org, f"mrn {number}").patients == [target]


def test_an_empty_query_finds_nothing(org: Organization, registry: dict[str, Patient]) -> None:
    assert search(org, "   ") == SearchResult([], frozenset())


def test_inactive_patients_are_found_unless_left_out(org: Organization, registry: dict[str, Patient],
                                                     frontdesk: User) -> None:
    patient_update(actor=actor_for(frontdesk), patient=registry["okoro"], fields={"status": Status.INACTIVE})
    assert search(org, "okoro").patients == [registry["okoro"]]
    assert search(org, "okoro", include_inactive=False).patients == []
    assert names(search(org, "ok", include_inactive=False)) == ["Okafor, Chidi"]


def test_merged_records_are_never_found(org: Organization, registry: dict[str, Patient], manager: User) -> None:
    duplicate = make_patient(org, family_name="Okafor", given_name="Chidi", birth_date=date(1975, 3, 14),
                             phone_work="(217) 555-0188")
    patient_merge(actor=actor_for(manager), source=duplicate, target=registry["okafor"], reason="same person")
    assert search(org, "okafor chidi").patients == [registry["okafor"]]
    assert search(org, "okafor", include_inactive=False).patients == [registry["okafor"]]
    assert search(org, duplicate.mrn).patients == []
    assert search(org, "555-0188").patients == []


def test_another_practices_patients_are_never_found(org: Organization, other_org: Organization,
                                                    registry: dict[str, Patient]) -> None:
    theirs = make_patient(other_org, family_name="Okafor", given_name="Chidi", birth_date=date(1975, 3, 14),
                          phone_mobile="(217) 555-0142")
    assert search(org, "okafor").patients == [registry["okafor"]]
    assert search(org, "217 555 0142").patients == [registry["okafor"]]
    assert search(org, "jonsen").patients == [registry["johnson"]]
    assert patient_search(organization_id=other_org.pk, terms=parse("okafor")).patients == [theirs]
    assert patient_search(organization_id=other_org.pk, terms=Terms(mrn=registry["okafor"].mrn)).patients == []


def test_the_limit_caps_the_results(org: Organization, registry: dict[str, Patient]) -> None:
    for n in range(5):
        make_patient(org, family_name="Nguyen", given_name=f"Anh{n}", birth_date=date(1980, 1, n + 1))
    assert len(search(org, "nguyen", limit=3).patients) == 3
    assert len(search(org, "nguyen").patients) == 5
