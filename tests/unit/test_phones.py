"""Phone numbers in E.164 (clinicdesk.lib.phones)."""

from __future__ import annotations

import pytest

from clinicdesk.lib.phones import InvalidPhoneNumber, format_phone, normalize_phone, phone_digits


@pytest.mark.parametrize(
    "typed",
    ["(217) 555-0142", "217.555.0142", "217-555-0142", "2175550142", "1-217-555-0142", "+1 217 555 0142",
     "  (217)555-0142  "],
)
def test_every_way_of_typing_a_us_number_normalizes_to_one_e164_spelling(typed: str) -> None:
    assert normalize_phone(typed) == "+12175550142"


def test_a_number_with_a_country_code_keeps_that_country() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_a_national_number_is_read_in_the_given_region() -> None:
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"


def test_letters_on_a_keypad_become_digits() -> None:
    assert normalize_phone("+1 (800) FLOWERS") == "+18003569377"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_phone_stays_blank(blank: str) -> None:
    assert normalize_phone(blank) == ""


@pytest.mark.parametrize("bad", ["555-0142", "12", "000-000-0000", "(217) 555-014"])
def test_a_number_too_short_or_impossible_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match="not a valid phone number"):
        normalize_phone(bad)


def test_text_that_is_not_a_number_at_all_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber, match="is not a phone number"):
        normalize_phone("call me")


def test_invalid_phone_number_is_a_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


def test_a_home_number_is_shown_in_national_format() -> None:
    assert format_phone("+12175550142") == "(217) 555-0142"


def test_a_foreign_number_is_shown_in_international_format() -> None:
    assert format_phone("+442079460958") == "+44 20 7946 0958"


def test_formatting_something_unparseable_shows_it_unchanged() -> None:
    assert format_phone("ask the front desk") == "ask the front desk"
    assert format_phone("") == ""


def test_format_and_normalize_round_trip() -> None:
    e164 = normalize_phone("217 555 0199")
    assert normalize_phone(format_phone(e164)) == e164


def test_phone_digits_keeps_only_what_was_typed_as_digits() -> None:
    assert phone_digits("(217) 555-0142") == "2175550142"
    assert phone_digits("+1 217") == "1217"
    assert phone_digits("none") == ""
