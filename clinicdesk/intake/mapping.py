"""Which answers of the shipped forms are chart fields: answers → proposed chart changes. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

NEW_PATIENT_URL = "urn:clinicdesk:questionnaire:new-patient"
INSURANCE_URL = "urn:clinicdesk:questionnaire:insurance"

_NEW_PATIENT = {
    "name/given": "given_name", "name/middle": "middle_name", "name/family": "family_name",
    "name/preferred": "preferred_name", "dob": "birth_date", "sex": "sex", "contact/phone": "phone_mobile",
    "contact/email": "email", "address/line": "line1", "address/city": "city", "address/state": "state",
    "address/postal-code": "postal_code", "language": "preferred_language",
    "emergency/emergency-name": "emergency_contact_name",
    "emergency/emergency-relationship": "emergency_contact_relationship",
    "emergency/emergency-phone": "emergency_contact_phone",
}
_LANGUAGES = {"English": "en", "Spanish": "es"}


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def chart_changes(questionnaire_url: str, typed: Mapping[str, Any]) -> dict[str, str]:
    """The chart fields the (cleaned) answers of a form speak to, as text; empty for forms that hold none."""
    changes: dict[str, str] = {}
    if questionnaire_url == NEW_PATIENT_URL:
        for key, field in _NEW_PATIENT.items():
            if key not in typed:
                continue
            value = _text(typed[key])
            if field == "preferred_language":
                if value not in _LANGUAGES:
                    continue
                value = _LANGUAGES[value]
            if value:
                changes[field] = value
    elif questionnaire_url == INSURANCE_URL:
        for index in range(10):
            base = f"coverage[{index}]"
            if f"{base}/member-id" not in typed:
                break
            if _text(typed.get(f"{base}/coverage-order")) in ("Primary", ""):
                changes["coverage.member_id"] = _text(typed[f"{base}/member-id"])
                if _text(typed.get(f"{base}/group-number")):
                    changes["coverage.group_number"] = _text(typed[f"{base}/group-number"])
                break
    return changes
