"""GET /Organization: the caller's practice and its payers."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.test import Client
from fhir.resources.R4B.organization import Organization as FhirOrganization

from clinicdesk.insurance.models import Payer
from clinicdesk.practice.models import Organization
from tests.conftest import make_user
from tests.fhir.conftest import fhir_client, get, ok, outcome


def ids(client: Client, query: str) -> list[str]:
    return [e["resource"]["id"] for e in ok(get(client, f"/Organization?{query}")).get("entry", [])]


def test_the_practice_is_read_by_its_id(desk: Client, org: Organization) -> None:
    body = ok(get(desk, f"/Organization/{org.pk}"))
    assert body["name"] == "Lakeside Family Practice"
    assert body["identifier"] == [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]
    assert body["type"][0]["coding"][0]["code"] == "prov"
    FhirOrganization.model_validate(body)


def test_a_payer_is_read_as_payer_id(desk: Client, payer: Payer) -> None:
    body = ok(get(desk, f"/Organization/payer-{payer.pk}"))
    assert body["name"] == "Prairie Health Plan"
    assert body["identifier"] == [{"system": "urn:clinicdesk:payer-id", "value": "PHP01"}]
    assert body["type"][0]["coding"][0]["code"] == "pay"
    FhirOrganization.model_validate(body)


def test_another_practice_and_its_payers_are_not_found(desk: Client, other_org: Organization) -> None:
    foreign = Payer.objects.create(organization=other_org, name="Elsewhere Mutual")
    outcome(get(desk, f"/Organization/{other_org.pk}"), 404)
    outcome(get(desk, f"/Organization/payer-{foreign.pk}"), 404)
    outcome(get(desk, "/Organization/payer-x"), 404)


def test_search_lists_the_practice_first_then_payers(desk: Client, org: Organization, payer: Payer) -> None:
    second = Payer.objects.create(organization=org, name="Acme Health")
    assert ids(desk, "") == [str(org.pk), f"payer-{second.pk}", f"payer-{payer.pk}"]
    assert ids(desk, "type=pay") == [f"payer-{second.pk}", f"payer-{payer.pk}"]
    assert ids(desk, "type=prov") == [str(org.pk)]
    assert ids(desk, "name=prairie") == [f"payer-{payer.pk}"]
    assert ids(desk, "identifier=http://hl7.org/fhir/sid/us-npi|1234567893") == [str(org.pk)]
    assert ids(desk, "identifier=PHP01") == [f"payer-{payer.pk}"]
    assert ids(desk, f"_id=payer-{payer.pk}") == [f"payer-{payer.pk}"]
    outcome(get(desk, "/Organization?type=insurer"), 400)


def test_search_pages_across_the_practice_and_payers(desk: Client, org: Organization, payer: Payer) -> None:
    second = Payer.objects.create(organization=org, name="Acme Health")
    assert ids(desk, "_count=2") == [str(org.pk), f"payer-{second.pk}"]
    assert ids(desk, "_count=2&_offset=2") == [f"payer-{payer.pk}"]
    assert ok(get(desk, "/Organization?_count=1&_offset=1"))["total"] == 3


def test_payers_are_hidden_from_a_user_who_may_not_view_them(org: Organization, payer: Payer) -> None:
    api_only = Group.objects.create(name="api-only")
    api_only.permissions.add(Permission.objects.get(content_type__app_label="staff", codename="use_api"))
    user = make_user(org, None)
    user.groups.add(api_only)
    client = fhir_client(user)
    assert ids(client, "") == [str(org.pk)]
    outcome(get(client, f"/Organization/payer-{payer.pk}"), 403)
