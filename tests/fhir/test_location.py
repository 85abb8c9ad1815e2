"""GET /Location: the practice's sites."""

from __future__ import annotations

from django.test import Client
from fhir.resources.R4B.location import Location as FhirLocation

from clinicdesk.practice.models import Location, Organization
from tests.fhir.conftest import get, ok, outcome


def ids(client: Client, query: str) -> list[str]:
    return [e["resource"]["id"] for e in ok(get(client, f"/Location?{query}")).get("entry", [])]


def test_a_read_maps_the_location(desk: Client, org: Organization, location: Location) -> None:
    body = ok(get(desk, f"/Location/{location.pk}"))
    assert (body["name"], body["status"], body["mode"]) == ("Main Street", "active", "instance")
    assert body["address"]["city"] == "Springfield"
    assert body["managingOrganization"] == {"reference": f"Organization/{org.pk}"}
    FhirLocation.model_validate(body)


def test_search_by_name_city_and_status(desk: Client, org: Organization, location: Location) -> None:
    north = Location.objects.create(organization=org, name="North Clinic", city="Peoria", state="IL", active=False)
    assert ids(desk, "name=main") == [str(location.pk)]
    assert ids(desk, "address-city=peo") == [str(north.pk)]
    assert ids(desk, "status=inactive") == [str(north.pk)]
    assert ids(desk, "status=active,inactive") == [str(location.pk), str(north.pk)]
    outcome(get(desk, "/Location?status=closed"), 400)


def test_another_practices_location_is_not_found(desk: Client, other_org: Organization) -> None:
    far = Location.objects.create(organization=other_org, name="Far Away")
    outcome(get(desk, f"/Location/{far.pk}"), 404)
    assert ids(desk, "name=far") == []
