"""Patient ↔ our patient record.

Out: MRN identifier (system ``urn:clinicdesk:mrn:<practice id>``, type v2-0203 MR); names: official
(given = first name then middle names, suffix) and usual (preferred name); telecom: mobile, home and
work phones and e-mail; gender ↔ sex; birthDate; deceased; address; communication (preferred
language, BCP-47); generalPractitioner → Practitioner; contact = the emergency contact (v2-0131 "C");
managingOrganization → the practice; a merged record links to the survivor ("replaced-by").

In (create and update replace every mapped field): the official name (else the first that is not
usual/nickname/old) gives family, given and middle names; the first given name of a usual or nickname
name is the preferred name; phones by use (no use: mobile, then home; sms counts as mobile); the
first e-mail; a home address (else one not old); the preferred (else first) communication language;
deceasedBoolean/DateTime, then ``active: false``, set the status. The MRN is assigned by us: incoming
identifiers are ignored, as are fields we do not keep. Our fields without a FHIR home (pronouns,
consents, guarantor, alerts, notes) are left as they are by an update.
"""

from __future__ import annotations

from typing import Any

from clinicdesk.fhir.codes import BCP47, V2_0131, V2_0203, mrn_system
from clinicdesk.fhir.datatypes import (
    address_fields,
    address_to_fhir,
    compact,
    full_date,
    meta,
    pk_of,
    ref,
    reference_target,
    telecom,
)
from clinicdesk.fhir.errors import unprocessable
from clinicdesk.patients.models import LANGUAGES, Patient, Status

LANGUAGE_NAMES = dict(LANGUAGES)
NOT_OFFICIAL = frozenset({"usual", "nickname", "old", "maiden", "anonymous", "temp"})
PHONE_USES = {"mobile": "phone_mobile", "home": "phone_home", "work": "phone_work"}
# Where each of our fields lives in a Patient resource, for error messages.
PATHS = {
    "family_name": "Patient.name.family", "given_name": "Patient.name.given", "middle_name": "Patient.name.given",
    "suffix": "Patient.name.suffix", "preferred_name": "Patient.name.where(use='usual').given",
    "birth_date": "Patient.birthDate", "sex": "Patient.gender", "email": "Patient.telecom.where(system='email')",
    "phone_mobile": "Patient.telecom.where(use='mobile')", "phone_home": "Patient.telecom.where(use='home')",
    "phone_work": "Patient.telecom.where(use='work')", "line1": "Patient.address.line",
    "line2": "Patient.address.line", "city": "Patient.address.city", "state": "Patient.address.state",
    "postal_code": "Patient.address.postalCode", "country": "Patient.address.country",
    "preferred_language": "Patient.communication.language", "emergency_contact_name": "Patient.contact.name",
    "emergency_contact_relationship": "Patient.contact.relationship",
    "emergency_contact_phone": "Patient.contact.telecom", "primary_practitioner": "Patient.generalPractitioner",
    "status": "Patient.active", "deceased_date": "Patient.deceasedDateTime",
}


def patient_to_fhir(p: Patient) -> dict[str, Any]:
    practitioner = p.primary_practitioner
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.pk),
        "meta": meta(p.version, p.updated_at),
        "identifier": [{"use": "usual", "type": {"coding": [{"system": V2_0203, "code": "MR",
                                                             "display": "Medical record number"}], "text": "MRN"},
                        "system": mrn_system(p.organization_id), "value": p.mrn}],
        "active": p.status == Status.ACTIVE,
        "name": _names(p),
        "telecom": [telecom("phone", p.phone_mobile, "mobile"), telecom("phone", p.phone_home, "home"),
                    telecom("phone", p.phone_work, "work"), telecom("email", p.email)],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
        "address": [address_to_fhir(p, "home")],
        "contact": [_emergency_contact(p)],
        "communication": [{"language": {"coding": [{"system": BCP47, "code": p.preferred_language,
                                                    "display": LANGUAGE_NAMES.get(p.preferred_language, "")}],
                                        "text": LANGUAGE_NAMES.get(p.preferred_language, "")},
                           "preferred": True}],
        "generalPractitioner": [ref("Practitioner", practitioner.pk, practitioner.display_name)] if practitioner
        else [],
        "managingOrganization": ref("Organization", p.organization_id),
        "link": [{"other": ref("Patient", p.merged_into_id), "type": "replaced-by"}] if p.merged_into_id else [],
    }
    if p.status == Status.DECEASED:
        resource["deceasedDateTime" if p.deceased_date else "deceasedBoolean"] = (
            p.deceased_date.isoformat() if p.deceased_date else True)
    return compact(resource)


def _names(p: Patient) -> list[dict[str, Any]]:
    official = {"use": "official", "family": p.family_name, "given": [p.given_name, *p.middle_name.split()],
                "suffix": [p.suffix]}
    usual = {"use": "usual", "family": p.family_name, "given": [p.preferred_name]} if p.preferred_name else {}
    return [official, usual]


def _emergency_contact(p: Patient) -> dict[str, Any]:
    if not (p.emergency_contact_name or p.emergency_contact_phone):
        return {}
    return {
        "relationship": [{"coding": [{"system": V2_0131, "code": "C", "display": "Emergency Contact"}]},
                         {"text": p.emergency_contact_relationship}],
        "name": {"text": p.emergency_contact_name},
        "telecom": [telecom("phone", p.emergency_contact_phone)],
    }


