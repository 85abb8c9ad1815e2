"""FHIR errors: one exception that carries an HTTP status and the OperationOutcome issues to send.

Issue codes are from http://hl7.org/fhir/issue-type (IssueType); severities from IssueSeverity.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError


def issue(code: str, diagnostics: str, *, expression: list[str] | None = None,
          severity: str = "error") -> dict[str, Any]:
    found: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = expression
    return found


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


class FhirError(Exception):
    """Answer the request with ``status`` and an OperationOutcome of ``issues``."""

    def __init__(self, status: int, issues: list[dict[str, Any]], headers: Mapping[str, str] | None = None) -> None:
        super().__init__("; ".join(str(i.get("diagnostics", "")) for i in issues))
        self.status = status
        self.issues = issues
        self.headers = dict(headers or {})

    @classmethod
    def one(cls, status: int, code: str, diagnostics: str, *, expression: list[str] | None = None,
            headers: Mapping[str, str] | None = None) -> FhirError:
        return cls(status, [issue(code, diagnostics, expression=expression)], headers)


def bad_request(diagnostics: str, *, expression: list[str] | None = None, code: str = "invalid") -> FhirError:
    return FhirError.one(400, code, diagnostics, expression=expression)


def unprocessable(diagnostics: str, *, expression: list[str] | None = None,
                  code: str = "business-rule") -> FhirError:
    return FhirError.one(422, code, diagnostics, expression=expression)


def not_found(diagnostics: str) -> FhirError:
    return FhirError.one(404, "not-found", diagnostics)


def forbidden(diagnostics: str) -> FhirError:
    return FhirError.one(403, "forbidden", diagnostics)


def not_allowed(method: str, allowed: list[str]) -> FhirError:
    return FhirError.one(405, "not-supported", f"{method} is not supported here.",
                         headers={"Allow": ", ".join(allowed)})


def validation_issues(exc: ValidationError, resource_type: str, paths: Mapping[str, str]) -> list[dict[str, Any]]:
    """A Django ValidationError from a service as issues: one per message, with the FHIR path of the field."""
    if not hasattr(exc, "error_dict"):
        return [issue("business-rule", message, expression=[resource_type]) for message in exc.messages]
    found: list[dict[str, Any]] = []
    for field, messages in exc.message_dict.items():
        where = paths.get(field, resource_type)
        label = "" if field == "__all__" else f"{field}: "
        found.extend(issue("invariant", f"{label}{message}", expression=[where]) for message in messages)
    return found


@contextmanager
def service_errors(resource_type: str, paths: Mapping[str, str]) -> Iterator[None]:
    """Turn a service's ValidationError into 422 Unprocessable Entity with the fields' FHIR paths."""
    try:
        yield
    except ValidationError as exc:
        raise FhirError(422, validation_issues(exc, resource_type, paths)) from exc
