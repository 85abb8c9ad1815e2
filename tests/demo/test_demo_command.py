"""``clinicdesk demo``: a deterministic synthetic practice in an empty database."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from clinicdesk.audit.models import AuditEvent
from clinicdesk.demo.generate import generate_demo
from clinicdesk.demo.people import generate_patients
from clinicdesk.demo.practice import DEMO_PASSWORD
from clinicdesk.insurance.models import Coverage, Payer, Plan
from clinicdesk.lib.npi import is_valid_npi
from clinicdesk.lib.phones import normalize_phone
from clinicdesk.patients.models import Patient, SearchToken
from clinicdesk.patients.selectors import patient_duplicate_candidates
from clinicdesk.practice.models import Department, Location, Organization, Room
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.roles import Role

PATIENTS = 50
pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded() -> str:
    return demo("--patients", str(PATIENTS))


def snapshot() -> dict[str, Any]:
    """What a user sees of the practice, without database ids (sequences differ between loads)."""
    org = Organization.objects.get()
    return {
        "org": (org.name, org.billing_npi, org.tax_id, org.phone, org.next_mrn),
        "practitioners": list(Practitioner.objects.order_by("npi").values_list("npi", "family_name", "taxonomy_code")),
        "patients": list(Patient.objects.order_by("mrn").values_list(
            "mrn", "family_name", "given_name", "birth_date", "phone_mobile", "email", "line1", "city",
            "primary_practitioner__npi", "preferred_language", "status")),
        "coverages": list(Coverage.objects.order_by("patient__mrn", "priority").values_list(
            "patient__mrn", "payer__name", "plan__name", "member_id", "priority", "copay")),
    }


def load_and_roll_back(seed: int) -> dict[str, Any]:
    with transaction.atomic():
        generate_demo(seed=seed, patients=30)
        taken = snapshot()
        transaction.set_rollback(True)
    return taken


def test_the_same_seed_loads_the_same_practice() -> None:
    first = load_and_roll_back(seed=4)
    assert first == load_and_roll_back(seed=4)
    assert first["patients"] != load_and_roll_back(seed=5)["patients"]


def test_it_builds_the_practice_it_promises(loaded: str) -> None:
    org = Organization.objects.get()
    assert (org.timezone, org.mrn_prefix, org.next_mrn) == ("America/New_York", "RB", 10001 + PATIENTS)
    assert org.tax_id and is_valid_npi(org.billing_npi)
    assert Location.objects.filter(organization=org).exclude(line1="").count() == 2
    assert set(Room.objects.values_list("kind", flat=True)) == {"exam", "procedure", "imaging", "prep"}  # MRI prep
    assert Department.objects.filter(organization=org).count() >= 4
    assert Practitioner.objects.filter(organization=org).count() == 8
    assert not Practitioner.objects.filter(locations=None).exists()
    assert set(Payer.objects.values_list("claim_filing_indicator", flat=True)) == {"MB", "MC", "BL", "CI"}
    assert Payer.objects.count() == 5 and not Payer.objects.filter(payer_id="").exists()
    assert not Payer.objects.filter(plans=None).exists() and Plan.objects.count() >= 5


def test_it_loads_the_patients_asked_for_with_sequential_mrns(loaded: str) -> None:
    mrns = sorted(Patient.objects.values_list("mrn", flat=True))
    assert mrns == [f"RB{n}" for n in range(10001, 10001 + PATIENTS)]
    indexed = set(SearchToken.objects.values_list("patient_id", flat=True))
    assert indexed == set(Patient.objects.values_list("pk", flat=True))
    insured = Patient.objects.exclude(coverages=None).count()
    assert 0.65 * PATIENTS <= insured <= PATIENTS


def test_loaded_patients_and_coverages_pass_model_validation(loaded: str) -> None:
    for patient in Patient.objects.all():
        patient.full_clean()
    for coverage in Coverage.objects.select_related("plan"):
        coverage.full_clean(exclude=["card_front", "card_back"])
        assert coverage.plan is not None and coverage.plan.payer_id == coverage.payer_id


def test_every_npi_is_valid(loaded: str) -> None:
    npis = [Organization.objects.get().billing_npi, *Practitioner.objects.values_list("npi", flat=True)]
    assert len(set(npis)) == 9 and all(is_valid_npi(npi) for npi in npis)
    assert all(Practitioner.objects.values_list("taxonomy_code", flat=True))


def test_every_phone_is_valid_e164(loaded: str) -> None:
    phones = [*Organization.objects.values_list("phone", flat=True), *Location.objects.values_list("phone", flat=True),
              *Practitioner.objects.values_list("phone", flat=True), *Payer.objects.values_list("phone", flat=True)]
    for row in Patient.objects.values_list("phone_mobile", "phone_home", "phone_work", "emergency_contact_phone",
                                           "guarantor_phone"):
        phones += [p for p in row if p]
    assert len(phones) > PATIENTS
    assert all(normalize_phone(phone) == phone for phone in phones)


def test_each_role_has_a_demo_login_with_its_group(loaded: str) -> None:
    for role in Role:
        user = User.objects.get(username=role.value)
        assert user.role_names == [role.value]
        assert user.check_password(DEMO_PASSWORD)
        assert user.organization == Organization.objects.get()
    assert Practitioner.objects.get(user__username="clinician").specialty == "Family medicine"


def test_it_prints_the_logins_and_where_to_go(loaded: str) -> None:
    for role in Role:
        assert f"{role.value} / {DEMO_PASSWORD}" in loaded
    assert "http://127.0.0.1:8000" in loaded


def test_the_load_is_one_audit_event_not_one_per_patient(loaded: str) -> None:
    event = AuditEvent.objects.get(object_type="DemoPractice")
    assert (event.action, event.via, event.detail["patients"]) == ("create", "cli", PATIENTS)
    assert not AuditEvent.objects.filter(object_type="Patient").exists()


def test_the_duplicate_guard_finds_the_planted_duplicates(loaded: str) -> None:
    specs = generate_patients(seed=1, count=PATIENTS)
    planted = [(i, specs.index(s.duplicate_of)) for i, s in enumerate(specs) if s.duplicate_of is not None]
    assert planted
    for dup_index, original_index in planted:
        dup = Patient.objects.get(mrn=f"RB{10001 + dup_index}")
        original = Patient.objects.get(mrn=f"RB{10001 + original_index}")
        matches = patient_duplicate_candidates(organization_id=dup.organization_id, patient=dup)
        assert original.pk in [m.id for m in matches]


def test_if_empty_leaves_an_existing_practice_alone(loaded: str) -> None:
    before = (Organization.objects.count(), Patient.objects.count(), User.objects.count())
    assert "no demo data loaded" in demo("--if-empty", "--patients", "5")
    assert (Organization.objects.count(), Patient.objects.count(), User.objects.count()) == before


def test_a_second_load_without_if_empty_is_refused(loaded: str) -> None:
    with pytest.raises(CommandError, match="already holds a practice"):
        demo("--patients", "5")


def test_if_empty_loads_into_an_empty_database() -> None:
    demo("--if-empty", "--patients", "3")
    assert Patient.objects.count() == 3
