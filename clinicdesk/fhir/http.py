"""HTTP edges of the FHIR API: the response, the request body, and the version headers (ETag, If-Match)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from clinicdesk.fhir.errors import FhirError, bad_request

FHIR_JSON = "application/fhir+json"
# What a client may send: the FHIR media type, plain JSON, and the DSTU2-era spelling still seen in the wild.
ACCEPTED_BODY_TYPES = frozenset({FHIR_JSON, "application/json", "application/json+fhir"})
MAX_DEPTH = 32
_IF_MATCH = re.compile(r'(?:W/)?"([^"]*)"')


def fhir_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False, default=_json_default), status=status,
                            content_type=f"{FHIR_JSON}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def base_url(request: HttpRequest) -> str:
    """The absolute service base, e.g. http://host/fhir/r4 (no trailing slash)."""
    return request.build_absolute_uri(reverse("fhir:api-root")).rstrip("/")


def etag(version: int | str) -> str:
    return f'W/"{version}"'


def read_json_body(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; any other content is a 4xx FhirError."""
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise FhirError.one(413, "too-costly", "The request body is too large.") from exc
    if not raw.strip():
        raise bad_request("The request body is empty; send a FHIR resource as JSON.", code="structure")
    if request.content_type not in ACCEPTED_BODY_TYPES:
        raise FhirError.one(415, "not-supported", f"Send the resource as {FHIR_JSON} (or application/json); "
                            f"got “{request.content_type or 'no content type'}”.")
    try:
        data = json.loads(raw, object_pairs_hook=_object_without_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise bad_request(f"The body is not valid JSON: {exc}", code="structure") from exc
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object (a FHIR resource).", code="structure")
    _check_values(data)
    return data


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the property “{key}” appears twice")
        found[key] = value
    return found


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _check_values(data: dict[str, Any]) -> None:
    """Refuse what the databases cannot store or a client cannot mean: NUL characters, lone surrogates,
    and nesting deeper than any FHIR resource we accept. Iterative, so depth cannot exhaust the stack."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise bad_request(f"The body is nested deeper than {MAX_DEPTH} levels.", code="structure")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            stack.extend((k, depth + 1) for k in node)
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str):
            check_text(node)


def check_text(text: str) -> None:
    if "\x00" in text:
        raise bad_request("Text must not contain NUL characters.", code="value")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise bad_request("Text must be valid Unicode (a lone surrogate was sent).", code="value") from exc


def if_match_version(request: HttpRequest) -> int | None:
    """The version in ``If-Match: W/"3"`` (None when absent or "*"); -1 for a tag we never issue,
    which matches no version, so the update is refused with 412."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _IF_MATCH.fullmatch(raw.strip())
    if match is None:
        raise bad_request('If-Match must be an entity tag such as W/"3".', expression=["If-Match"])
    value = match.group(1)
    return int(value) if value.isdigit() and len(value) <= 9 else -1


def version_conflict(current: int) -> FhirError:
    return FhirError.one(412, "conflict", f"The resource has changed: its current version is {current}. "
                         "Read it again and re-apply your change.", headers={"ETag": etag(current)})
