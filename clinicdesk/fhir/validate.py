"""Checking an incoming resource: its type, id, structure (``fhir.resources`` R4B) and codes.

The result is the resource as plain Python data (``model_dump``): lists are lists, dates are
``date``/``datetime`` (a partial date such as "1980" stays a string), so the mappers can read it safely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel

from clinicdesk.fhir.codes import code_issues
from clinicdesk.fhir.errors import FhirError, bad_request, issue

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MAX_ISSUES = 20


def check_id(value: object, where: str) -> str:
    """A FHIR logical id: 1-64 of letters, digits, "-" and "." (fhir.resources does not check the length)."""
    if not isinstance(value, str) or not FHIR_ID.fullmatch(value):
        raise bad_request("An id is 1 to 64 letters, digits, “-” or “.”.", expression=[where], code="value")
    return value


def validate_resource(data: Mapping[str, Any], model: type[FHIRResourceModel],
                      rules: Mapping[str, frozenset[str]], *,
                      contained_types: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``data`` checked as a ``model`` resource; a 400 FhirError lists what is wrong."""
    kind = model.get_resource_type()
    if data.get("resourceType") != kind:
        raise bad_request(f"Expected a {kind} resource, got resourceType “{data.get('resourceType')}”.",
                          expression=["resourceType"], code="structure")
    if "id" in data:
        check_id(data["id"], f"{kind}.id")
    _check_contained(data, kind, contained_types)
    try:
        resource = model.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise FhirError(400, _structure_issues(exc, kind)) from exc
    plain: dict[str, Any] = resource.model_dump(exclude_none=True)
    problems = _boolean_issues(data, kind) + code_issues(plain, rules)
    if problems:
        raise FhirError(400, problems[:MAX_ISSUES])
    return plain


def _check_contained(data: Mapping[str, Any], kind: str, allowed: frozenset[str]) -> None:
    # Checked before fhir.resources sees them: it raises KeyError on an unknown contained resourceType.
    contained = data.get("contained")
    if contained is None:
        return
    if not allowed:
        raise bad_request(f"Contained resources are not supported in {kind}.", expression=[f"{kind}.contained"],
                          code="not-supported")
    if not isinstance(contained, list):
        raise bad_request("contained must be a list of resources.", expression=[f"{kind}.contained"],
                          code="structure")
    for index, item in enumerate(contained):
        where = f"{kind}.contained[{index}]"
        kind_of_item = item.get("resourceType") if isinstance(item, dict) else None
        if not isinstance(kind_of_item, str) or kind_of_item not in allowed:
            raise bad_request(f"Only {', '.join(sorted(allowed))} may be contained here.", expression=[where],
                              code="not-supported")
        check_id(item.get("id"), f"{where}.id")


def _structure_issues(exc: pydantic.ValidationError, kind: str) -> list[dict[str, Any]]:
    found = []
    for error in exc.errors()[:MAX_ISSUES]:
        where = kind + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        code = "required" if error["type"] == "missing" else "structure"
        found.append(issue(code, " ".join(error["msg"].split()), expression=[where]))
    return found


def _boolean_issues(data: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    # pydantic's lax mode would read "yes" or 1 as true; JSON booleans are true and false only.
    return [issue("value", f"{name} must be true or false.", expression=[f"{kind}.{name}"])
            for name in ("active", "deceasedBoolean") if name in data and not isinstance(data[name], bool)]

