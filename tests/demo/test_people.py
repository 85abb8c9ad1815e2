"""The demo's synthetic patients as plain data (clinicdesk.demo.people): no database needed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from clinicdesk.demo.coverages import age_on, medicare_id
from clinicdesk.demo.people import PatientSpec, duplicate_count, generate_patients
from clinicdesk.demo.reference import EMAIL_DOMAINS
from clinicdesk.lib.phones import normalize_phone
from clinicdesk.patients.matching import Person, score
from clinicdesk.patients.services import EDITABLE_FIELDS, PHONE_FIELDS

MBI = re.compile(r"^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
                 r"[AC-HJKMNP-RT-Y]{2}\d{2}$")


@pytest.fixture(scope="module")
def specs() -> list[PatientSpec]:
    return generate_patients(seed=1, count=600)


def person(spec: PatientSpec) -> Person:
    f = spec.fields
    return Person(family=f["family_name"], given=f["given_name"], birth_date=f["birth_date"],
                  phones=tuple(p for p in (f.get("phone_mobile"), f.get("phone_home")) if p))


def test_the_same_seed_gives_the_same_patients(specs: list[PatientSpec]) -> None:
    assert generate_patients(seed=1, count=600) == specs


def test_another_seed_gives_other_patients(specs: list[PatientSpec]) -> None:
    other = generate_patients(seed=2, count=600)
    assert [s.fields["family_name"] for s in other] != [s.fields["family_name"] for s in specs]


def test_patients_carry_only_fields_a_registration_may_set(specs: list[PatientSpec]) -> None:
    assert all(set(s.fields) <= EDITABLE_FIELDS for s in specs)


def test_every_phone_is_a_valid_us_number_in_e164(specs: list[PatientSpec]) -> None:
    phones = [s.fields[name] for s in specs for name in PHONE_FIELDS if s.fields.get(name)]
    assert len(phones) > 600
    assert all(phone.startswith("+1") and normalize_phone(phone) == phone for phone in phones)


def test_names_include_accents_hyphens_and_other_locales(specs: list[PatientSpec]) -> None:
    names = [s.fields["family_name"] + " " + s.fields["given_name"] for s in specs]
    assert any(not name.isascii() for name in names)
    assert any("-" in name for name in names)
    assert {s.fields["preferred_language"] for s in specs} >= {"en", "es"}


def test_ages_run_from_babies_to_the_very_old(specs: list[PatientSpec]) -> None:
    ages = [age_on(s.fields["birth_date"]) for s in specs]
    assert min(ages) < 5 and max(ages) >= 80
    assert 0.15 < sum(age < 18 for age in ages) / len(ages) < 0.30
    assert 0.12 < sum(age >= 65 for age in ages) / len(ages) < 0.26


def test_about_85_percent_have_coverage_and_some_a_secondary(specs: list[PatientSpec]) -> None:
    insured = [s for s in specs if s.coverages]
    assert 0.78 < len(insured) / len(specs) < 0.92
    assert any(len(s.coverages) == 2 for s in specs)
    assert all([c.priority for c in s.coverages] == list(range(1, len(s.coverages) + 1)) for s in insured)


def test_payers_follow_age(specs: list[PatientSpec]) -> None:
    seniors = Counter(s.coverages[0].payer for s in specs if s.coverages and age_on(s.fields["birth_date"]) >= 65)
    children = Counter(s.coverages[0].payer for s in specs if s.coverages and age_on(s.fields["birth_date"]) < 18)
    assert seniors.most_common(1)[0][0] == "medicare"
    assert "medicare" not in children


def test_medicare_ids_follow_the_mbi_format(specs: list[PatientSpec]) -> None:
    ids = [c.member_id for s in specs for c in s.coverages if c.payer == "medicare"]
    assert ids and all(MBI.match(i) for i in ids)


def test_mbi_generator_never_uses_excluded_letters() -> None:
    import random

    rng = random.Random(5)
    assert all(MBI.match(medicare_id(rng)) for _ in range(2000))


def test_email_addresses_use_reserved_domains(specs: list[PatientSpec]) -> None:
    emails = [s.fields["email"] for s in specs if s.fields.get("email")]
    assert emails and all(e.rsplit("@", 1)[1] in EMAIL_DOMAINS for e in emails)


def test_minors_have_a_parent_as_guarantor(specs: list[PatientSpec]) -> None:
    minors = [s for s in specs if age_on(s.fields["birth_date"]) < 18]
    assert minors and all(s.fields["guarantor_relationship"] == "parent" and s.fields["guarantor_phone"]
                          for s in minors)


def test_a_few_patients_are_registered_twice_and_the_matcher_sees_it(specs: list[PatientSpec]) -> None:
    duplicates = [s for s in specs if s.duplicate_of is not None]
    assert len(duplicates) == duplicate_count(600) >= 2
    for dup in duplicates:
        assert dup.duplicate_of is not None
        assert dup.fields["birth_date"] == dup.duplicate_of.fields["birth_date"]
        assert score(person(dup), person(dup.duplicate_of)) is not None


def test_small_loads_have_no_duplicates() -> None:
    assert duplicate_count(10) == 0
    assert not any(s.duplicate_of for s in generate_patients(seed=1, count=10))


def test_every_demo_phone_is_in_the_range_reserved_for_fiction(specs: list[PatientSpec]) -> None:
    phones = [s.fields[name] for s in specs for name in PHONE_FIELDS if s.fields.get(name)]
    assert all(phone[5:9] == "5550" and 100 <= int(phone[8:]) <= 199 for phone in phones)
