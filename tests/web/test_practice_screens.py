"""Managers keep the practice's structure; billing keeps payers and plans."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from clinicdesk.audit.models import AuditEvent
from clinicdesk.insurance.models import Payer, Plan
from clinicdesk.practice.models import Location, Room
from tests.conftest import client_for


def test_a_manager_edits_the_practice_details_with_validation(manager: Any, org: Any) -> None:
    client = client_for(manager)
    data = {"name": org.name, "timezone": "Mars/Olympus", "billing_npi": "1234567890", "country": "US"}
    html = client.post(reverse("practice:organization_edit"), data).content.decode()
    assert "is not a known time zone" in html
    assert "check digit is wrong" in html
    response = client.post(reverse("practice:organization_edit"), {**data, "timezone": "America/Denver",
                                                                    "billing_npi": "1234567893"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.timezone == "America/Denver"
    assert AuditEvent.objects.filter(action="update", object_type="Organization").exists()


def test_locations_and_rooms_are_added_to_this_practice_only(manager: Any, org: Any, other_org: Any) -> None:
    client = client_for(manager)
    client.post(reverse("practice:location_new"), {"name": "North Clinic", "country": "US", "active": "on"})
    location = Location.objects.get(name="North Clinic")
    assert location.organization == org
    foreign = Location.objects.create(organization=other_org, name="Elsewhere")
    response = client.post(reverse("practice:room_new"), {"location": foreign.pk, "name": "X", "kind": "exam"})
    assert "Select a valid choice" in response.content.decode()
    client.post(reverse("practice:room_new"), {"location": location.pk, "name": "Exam 1", "kind": "exam",
                                               "active": "on"})
    assert Room.objects.get(name="Exam 1").location == location
    overview = client.get(reverse("practice:overview")).content.decode()
    assert "North Clinic" in overview and "Exam 1" in overview


def test_front_desk_cannot_change_the_practice(frontdesk: Any) -> None:
    assert client_for(frontdesk).get(reverse("practice:overview")).status_code == 403


def test_billing_adds_a_payer_and_a_plan(billing: Any, org: Any) -> None:
    client = client_for(billing)
    client.post(reverse("payers:new"), {"name": "Lakeshore Mutual", "payer_id": "LKM01",
                                        "claim_filing_indicator": "CI", "country": "US", "active": "on"})
    payer = Payer.objects.get(name="Lakeshore Mutual", organization=org)
    client.post(reverse("payers:plan_new", kwargs={"payer_id": payer.pk}), {"name": "Gold PPO", "plan_type": "PPO",
                                                                            "active": "on"})
    assert Plan.objects.get(payer=payer).name == "Gold PPO"
    assert "Gold PPO" in client.get(reverse("payers:list")).content.decode()


def test_an_unknown_claim_filing_code_is_refused(billing: Any) -> None:
    response = client_for(billing).post(reverse("payers:new"), {"name": "Bad", "claim_filing_indicator": "QQ",
                                                                "country": "US"})
    assert "Select a valid choice" in response.content.decode()
    assert not Payer.objects.filter(name="Bad").exists()
