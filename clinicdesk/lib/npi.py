"""National Provider Identifier (NPI) check.

An NPI is 10 digits; its last digit is a Luhn check digit computed over the prefix 80840
(the ISO health-card issuer prefix for the US) followed by the first nine digits.
"""

from __future__ import annotations

from stdnum import luhn


def _ten_digits(value: str) -> bool:
    # str.isdigit() is true for other scripts' digits too ("１２３", "١٢٣"); an NPI is ASCII.
    return len(value) == 10 and value.isascii() and value.isdigit()


def is_valid_npi(value: str) -> bool:
    value = (value or "").strip()
    if not _ten_digits(value) or value[0] not in "12":
        return False
    return luhn.is_valid("80840" + value)


def npi_error(value: str) -> str | None:
    """A readable reason the NPI is wrong, or None when it is right."""
    value = (value or "").strip()
    if not _ten_digits(value):
        return "An NPI is exactly 10 digits."
    if value[0] not in "12":
        return "An NPI starts with 1 or 2."
    if not luhn.is_valid("80840" + value):
        return "This NPI's check digit is wrong; please re-check the number."
    return None


def npi_with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid NPI (used to make demo data)."""
    return first_nine + luhn.calc_check_digit("80840" + first_nine)
