"""Likely-duplicate scoring (clinicdesk.patients.matching)."""

from __future__ import annotations

from datetime import date

from clinicdesk.patients.matching import NAME_THRESHOLD, Person, name_likeness, rank, score

DOB = date(1980, 5, 17)
OTHER_DOB = date(1991, 11, 2)
PHONE = "+12175550142"


def person(family: str, given: str, birth_date: date | None = DOB, phones: tuple[str, ...] = (),
           id: int | None = None) -> Person:
    return Person(family=family, given=given, birth_date=birth_date, phones=phones, id=id)


def test_the_same_name_and_date_of_birth_is_a_certain_match() -> None:
    match = score(person("Okafor", "Chidi"), person("Okafor", "Chidi", id=7))
    assert match is not None
    assert match.id == 7
    assert match.score == 1.0
    assert match.reasons == ("same date of birth and same name",)


def test_a_misspelt_family_name_with_the_same_birthday_is_a_likely_match() -> None:
    match = score(person("Jonsen", "Peter"), person("Johnson", "Peter", id=1))
    assert match is not None
    assert match.reasons == ("same date of birth and similar name",)
    assert 0.9 < match.score < 1.0


def test_an_accent_does_not_make_a_different_person() -> None:
    match = score(person("Martin", "Zoe"), person("Martin", "Zoë", id=2))
    assert match is not None
    assert match.reasons == ("same date of birth and same name",)


def test_first_and_last_names_swapped_still_match() -> None:
    assert name_likeness(person("Anna", "Smith"), person("Smith", "Anna")) == 1.0
    match = score(person("Anna", "Smith"), person("Smith", "Anna", id=3))
    assert match is not None
    assert match.score == 1.0


def test_names_that_sound_alike_reach_the_threshold_even_when_spelt_apart() -> None:
    likeness = name_likeness(person("Smyth", "Kathryn"), person("Smith", "Catherine"))
    assert likeness >= NAME_THRESHOLD
    assert score(person("Smyth", "Kathryn"), person("Smith", "Catherine")) is not None


def test_a_shared_phone_is_a_match_even_with_another_name_and_birthday() -> None:
    new = person("Garcia", "Luis", OTHER_DOB, (PHONE,))
    match = score(new, person("Okafor", "Chidi", phones=(PHONE, "+13125550100")))
    assert match is not None
    assert match.reasons == ("same phone number",)
    assert 0.5 <= match.score < 0.8


def test_name_date_and_phone_together_score_higher_than_the_phone_alone() -> None:
    both = score(person("Jonsen", "Peter", phones=(PHONE,)), person("Johnson", "Peter", phones=(PHONE,)))
    name_only = score(person("Jonsen", "Peter"), person("Johnson", "Peter"))
    phone_only = score(person("Garcia", "Luis", OTHER_DOB, (PHONE,)), person("Johnson", "Peter", phones=(PHONE,)))
    assert both is not None and name_only is not None and phone_only is not None
    assert both.reasons == ("same date of birth and similar name", "same phone number")
    assert both.score > name_only.score > phone_only.score
    assert both.score <= 1.0


def test_clearly_different_people_on_the_same_birthday_are_not_a_match() -> None:
    assert score(person("Okafor", "Chidi"), person("Garcia", "Luis")) is None


def test_the_same_name_on_another_birthday_is_not_a_match() -> None:
    assert score(person("Smith", "Anna"), person("Smith", "Anna", OTHER_DOB)) is None


def test_a_missing_date_of_birth_never_counts_as_the_same_date() -> None:
    assert score(person("Smith", "Anna", None), person("Smith", "Anna", None)) is None


def test_blank_phones_are_not_a_shared_phone() -> None:
    assert score(person("Smith", "Anna", OTHER_DOB, ("",)), person("Garcia", "Luis", phones=("",))) is None


def test_blank_names_are_nothing_alike() -> None:
    assert name_likeness(person("", ""), person("Smith", "Anna")) == 0.0
    assert score(person("", ""), person("Smith", "Anna")) is None


def test_rank_keeps_only_matches_best_first() -> None:
    new = person("Jonsen", "Peter", phones=(PHONE,))
    candidates = [
        person("Garcia", "Luis", OTHER_DOB, (PHONE,), id=1),  # phone only
        person("Okafor", "Chidi", id=2),  # same birthday, different person
        person("Johnson", "Peter", id=3),  # misspelling, same birthday
        person("Jonsen", "Peter", id=4),  # exact
    ]
    ranked = rank(new, candidates)
    assert [m.id for m in ranked] == [4, 3, 1]
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)


def test_rank_puts_the_match_with_more_evidence_first_when_scores_are_capped() -> None:
    new = person("Smith", "Anna", phones=(PHONE,))
    ranked = rank(new, [person("Smith", "Anna", id=1), person("Smith", "Anna", phones=(PHONE,), id=2)])
    assert [m.id for m in ranked] == [2, 1]


def test_rank_of_no_candidates_is_empty() -> None:
    assert rank(person("Smith", "Anna"), []) == []
