"""Coverage ↔ our patient coverage.

Out: status; subscriberId and an identifier (v2-0203 MB) = member id; beneficiary → Patient;
payor → Organization/payer-<id>; relationship coded in FHIR subscriber-relationship and, exactly, in
our X12 individual-relationship codes (18 self, 01 spouse, 19 child, 20 employee, G8 other);
subscriber → the patient when self, else a contained RelatedPerson with the subscriber's name and
birth date; period = effective and end dates; class: group (group number) and plan (value = plan id);
order = priority (1 primary, 2 secondary, 3 tertiary); costToBeneficiary copay in USD.

In: the same elements. Where both relationship codings are sent, ours wins (it keeps "employee");
from the FHIR coding alone, parent/common/injured become "other". Card images are not exposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from clinicdesk.fhir.codes import (
    COPAY_TYPE,
    COVERAGE_CLASS,
    SUBSCRIBER_RELATIONSHIP,
    SUBSCRIBER_RELATIONSHIP_CODES,
    V2_0203,
    X12_RELATIONSHIP,
)
from clinicdesk.fhir.datatypes import compact, full_date, meta, pk_of, ref, reference_target
from clinicdesk.fhir.errors import bad_request, unprocessable
from clinicdesk.insurance.models import Coverage, Relationship

TO_FHIR_RELATIONSHIP: dict[str, str] = {
    Relationship.SELF: "self", Relationship.SPOUSE: "spouse", Relationship.CHILD: "child",
    Relationship.EMPLOYEE: "other", Relationship.OTHER: "other",
}
FROM_FHIR_RELATIONSHIP = {"self": Relationship.SELF, "spouse": Relationship.SPOUSE, "child": Relationship.CHILD}
PAYER_PREFIX = "payer-"
SUBSCRIBER_ID = "subscriber"
PATHS = {
    "member_id": "Coverage.subscriberId", "group_number": "Coverage.class.where(type='group')",
    "plan": "Coverage.class.where(type='plan')", "payer": "Coverage.payor", "priority": "Coverage.order",
    "relationship": "Coverage.relationship", "effective_date": "Coverage.period.start",
    "end_date": "Coverage.period.end", "copay": "Coverage.costToBeneficiary", "status": "Coverage.status",
    "subscriber_family_name": "Coverage.contained.name.family",
    "subscriber_given_name": "Coverage.contained.name.given",
    "subscriber_birth_date": "Coverage.contained.birthDate", "patient": "Coverage.beneficiary",
}


def coverage_to_fhir(c: Coverage) -> dict[str, Any]:
    is_self = c.relationship == Relationship.SELF
    resource = {
        "resourceType": "Coverage",
        "id": str(c.pk),
        "meta": meta(c.version, c.updated_at),
        "contained": [] if is_self else [_subscriber(c)],
        "identifier": [{"type": {"coding": [{"system": V2_0203, "code": "MB", "display": "Member Number"}]},
                        "value": c.member_id}],
        "status": c.status,
        "subscriber": ref("Patient", c.patient_id) if is_self else {"reference": f"#{SUBSCRIBER_ID}"},
        "subscriberId": c.member_id,
        "beneficiary": ref("Patient", c.patient_id),
        "relationship": {"coding": [
            {"system": SUBSCRIBER_RELATIONSHIP, "code": TO_FHIR_RELATIONSHIP.get(c.relationship)},
            {"system": X12_RELATIONSHIP, "code": c.relationship, "display": c.get_relationship_display()},
        ]},
        "period": {"start": _iso(c.effective_date), "end": _iso(c.end_date)},
        "payor": [ref("Organization", f"{PAYER_PREFIX}{c.payer_id}", c.payer.name)],
        "class": [_class("group", c.group_number, ""),
                  _class("plan", str(c.plan_id) if c.plan_id else "", c.plan.name if c.plan else "")],
        "order": c.priority,
        "costToBeneficiary": [{"type": {"coding": [{"system": COPAY_TYPE, "code": "copay"}]},
                               "valueMoney": {"value": c.copay, "currency": "USD"}}],
    }
    return compact(resource)


def _iso(day: Any) -> str:
    return day.isoformat() if day else ""


def _class(kind: str, value: str, name: str) -> dict[str, Any]:
    if not value:
        return {}
    return {"type": {"coding": [{"system": COVERAGE_CLASS, "code": kind}]}, "value": value, "name": name}


def _subscriber(c: Coverage) -> dict[str, Any]:
    return {"resourceType": "RelatedPerson", "id": SUBSCRIBER_ID, "patient": ref("Patient", c.patient_id),
            "name": [{"family": c.subscriber_family_name, "given": [c.subscriber_given_name]}],
            "birthDate": _iso(c.subscriber_birth_date)}


@dataclass(frozen=True)
class CoverageInput:
    """What a Coverage resource asks for: references still to be resolved in the practice, and fields."""

    patient_id: int | None
    payer_id: int | None
    plan_id: int | None
    fields: dict[str, Any]


def coverage_input(resource: dict[str, Any]) -> CoverageInput:
    """Our coverage fields from a validated Coverage resource."""
    status = resource.get("status")
    if status not in ("active", "cancelled"):
        raise unprocessable("Only active and cancelled coverages are kept here.", expression=["Coverage.status"])
    plan_value = _class_value(resource, "plan")
    fields = {
        "status": status,
        "member_id": resource.get("subscriberId") or _member_identifier(resource),
        "group_number": _class_value(resource, "group"),
        "priority": resource.get("order", 1),
        "relationship": _relationship(resource.get("relationship")),
        "effective_date": full_date(resource.get("period", {}).get("start"), "Coverage.period.start"),
        "end_date": full_date(resource.get("period", {}).get("end"), "Coverage.period.end"),
        "copay": _copay(resource.get("costToBeneficiary", [])),
        **_subscriber_fields(resource),
    }
    plan_id = pk_of(plan_value) if plan_value else None
    if plan_value and plan_id is None:
        raise unprocessable(f"There is no plan “{plan_value}”.", expression=[PATHS["plan"]])
    return CoverageInput(patient_id=_beneficiary(resource), payer_id=_payer(resource), plan_id=plan_id,
                         fields=fields)


def _beneficiary(resource: dict[str, Any]) -> int | None:
    _kind, logical_id = reference_target(resource.get("beneficiary"), ("Patient",), "Coverage.beneficiary")
    return pk_of(logical_id)


def _payer(resource: dict[str, Any]) -> int | None:
    payors = resource.get("payor", [])
    if len(payors) != 1:
        raise unprocessable("Give exactly one payor: an Organization/payer-<id> of this practice.",
                            expression=["Coverage.payor"], code="required")
    _kind, logical_id = reference_target(payors[0], ("Organization",), "Coverage.payor[0]")
    return pk_of(logical_id, PAYER_PREFIX)


def _member_identifier(resource: dict[str, Any]) -> str:
    for identifier in resource.get("identifier", []):
        if any(c.get("code") == "MB" for c in identifier.get("type", {}).get("coding", [])):
            return str(identifier.get("value", ""))
    return ""


def _class_value(resource: dict[str, Any], kind: str) -> str:
    for item in resource.get("class", []):
        if any(c.get("code") == kind for c in item.get("type", {}).get("coding", [])):
            return str(item.get("value", ""))
    return ""


def _relationship(concept: dict[str, Any] | None) -> str:
    codings = (concept or {}).get("coding", [])
    for coding in codings:
        if coding.get("system") == X12_RELATIONSHIP:
            if coding.get("code") not in Relationship.values:
                raise bad_request(f"“{coding.get('code')}” is not one of {', '.join(Relationship.values)}.",
                                  expression=["Coverage.relationship"], code="code-invalid")
            return str(coding["code"])
    for coding in codings:
        if coding.get("system") == SUBSCRIBER_RELATIONSHIP:
            code = coding.get("code")
            if code not in SUBSCRIBER_RELATIONSHIP_CODES:
                raise bad_request(f"“{code}” is not a subscriber-relationship code.",
                                  expression=["Coverage.relationship"], code="code-invalid")
            return FROM_FHIR_RELATIONSHIP.get(code, Relationship.OTHER)
    if codings:
        raise bad_request(f"Code the relationship in {SUBSCRIBER_RELATIONSHIP}.", expression=["Coverage.relationship"],
                          code="code-invalid")
    return Relationship.SELF


def _copay(costs: list[dict[str, Any]]) -> Decimal:
    for cost in costs:
        codes = [c.get("code") for c in cost.get("type", {}).get("coding", [])]
        money = cost.get("valueMoney")
        if money is None or (codes and "copay" not in codes):
            continue
        if money.get("currency", "USD") != "USD":
            raise unprocessable("Copays are kept in USD.", expression=["Coverage.costToBeneficiary.valueMoney"])
        try:
            return Decimal(str(money.get("value", "0")))
        except InvalidOperation as exc:
            raise bad_request("The copay is not a number.", expression=[PATHS["copay"]]) from exc
    return Decimal("0.00")


def _subscriber_fields(resource: dict[str, Any]) -> dict[str, Any]:
    """The subscriber's name and birth date, from the contained RelatedPerson the subscriber refers to."""
    reference = resource.get("subscriber", {}).get("reference", "")
    person = next((c for c in resource.get("contained", []) if reference == f"#{c.get('id')}"), None)
    if person is None:
        return {"subscriber_family_name": "", "subscriber_given_name": "", "subscriber_birth_date": None}
    name: dict[str, Any] = next(iter(person.get("name", [])), {})
    given = [g for g in name.get("given", []) if g]
    return {"subscriber_family_name": name.get("family", ""), "subscriber_given_name": " ".join(given),
            "subscriber_birth_date": full_date(person.get("birthDate"), "Coverage.contained.birthDate")}
