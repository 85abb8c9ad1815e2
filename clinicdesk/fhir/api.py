"""The FHIR R4 API, on django-ninja.

Why ninja, and how much of it: ninja gives us routing, bearer-token authentication and one place for
exception handlers, like the JSON API. Its pydantic request bodies and its JSON renderer are not used:
FHIR bodies are validated by ``fhir.resources`` models (resourceType, choice types like deceased[x],
primitive extensions) which ninja's schema machinery does not model, and every answer must be
``application/fhir+json``, so handlers read the raw body and return their own HttpResponse. Ninja's
docs and OpenAPI are off: the CapabilityStatement at /metadata is this API's description.

Interactions: GET [type] (search), POST [type] (create), GET [type]/[id] (read), PUT [type]/[id]
(update), GET [type]/[id]/_history/[vid] (the current version only). Every error is an
OperationOutcome; unexpected exceptions are not caught here, so a bug surfaces as a bug.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from clinicdesk.fhir import (
    appointment_api,
    communication,
    coverage_api,
    diagnostic_report,
    location,
    observation,
    organization,
    patient_api,
    practitioner,
    practitioner_role,
    questionnaire,
    questionnaire_response,
    schedule_api,
    slot_api,
    task,
)
from clinicdesk.fhir.bundle import searchset
from clinicdesk.fhir.context import Ctx, context_for, require
from clinicdesk.fhir.errors import FhirError, bad_request, issue, not_allowed, not_found, operation_outcome
from clinicdesk.fhir.http import base_url, etag, fhir_response, if_match_version, read_json_body
from clinicdesk.fhir.metadata import capability_statement
from clinicdesk.fhir.registry import Resource, ResourceSpec
from clinicdesk.fhir.search import SearchRequest
from clinicdesk.staff.models import User
from clinicdesk.staff.services import token_authenticate

SPECS: dict[str, ResourceSpec] = {spec.type: spec for spec in (
    patient_api.SPEC,
    coverage_api.SPEC,
    practitioner.SPEC,
    practitioner_role.SPEC,
    location.SPEC,
    organization.SPEC,
    schedule_api.SPEC,
    slot_api.SPEC,
    appointment_api.SPEC,
    observation.SPEC,
    diagnostic_report.SPEC,
    task.SPEC,
    communication.SPEC,
    questionnaire.SPEC,
    questionnaire_response.SPEC,
)}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json", "application/json+fhir"})


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return token_authenticate(token) if token else None


api = NinjaAPI(title="clinicdesk FHIR R4", version="r4", urls_namespace="fhir", docs_url=None, openapi_url=None,
               auth=BearerToken())


def _outcome(status: int, code: str, diagnostics: str, headers: dict[str, str] | None = None) -> HttpResponse:
    return fhir_response(operation_outcome([issue(code, diagnostics)]), status, headers)


# The handlers take ``exc: Any`` because ninja types a handler's exception as ``E | type[E]``.
def _on_fhir_error(request: HttpRequest, exc: Any) -> HttpResponse:
    return fhir_response(operation_outcome(exc.issues), exc.status, exc.headers)


def _on_unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
    return _outcome(401, "login", "Send a valid API token: Authorization: Bearer <token>.",
                    {"WWW-Authenticate": 'Bearer realm="clinicdesk FHIR"'})


def _on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
    return _outcome(404, "not-found", str(exc) or "Not found.")


def _on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
    return _outcome(403, "forbidden", str(exc) or "Not permitted.")


def _on_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
    return fhir_response(operation_outcome([issue("invariant", m) for m in exc.messages]), 422)


def _on_ninja_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
    return _outcome(400, "invalid", "The request is not valid.")


api.add_exception_handler(FhirError, _on_fhir_error)
api.add_exception_handler(AuthenticationError, _on_unauthenticated)
api.add_exception_handler(Http404, _on_not_found)
api.add_exception_handler(PermissionDenied, _on_denied)
api.add_exception_handler(ValidationError, _on_invalid)
api.add_exception_handler(NinjaValidationError, _on_ninja_invalid)


def _ctx(request: HttpRequest) -> Ctx:
    _check_format(request)
    return context_for(request, cast(User, request.auth))  # type: ignore[attr-defined]


def _check_format(request: HttpRequest) -> None:
    wanted = request.GET.get("_format")
    accept = request.headers.get("Accept", "")
    json_ok = not accept or any(t in accept for t in ("json", "*/*", "application/*"))
    if (wanted is not None and wanted not in JSON_FORMATS) or not json_ok:
        raise FhirError.one(406, "not-supported", "This server speaks application/fhir+json only.")


def _spec(resource_type: str) -> ResourceSpec:
    spec = SPECS.get(resource_type)
    if spec is None:
        raise not_found(f"The resource type “{resource_type[:64]}” is not supported; see /metadata.")
    return spec


def _versioned(resource: Resource, status: int = 200, extra: dict[str, str] | None = None) -> HttpResponse:
    headers = dict(extra or {})
    version = resource.get("meta", {}).get("versionId")
    if version:
        headers["ETag"] = etag(version)
    return fhir_response(resource, status, headers)


@api.api_operation(METHODS, "/metadata", auth=None)
def metadata(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        raise not_allowed(str(request.method), ["GET"])
    _check_format(request)
    return fhir_response(capability_statement(base_url(request), list(SPECS.values())))


@api.api_operation(METHODS, "")
def system_level(request: HttpRequest) -> HttpResponse:
    _ctx(request)
    raise not_found("System-level interactions (batch, transaction, whole-system search) are not supported; "
                    "see /metadata.")


@api.api_operation(METHODS, "/{resource_type}")
def type_level(request: HttpRequest, resource_type: str) -> HttpResponse:
    ctx, spec = _ctx(request), _spec(resource_type)
    if request.method == "GET":
        require(ctx, spec.read_perm, spec.type)
        sr = SearchRequest(request, spec.params)
        resources, total = spec.search(ctx, sr)
        return fhir_response(searchset(base=ctx.base, resource_type=spec.type, sr=sr, resources=resources,
                                       total=total))
    if request.method == "POST" and spec.create is not None:
        require(ctx, spec.create_perm, spec.type)
        created = spec.create(ctx, read_json_body(request))
        location = f"{ctx.base}/{spec.type}/{created['id']}/_history/{created['meta']['versionId']}"
        return _versioned(created, 201, {"Location": location})
    raise not_allowed(str(request.method), ["GET", "POST"] if spec.create else ["GET"])


@api.api_operation(METHODS, "/{resource_type}/{logical_id}")
def instance_level(request: HttpRequest, resource_type: str, logical_id: str) -> HttpResponse:
    ctx, spec = _ctx(request), _spec(resource_type)
    if request.method == "GET":
        require(ctx, spec.read_perm, spec.type)
        return _versioned(spec.read(ctx, logical_id))
    if request.method == "PUT" and spec.update is not None:
        require(ctx, spec.update_perm, spec.type)
        expected = if_match_version(request)
        return _versioned(spec.update(ctx, logical_id, read_json_body(request), expected))
    raise not_allowed(str(request.method), ["GET", "PUT"] if spec.update else ["GET"])


@api.api_operation(METHODS, "/{resource_type}/{logical_id}/_history/{version_id}")
def version_read(request: HttpRequest, resource_type: str, logical_id: str, version_id: str) -> HttpResponse:
    ctx, spec = _ctx(request), _spec(resource_type)
    if request.method != "GET":
        raise not_allowed(str(request.method), ["GET"])
    if not spec.versioned:
        raise bad_request(f"{spec.type} is not versioned.", code="not-supported")
    require(ctx, spec.read_perm, spec.type)
    resource = spec.read(ctx, logical_id)
    if resource["meta"]["versionId"] != version_id:
        raise not_found(f"Only the current version ({resource['meta']['versionId']}) of {spec.type}/{logical_id} "
                        "is kept.")
    return _versioned(resource)


def unknown_path(request: HttpRequest, **_: Any) -> HttpResponse:
    """Anything else under the base, so that even a wrong URL answers in FHIR."""
    return _outcome(404, "not-found", "There is nothing at this address; see /metadata.")
