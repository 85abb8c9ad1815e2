"""GET /PractitionerRole: one role per practitioner, with the same id."""

from __future__ import annotations

from django.test import Client
from fhir.resources.R4B.practitionerrole import PractitionerRole

from clinicdesk.practice.models import Location, Organization
from clinicdesk.staff.models import Practitioner
from tests.fhir.conftest import get, ok, outcome


def test_a_role_is_derived_from_the_practitioner(desk: Client, practitioner: Practitioner,
                                                 location: Location) -> None:
    practitioner.locations.add(location)
    Practitioner.objects.filter(pk=practitioner.pk).update(taxonomy_code="207Q00000X")
    body = ok(get(desk, f"/PractitionerRole/{practitioner.pk}"))
    assert body["id"] == str(practitioner.pk)
    assert body["practitioner"]["reference"] == f"Practitioner/{practitioner.pk}"
    assert body["organization"]["reference"] == f"Organization/{practitioner.organization_id}"
    assert body["location"] == [{"reference": f"Location/{location.pk}", "display": "Main Street"}]
    assert body["specialty"] == [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207Q00000X"}],
                                  "text": "Family medicine"}]
    PractitionerRole.model_validate(body)


def test_search_by_location_practitioner_and_specialty(desk: Client, org: Organization, practitioner: Practitioner,
                                                       location: Location) -> None:
    practitioner.locations.add(location)
    Practitioner.objects.filter(pk=practitioner.pk).update(taxonomy_code="207Q00000X")
    elsewhere = Practitioner.objects.create(organization=org, family_name="Nowhere", given_name="Ned")

    def ids(query: str) -> list[str]:
        return [e["resource"]["id"] for e in ok(get(desk, f"/PractitionerRole?{query}")).get("entry", [])]

    assert ids(f"location=Location/{location.pk}") == [str(practitioner.pk)]
    assert ids(f"practitioner={elsewhere.pk}") == [str(elsewhere.pk)]
    assert ids("specialty=http://nucc.org/provider-taxonomy|207Q00000X") == [str(practitioner.pk)]
    assert ids("specialty=208D00000X") == []
    assert len(ids("")) == 2


def test_another_practices_role_is_not_found(desk: Client, other_org: Organization) -> None:
    stranger = Practitioner.objects.create(organization=other_org, family_name="Far", given_name="Away")
    outcome(get(desk, f"/PractitionerRole/{stranger.pk}"), 404)
