"""Small FHIR datatypes shared by the resource mappers: references, ids, addresses, instants."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from clinicdesk.fhir.errors import bad_request, unprocessable
from clinicdesk.practice.models import Address

# Our logical ids are primary keys: digits without a leading zero, short enough for a 64-bit integer.
_PK = re.compile(r"[1-9][0-9]{0,17}")
_REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


def compact(value: Any) -> Any:
    """Drop empty strings, lists, objects and None, recursively: FHIR forbids empty elements."""
    if isinstance(value, dict):
        cleaned = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [compact(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def instant(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def meta(version: int, updated: datetime) -> dict[str, str]:
    return {"versionId": str(version), "lastUpdated": instant(updated)}


def ref(resource_type: str, logical_id: object, display: str = "") -> dict[str, str]:
    return compact({"reference": f"{resource_type}/{logical_id}", "display": display})


def pk_of(logical_id: str, prefix: str = "") -> int | None:
    """The primary key in one of our ids ("12", or "payer-12" with ``prefix="payer-"``), else None."""
    if not logical_id.startswith(prefix):
        return None
    digits = logical_id[len(prefix):]
    return int(digits) if _PK.fullmatch(digits) else None


def reference_target(reference: Any, types: tuple[str, ...], where: str) -> tuple[str, str]:
    """(type, id) of a Reference element (relative, or absolute ending in Type/id); 400 if malformed."""
    text = reference.get("reference") if isinstance(reference, dict) else None
    match = _REFERENCE.search(text) if isinstance(text, str) else None
    if match is None:
        raise bad_request(f"Expected a reference such as “{types[0]}/123”.", expression=[where])
    if match.group(1) not in types:
        raise unprocessable(f"This must refer to a {' or '.join(types)}, not a {match.group(1)}.",
                            expression=[where])
    return match.group(1), match.group(2)


def full_date(value: Any, where: str) -> date | None:
    """A day from a date or dateTime element. Our records keep whole days, so partial dates are refused."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise unprocessable(f"“{value}” is not a full date (YYYY-MM-DD).", expression=[where])


def address_to_fhir(obj: Address, use: str = "") -> dict[str, Any]:
    if not any((obj.line1, obj.line2, obj.city, obj.state, obj.postal_code)):
        return {}
    return compact({
        "use": use,
        "line": [obj.line1, obj.line2],
        "city": obj.city,
        "state": obj.state,
        "postalCode": obj.postal_code,
        "country": obj.country,
    })


_COUNTRY_ALIASES = {"USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US"}


def address_fields(addresses: list[dict[str, Any]]) -> dict[str, str]:
    """Our address fields from the best FHIR address: home first, then any that is not old, then the first."""
    chosen = next((a for a in addresses if a.get("use") == "home"), None)
    chosen = chosen or next((a for a in addresses if a.get("use") != "old"), None)
    chosen = chosen or (addresses[0] if addresses else {})
    lines = [line for line in chosen.get("line", []) if line]
    country = str(chosen.get("country", "")).strip()
    return {
        "line1": lines[0] if lines else "",
        "line2": ", ".join(lines[1:]),
        "city": chosen.get("city", ""),
        "state": chosen.get("state", ""),
        "postal_code": chosen.get("postalCode", ""),
        "country": _COUNTRY_ALIASES.get(country.upper(), country) or "US",
    }


def telecom(system: str, value: str, use: str = "") -> dict[str, str]:
    """A ContactPoint, or nothing when there is no value (FHIR wants a value with every system)."""
    return compact({"system": system, "value": value, "use": use}) if value else {}


def identifier(system: str, value: str) -> dict[str, str]:
    return {"system": system, "value": value} if value else {}
