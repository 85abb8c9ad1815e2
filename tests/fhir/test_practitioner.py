"""GET /Practitioner: the practice's clinicians, with their NPI."""

from __future__ import annotations

from django.test import Client
from fhir.resources.R4B.practitioner import Practitioner as FhirPractitioner

from clinicdesk.practice.models import Organization
from clinicdesk.staff.models import Practitioner
from tests.fhir.conftest import get, ok, outcome

NPI = "http://hl7.org/fhir/sid/us-npi"


def ids(client: Client, query: str) -> list[str]:
    return [e["resource"]["id"] for e in ok(get(client, f"/Practitioner?{query}")).get("entry", [])]


def test_a_read_maps_name_npi_and_credentials(desk: Client, practitioner: Practitioner) -> None:
    body = ok(get(desk, f"/Practitioner/{practitioner.pk}"))
    assert body["identifier"] == [{"system": NPI, "value": "1245319599"}]
    name = body["name"][0]
    assert (name["family"], name["given"], name["prefix"], name["suffix"]) == ("Lindqvist", ["Maria"], ["Dr."], ["MD"])
    assert body["qualification"][0]["code"]["text"] == "MD"
    FhirPractitioner.model_validate(body)


def test_search_by_name_and_npi(desk: Client, org: Organization, practitioner: Practitioner) -> None:
    other = Practitioner.objects.create(organization=org, family_name="Osei", given_name="Kwame", npi="1234567893")
    assert ids(desk, "name=lind") == [str(practitioner.pk)]
    assert ids(desk, "name=kwa%20os") == [str(other.pk)]
    assert ids(desk, "family=osei") == [str(other.pk)]
    assert ids(desk, f"identifier={NPI}|1234567893") == [str(other.pk)]
    assert ids(desk, "identifier=1245319599") == [str(practitioner.pk)]
    assert ids(desk, "identifier=http://example.org/other|1245319599") == []
    assert sorted(ids(desk, "")) == sorted([str(practitioner.pk), str(other.pk)])


def test_search_by_active(desk: Client, org: Organization, practitioner: Practitioner) -> None:
    Practitioner.objects.create(organization=org, family_name="Gone", given_name="Away", active=False)
    assert ids(desk, "active=true") == [str(practitioner.pk)]
    outcome(get(desk, "/Practitioner?active=yes"), 400)


def test_another_practices_practitioner_is_not_found(desk: Client, other_org: Organization) -> None:
    stranger = Practitioner.objects.create(organization=other_org, family_name="Far", given_name="Away")
    outcome(get(desk, f"/Practitioner/{stranger.pk}"), 404)
    assert ids(desk, "name=far") == []