def patient_fields(resource: dict[str, Any], organization_id: int) -> dict[str, Any]:
    """Our patient fields from a validated Patient resource (see the module docstring for the rules)."""
    _check_managing_organization(resource, organization_id)
    birth_date = full_date(resource.get("birthDate"), "Patient.birthDate")
    if birth_date is None:
        raise unprocessable("A birthDate is required.", expression=["Patient.birthDate"], code="required")
    return {
        **_name_fields(resource.get("name", [])),
        "birth_date": birth_date,
        "sex": resource.get("gender", "unknown"),
        **_telecom_fields(resource.get("telecom", [])),
        **address_fields(resource.get("address", [])),
        "preferred_language": _language(resource.get("communication", [])),
        **_contact_fields(resource.get("contact", [])),
        "primary_practitioner_id": _practitioner_pk(resource.get("generalPractitioner", [])),
        **_status_fields(resource),
    }


def _name_fields(names: list[dict[str, Any]]) -> dict[str, str]:
    official = next((n for n in names if n.get("use") == "official"), None)
    official = official or next((n for n in names if n.get("use") not in NOT_OFFICIAL), {})
    given = [g for g in official.get("given", []) if g and g.strip()]
    family = official.get("family", "")
    if not (family.strip() and given):
        raise unprocessable("An official name with a family name and a given name is required.",
                            expression=["Patient.name"], code="required")
    usual = next((n for n in names if n is not official and n.get("use") in ("usual", "nickname")), {})
    preferred = next((g for g in usual.get("given", []) if g), "")
    return {"family_name": family, "given_name": given[0], "middle_name": " ".join(given[1:]),
            "suffix": " ".join(s for s in official.get("suffix", []) if s),
            "preferred_name": preferred if preferred != given[0] else ""}


def _telecom_fields(points: list[dict[str, Any]]) -> dict[str, str]:
    found = {"phone_mobile": "", "phone_home": "", "phone_work": "", "email": ""}
    for point in points:
        value, system, use = point.get("value", ""), point.get("system"), point.get("use")
        if not value or use in ("old", "temp"):
            continue
        if system == "email" and not found["email"]:
            found["email"] = value
        elif system in ("phone", "sms"):
            field = PHONE_USES.get("mobile" if system == "sms" else use or "")
            field = field or next((f for f in ("phone_mobile", "phone_home") if not found[f]), None)
            if field and not found[field]:
                found[field] = value
    return found


def _language(communications: list[dict[str, Any]]) -> str:
    chosen = next((c for c in communications if c.get("preferred")), None)
    chosen = chosen or (communications[0] if communications else None)
    if chosen is None:
        return "en"
    codings = chosen.get("language", {}).get("coding", [])
    coding = next((c for c in codings if c.get("system") == BCP47), codings[0] if codings else {})
    code = str(coding.get("code", "")).split("-")[0].lower()
    if not code:
        raise unprocessable("Give the language as a BCP-47 code, e.g. “es”.",
                            expression=["Patient.communication.language"], code="required")
    return code


def _is_emergency(concept: dict[str, Any]) -> bool:
    return any(c.get("code") == "C" for c in concept.get("coding", []))


def _contact_fields(contacts: list[dict[str, Any]]) -> dict[str, str]:
    """The emergency contact (relationship coded v2-0131 "C"), else the first contact. Its other
    relationship, as text, is how the contact is related ("Spouse")."""
    chosen = next((c for c in contacts if any(_is_emergency(r) for r in c.get("relationship", []))),
                  contacts[0] if contacts else {})
    relationship = ""
    for concept in chosen.get("relationship", []):
        if not _is_emergency(concept):
            codings = concept.get("coding", [])
            relationship = concept.get("text") or (codings[0].get("display") or codings[0].get("code", "")
                                                   if codings else "")
            break
    name = chosen.get("name", {})
    full_name = name.get("text") or " ".join([*(g for g in name.get("given", []) if g), name.get("family", "")])
    phone = next((t.get("value", "") for t in chosen.get("telecom", []) if t.get("system") in ("phone", "sms")), "")
    return {"emergency_contact_name": full_name.strip(), "emergency_contact_relationship": relationship,
            "emergency_contact_phone": phone}


def _practitioner_pk(references: list[dict[str, Any]]) -> int | None:
    """The first general practitioner; a PractitionerRole id is its practitioner's id."""
    for index, reference in enumerate(references):
        where = f"Patient.generalPractitioner[{index}]"
        kind, logical_id = reference_target(reference, ("Practitioner", "PractitionerRole", "Organization"), where)
        if kind == "Organization":
            continue
        pk = pk_of(logical_id)
        if pk is None:
            raise unprocessable(f"There is no {kind}/{logical_id} in this practice.", expression=[where])
        return pk
    return None


def _status_fields(resource: dict[str, Any]) -> dict[str, Any]:
    if "deceasedDateTime" in resource:
        return {"status": Status.DECEASED,
                "deceased_date": full_date(resource["deceasedDateTime"], "Patient.deceasedDateTime")}
    if resource.get("deceasedBoolean"):
        return {"status": Status.DECEASED, "deceased_date": None}
    return {"status": Status.ACTIVE if resource.get("active", True) else Status.INACTIVE, "deceased_date": None}


def _check_managing_organization(resource: dict[str, Any], organization_id: int) -> None:
    if "managingOrganization" not in resource:
        return
    where = "Patient.managingOrganization"
    _kind, logical_id = reference_target(resource["managingOrganization"], ("Organization",), where)
    if pk_of(logical_id) != organization_id:
        raise unprocessable("A patient can only be registered with your own practice.", expression=[where])
