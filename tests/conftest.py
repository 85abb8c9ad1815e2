"""Shared personas and builders. One user per role, plus an outsider from another practice."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from clinicdesk.audit.services import Actor
from clinicdesk.insurance.models import Coverage, Payer
from clinicdesk.patients.models import Patient
from clinicdesk.patients.services import patient_create
from clinicdesk.practice.models import Location, Organization
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.roles import Role
from clinicdesk.staff.services import user_create

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The SQLite writer lock files (``lib.writer``) beside this process's test databases (pytest-xdist adds
    ``_gw0``… to the name) go with the databases."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME") or ""
    if database["ENGINE"].endswith("sqlite3") and name and "memory" not in name:
        for lock in Path(name).parent.glob(f"{Path(name).name}*-writer"):
            lock.unlink(missing_ok=True)


@pytest.fixture
def org(db: Any) -> Organization:
    return Organization.objects.create(name="Lakeside Family Practice", timezone="America/Chicago",
                                       billing_npi="1234567893", mrn_prefix="LS")


@pytest.fixture
def other_org(db: Any) -> Organization:
    return Organization.objects.create(name="Hillcrest Clinic", timezone="America/Denver")


@pytest.fixture
def location(org: Organization) -> Location:
    return Location.objects.create(organization=org, name="Main Street", city="Springfield", state="IL")


def make_user(org: Organization, role: str | None, username: str | None = None) -> User:
    return user_create(actor=Actor.system(), organization=org, username=username or f"{role or 'norole'}{next(_seq)}",
                       password=PASSWORD, roles=[role] if role else [], first_name="Test", last_name=role or "")


@pytest.fixture
def frontdesk(org: Organization) -> User:
    return make_user(org, Role.FRONTDESK)


@pytest.fixture
def billing(org: Organization) -> User:
    return make_user(org, Role.BILLING)


@pytest.fixture
def clinician(org: Organization) -> User:
    return make_user(org, Role.CLINICIAN)


@pytest.fixture
def manager(org: Organization) -> User:
    return make_user(org, Role.MANAGER)


@pytest.fixture
def admin_user(org: Organization) -> User:
    return make_user(org, Role.ADMIN)


@pytest.fixture
def no_role_user(org: Organization) -> User:
    return make_user(org, None)


@pytest.fixture
def outsider(other_org: Organization) -> User:
    """A manager of another practice: must never see this practice's patients."""
    return make_user(other_org, Role.MANAGER)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def actor_for(user: User) -> Actor:
    return Actor(user=user, ip="127.0.0.1", via="test", role=user.primary_role)


@pytest.fixture
def practitioner(org: Organization) -> Practitioner:
    return Practitioner.objects.create(organization=org, family_name="Lindqvist", given_name="Maria",
                                       prefix="Dr.", credentials="MD", npi="1245319599", specialty="Family medicine")


def make_patient(org: Organization, **fields: Any) -> Patient:
    values: dict[str, Any] = {"family_name": "Doe", "given_name": "Jane", "birth_date": date(1980, 5, 17),
                              "sex": "female"}
    values.update(fields)
    return patient_create(actor=Actor.system(), organization=org, fields=values, allow_duplicate=True)


@pytest.fixture
def patient(org: Organization) -> Patient:
    return make_patient(org, family_name="Okafor", given_name="Chidi", birth_date=date(1975, 3, 14),
                        sex="male", phone_mobile="(217) 555-0142", email="chidi@example.org")


@pytest.fixture
def payer(org: Organization) -> Payer:
    return Payer.objects.create(organization=org, name="Prairie Health Plan", payer_id="PHP01",
                                claim_filing_indicator="CI")


@pytest.fixture
def coverage(patient: Patient, payer: Payer) -> Coverage:
    return Coverage.objects.create(organization=patient.organization, patient=patient, payer=payer,
                                   member_id="XZP123456789", group_number="G-100", copay="25.00")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a fresh directory for this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


# The schedule fixtures (a clinic with availability, next Monday) serve screen and API tests too.
from tests.scheduling.conftest import clinic, monday  # noqa: E402, F401
