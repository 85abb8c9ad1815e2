"""Phone numbers are stored in E.164 ("+15551234567") so one number has one spelling."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(raw: str, region: str = "US") -> str:
    """Return the E.164 form of ``raw``; raise InvalidPhoneNumber with a readable reason."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"“{raw}” is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"“{raw}” is not a valid phone number for {region}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str, region: str = "US") -> str:
    """Human form: national format at home, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_digits(raw: str) -> str:
    """The digits a person typed, for searching by a partial number."""
    return "".join(ch for ch in raw if ch.isdigit())
