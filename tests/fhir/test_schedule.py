"""Schedule: one per practitioner with availability; actor → Practitioner and Location."""

from __future__ import annotations

from django.test import Client

from clinicdesk.staff.models import Practitioner
from tests.fhir.conftest import Clinic, fhir_client, get, ok, outcome
from tests.scheduling.conftest import add_blocks


def test_a_practitioner_with_availability_has_a_schedule_naming_them_and_the_location(desk: Client,
                                                                                      clinic: Clinic) -> None:
    schedule = ok(get(desk, f"/Schedule/{clinic.resource.pk}"))
    assert schedule["resourceType"] == "Schedule"
    assert schedule["active"] is True
    assert [a["reference"] for a in schedule["actor"]] == [f"Practitioner/{clinic.practitioner.pk}",
                                                           f"Location/{clinic.location.pk}"]


def test_searching_by_practitioner_or_location_finds_the_schedule(desk: Client, clinic: Clinic) -> None:
    for actor in (f"Practitioner/{clinic.practitioner.pk}", f"Location/{clinic.location.pk}"):
        bundle = ok(desk.get("/fhir/r4/Schedule", {"actor": actor}))
        assert [e["resource"]["id"] for e in bundle["entry"]] == [str(clinic.resource.pk)]
    assert ok(desk.get("/fhir/r4/Schedule", {"actor": "Practitioner/999999"}))["total"] == 0


def test_equipment_and_practitioners_without_availability_have_no_schedule(desk: Client, clinic: Clinic) -> None:
    other = Practitioner.objects.create(organization=clinic.org, family_name="Berg", given_name="Ana", npi="")
    bundle = ok(desk.get("/fhir/r4/Schedule"))
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(clinic.resource.pk)]
    assert other.pk  # no blocks, so no schedule
    outcome(get(desk, f"/Schedule/{clinic.scanner.pk}"), 404)


def test_a_schedule_of_another_practice_is_not_found(clinic: Clinic, outsider: object) -> None:
    from clinicdesk.staff.models import User

    assert isinstance(outsider, User)
    outcome(get(fhir_client(outsider), f"/Schedule/{clinic.resource.pk}"), 404)


def test_a_schedule_lists_every_location_with_availability(desk: Client, clinic: Clinic) -> None:
    from clinicdesk.practice.models import Location

    north = Location.objects.create(organization=clinic.org, name="North Clinic")
    add_blocks(clinic.resource, north, weekdays=range(5, 6))
    schedule = ok(get(desk, f"/Schedule/{clinic.resource.pk}"))
    assert {a["reference"] for a in schedule["actor"]} == {f"Practitioner/{clinic.practitioner.pk}",
                                                           f"Location/{clinic.location.pk}", f"Location/{north.pk}"}
