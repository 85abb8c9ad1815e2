"""The NPI check digit (clinicdesk.lib.npi)."""

from __future__ import annotations

import pytest

from clinicdesk.lib.npi import is_valid_npi, npi_error, npi_with_check_digit

# 1234567893 is the example NPI in CMS's "NPI check digit" paper.
KNOWN_VALID = "1234567893"


def test_the_published_example_npi_is_valid() -> None:
    assert is_valid_npi(KNOWN_VALID)
    assert npi_error(KNOWN_VALID) is None


@pytest.mark.parametrize("last", [d for d in "0123456789" if d != "3"])
def test_every_other_check_digit_for_the_example_is_wrong(last: str) -> None:
    npi = KNOWN_VALID[:9] + last
    assert not is_valid_npi(npi)
    assert npi_error(npi) == "This NPI's check digit is wrong; please re-check the number."


def test_swapping_two_adjacent_digits_is_caught() -> None:
    swapped = "1243567893"
    assert not is_valid_npi(swapped)


def test_surrounding_spaces_are_ignored() -> None:
    assert is_valid_npi(f"  {KNOWN_VALID} ")


@pytest.mark.parametrize("value", ["", "123456789", "12345678931", "123456789a", "1 34567893", "１２３４５６７８９３"])
def test_anything_but_ten_ascii_digits_is_refused_as_the_wrong_length(value: str) -> None:
    assert not is_valid_npi(value)
    assert npi_error(value) == "An NPI is exactly 10 digits."


def test_a_missing_value_is_refused_not_crashed_on() -> None:
    assert not is_valid_npi(None)  # type: ignore[arg-type]
    assert npi_error(None) == "An NPI is exactly 10 digits."  # type: ignore[arg-type]


@pytest.mark.parametrize("first", "03456789")
def test_an_npi_starts_with_1_or_2(first: str) -> None:
    npi = first + KNOWN_VALID[1:]
    assert not is_valid_npi(npi)
    assert npi_error(npi) == "An NPI starts with 1 or 2."


@pytest.mark.parametrize("first_nine", ["123456789", "124531959", "200000000", "199999999"])
def test_completing_nine_digits_gives_a_valid_npi(first_nine: str) -> None:
    npi = npi_with_check_digit(first_nine)
    assert npi.startswith(first_nine)
    assert len(npi) == 10
    assert is_valid_npi(npi)


def test_completing_the_example_prefix_gives_the_example_check_digit() -> None:
    assert npi_with_check_digit(KNOWN_VALID[:9]) == KNOWN_VALID
