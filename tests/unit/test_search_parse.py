"""Turning what a coordinator types into search terms (clinicdesk.patients.search)."""

from __future__ import annotations

from datetime import date

import pytest

from clinicdesk.patients.search import Terms, parse, parse_date

PI_DAY = date(1962, 3, 14)


def test_words_become_folded_name_fragments_in_order() -> None:
    assert parse("oka chi") == Terms(names=["oka", "chi"])
    assert parse("  SMITH   jo ") == Terms(names=["smith", "jo"])


def test_accented_names_are_folded() -> None:
    assert parse("Zoë").names == ["zoe"]
    assert parse("ZOE").names == ["zoe"]


def test_hyphenated_and_apostrophe_names_split_into_their_words() -> None:
    assert parse("Anne-Marie").names == ["anne", "marie"]
    assert parse("O'Neil").names == ["o", "neil"]


@pytest.mark.parametrize(
    "typed",
    ["03/14/1962", "3/14/1962", "1962-03-14", "1962-3-14", "03-14-1962", "14.03.1962", "03141962"],
)
def test_a_date_of_birth_is_recognised_in_the_usual_formats(typed: str) -> None:
    terms = parse(typed)
    assert terms.birth_date == PI_DAY
    assert terms.names == []
    assert terms.phone_digits == ""
    assert terms.mrn == ""


def test_month_comes_first_with_slashes_and_day_first_with_dots() -> None:
    assert parse_date("04/05/1990") == date(1990, 4, 5)
    assert parse_date("04.05.1990") == date(1990, 5, 4)


@pytest.mark.parametrize("impossible", ["02/30/1962", "13/01/1962", "1962-02-30", "31.02.1990"])
def test_an_impossible_date_is_not_a_date(impossible: str) -> None:
    assert parse_date(impossible) is None
    assert parse(impossible).birth_date is None


def test_names_and_a_date_of_birth_combine() -> None:
    assert parse("okafor 03/14/1962") == Terms(names=["okafor"], birth_date=PI_DAY)
    assert parse("1962-03-14 chi").names == ["chi"]


@pytest.mark.parametrize("typed", ["555 123 4567", "(555) 123-4567", "555-123-4567", "555.123.4567"])
def test_a_ten_digit_phone_in_any_punctuation_is_a_phone_search(typed: str) -> None:
    assert parse(typed) == Terms(phone_digits="5551234567")


def test_a_phone_with_its_country_code_keeps_every_digit() -> None:
    assert parse("+1 217 555 0142").phone_digits == "12175550142"


def test_seven_digits_may_be_the_end_of_a_phone_or_an_mrn() -> None:
    terms = parse("555-0142")
    assert terms.phone_digits == "5550142"
    assert terms.mrn == "5550142"


def test_a_short_number_is_an_mrn_not_a_phone() -> None:
    assert parse("10452") == Terms(mrn="10452")
    assert parse("1045") == Terms(mrn="1045")


@pytest.mark.parametrize("typed", ["MRN 10452", "mrn:10452", "MRN#10452", "mrn  10452"])
def test_an_mrn_can_be_announced(typed: str) -> None:
    assert parse(typed) == Terms(mrn="10452")


def test_an_mrn_with_a_letter_prefix_is_upper_cased() -> None:
    assert parse("ls1000") == Terms(mrn="LS1000")
    assert parse("MRN ls1000") == Terms(mrn="LS1000")


def test_a_name_and_an_mrn_combine() -> None:
    assert parse("okafor LS1000") == Terms(names=["okafor"], mrn="LS1000")


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_query_is_empty(blank: str) -> None:
    assert parse(blank).empty


def test_any_one_term_makes_a_query_not_empty() -> None:
    assert not Terms(names=["a"]).empty
    assert not Terms(birth_date=PI_DAY).empty
    assert not Terms(phone_digits="5550142").empty
    assert not Terms(mrn="LS1").empty


def test_a_name_and_a_phone_mix_in_one_query() -> None:
    assert parse("jo 555-0142") == Terms(names=["jo"], phone_digits="5550142")
    assert parse("smith 2175550142") == Terms(names=["smith"], phone_digits="2175550142")


def test_a_date_typed_with_spaces_is_a_date() -> None:
    assert parse("03 14 1962") == Terms(birth_date=PI_DAY)


def test_an_impossible_date_is_reported_not_searched_as_a_name() -> None:
    terms = parse("okafor 02/30/1962")
    assert terms.names == ["okafor"]
    assert terms.problems == ("“02/30/1962” is not a real date.",)
