"""Message templates with merge fields: ``Dear {patient_first_name}, ...`` (pure, no database).

Plain text: nothing is escaped. Only the names in :data:`MERGE_FIELDS` are allowed, bare — no attribute or
index access, no format specs or conversions — so a template can never reach past the values it is given.
Literal braces are written doubled (``{{`` and ``}}``). :func:`render_check` is run when a template is saved, so
a misspelt field is an error for the person writing it, not a broken reminder at 7 a.m.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from django.core.exceptions import ValidationError

MERGE_FIELDS: dict[str, str] = {
    "patient_first_name": "the patient's first (or preferred) name",
    "practice_name": "the practice",
    "practice_phone": "the practice's phone number",
    "practitioner_name": "e.g. Dr. Maria Lindqvist, MD",
    "appointment_type": "e.g. Follow-up",
    "location_name": "e.g. Main Street",
    "location_address": "the location's address on one line",
    "location_phone": "the location's phone number",
    "map_link": "a map link for the location's address",
    "appointment_date": "e.g. Monday, December 7, 2026 (the location's time zone)",
    "appointment_time": "e.g. 10:00 AM (the location's time zone)",
    "instructions": "the appointment type's preparation instructions",
    "confirm_link": "a signed link that confirms the appointment (needs CLINICDESK_PUBLIC_URL)",
    "cancel_link": "a signed link that cancels the appointment",
    "reschedule_link": "a signed link that asks the practice for a new time",
}


def template_fields(text: str) -> list[str]:
    """The merge fields a template uses; ``ValueError`` for malformed braces or a field that is not bare."""
    fields: list[str] = []
    for _literal, name, spec, conversion in Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{{{name}}}: write merge fields plainly, without ':' or '!'")
        if not name.isidentifier():
            raise ValueError(f"{{{name}}} is not a merge field" if name else "empty braces {} are not a merge field")
        fields.append(name)
    return fields


def render_check(**texts: str) -> None:
    """Raise a ``ValidationError`` keyed by the text's name (``subject``, ``body``) for anything unrenderable."""
    errors: dict[str, list[str]] = {}
    for key, text in texts.items():
        try:
            unknown = sorted({name for name in template_fields(text) if name not in MERGE_FIELDS})
        except ValueError as exc:
            errors[key] = [f"{exc}. Write a literal brace as {{{{ or }}}}."]
            continue
        if unknown:
            errors[key] = [f"Unknown merge field{'s' if len(unknown) > 1 else ''}: "
                           + ", ".join(f"{{{name}}}" for name in unknown)
                           + ". Available: " + ", ".join(f"{{{name}}}" for name in MERGE_FIELDS) + "."]
    if errors:
        raise ValidationError(errors)


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill in the merge fields; a field without a value is a ``KeyError`` (checked templates never have one).

    A line whose merge fields all come out empty is left out: "Confirm: {confirm_link}" when the server has no
    public address, "Map: {map_link}" for a location without one — a patient never reads a label with nothing
    after it."""
    return "\n".join(line for line in (_render_line(part, values) for part in text.split("\n")) if line is not None)


def _render_line(text: str, values: Mapping[str, str]) -> str | None:
    out: list[str] = []
    fields = filled = 0
    for literal, name, _spec, _conversion in Formatter().parse(text):
        out.append(literal)
        if name is not None:
            if name not in MERGE_FIELDS:
                raise KeyError(name)
            fields += 1
            filled += bool(values[name])
            out.append(values[name])
    return None if fields and not filled else "".join(out)
