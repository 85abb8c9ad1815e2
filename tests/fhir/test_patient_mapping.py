"""The Patient → our fields mapping rules, over plain data (no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from clinicdesk.fhir.errors import FhirError
from clinicdesk.fhir.patient import patient_fields

V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131"


def fields(**resource: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"resourceType": "Patient", "name": [{"family": "Doe", "given": ["Jo"]}],
                            "birthDate": date(1990, 1, 1)}
    return patient_fields({**base, **resource}, organization_id=1)


def test_the_official_name_wins_over_others_and_nicknames_become_the_preferred_name() -> None:
    result = fields(name=[{"use": "old", "family": "Maiden", "given": ["Jo"]},
                          {"use": "nickname", "given": ["JoJo"]},
                          {"use": "official", "family": "Doe", "given": ["Joanna", "Q"]}])
    assert (result["family_name"], result["given_name"], result["middle_name"]) == ("Doe", "Joanna", "Q")
    assert result["preferred_name"] == "JoJo"


def test_a_usual_name_repeating_the_given_name_is_not_a_preferred_name() -> None:
    assert fields(name=[{"use": "official", "family": "Doe", "given": ["Jo"]},
                        {"use": "usual", "given": ["Jo"]}])["preferred_name"] == ""


def test_phones_without_a_use_fill_mobile_then_home_and_sms_is_mobile() -> None:
    result = fields(telecom=[{"system": "phone", "value": "1"}, {"system": "phone", "value": "2"},
                             {"system": "phone", "value": "3", "use": "old"}])
    assert (result["phone_mobile"], result["phone_home"], result["phone_work"]) == ("1", "2", "")
    assert fields(telecom=[{"system": "sms", "value": "9", "use": "home"}])["phone_mobile"] == "9"


def test_the_emergency_contact_is_the_one_coded_c() -> None:
    result = fields(contact=[
        {"name": {"text": "Neighbour"}},
        {"relationship": [{"coding": [{"system": V2_0131, "code": "C"}]}, {"coding": [{"code": "N", "display":
                                                                                        "Next-of-Kin"}]}],
         "name": {"given": ["Sam"], "family": "Doe"}, "telecom": [{"system": "phone", "value": "5"}]},
    ])
    assert (result["emergency_contact_name"], result["emergency_contact_relationship"],
            result["emergency_contact_phone"]) == ("Sam Doe", "Next-of-Kin", "5")


def test_the_preferred_language_is_the_base_of_its_bcp47_code() -> None:
    result = fields(communication=[{"language": {"coding": [{"code": "fr"}]}},
                                   {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]},
                                    "preferred": True}])
    assert result["preferred_language"] == "es"
    assert fields()["preferred_language"] == "en"


def test_status_follows_deceased_then_active() -> None:
    assert fields(active=False)["status"] == "inactive"
    assert fields(deceasedBoolean=True, active=True)["status"] == "deceased"
    assert fields(deceasedDateTime=date(2020, 5, 1))["deceased_date"] == date(2020, 5, 1)
    assert fields()["status"] == "active"


def test_a_practitioner_role_reference_is_its_practitioner() -> None:
    assert fields(generalPractitioner=[{"reference": "Organization/1"},
                                       {"reference": "PractitionerRole/7"}])["primary_practitioner_id"] == 7


@pytest.mark.parametrize("resource", [
    {"name": []}, {"name": [{"family": "Doe"}]}, {"name": [{"given": ["Jo"]}]}, {"birthDate": None},
    {"birthDate": "1990-01"}, {"managingOrganization": {"reference": "Organization/2"}},
])
def test_what_our_record_requires_is_a_422(resource: dict[str, Any]) -> None:
    with pytest.raises(FhirError) as caught:
        fields(**resource)
    assert caught.value.status == 422
