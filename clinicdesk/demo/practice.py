"""The fixed part of the demo practice: organization, offices with rooms, departments, practitioners,
payers with plans, and one login per role. Each object is validated (``full_clean``) before saving."""

from __future__ import annotations

import random
from dataclasses import dataclass

from clinicdesk.audit.services import Actor
from clinicdesk.demo.people import random_phone
from clinicdesk.demo.reference import (
    CLINICIAN_PRACTITIONER,
    DEPARTMENTS,
    LOCATIONS,
    ORGANIZATION,
    PAYERS,
    PRACTITIONERS,
)
from clinicdesk.insurance.models import Payer, Plan
from clinicdesk.lib.names import fold
from clinicdesk.lib.npi import npi_with_check_digit
from clinicdesk.practice.models import Department, Location, Organization, Room
from clinicdesk.staff.models import Practitioner, User
from clinicdesk.staff.roles import Role
from clinicdesk.staff.services import user_create

# One password for every demo login, printed by ``clinicdesk demo``; never use the demo for real data.
DEMO_PASSWORD = "clinicdesk-demo"  # noqa: S105
# (role, username, first name, last name); the clinician is the family physician.
DEMO_USERS = (
    (Role.FRONTDESK, "frontdesk", "Dana", "Brooks"),
    (Role.BILLING, "billing", "Priya", "Raman"),
    (Role.CLINICIAN, "clinician", "Eleanor", "Whitfield"),
    (Role.MANAGER, "manager", "Tom", "Alvarez"),
    (Role.ADMIN, "admin", "Sam", "Lee"),
)


@dataclass(frozen=True)
class Practice:
    organization: Organization
    practitioners: dict[str, Practitioner]
    payers: dict[str, Payer]
    plans: dict[tuple[str, str], Plan]  # (payer key, plan name) -> plan
    users: dict[str, User]  # role -> user


def new_npi(rng: random.Random, taken: set[str]) -> str:
    """A valid NPI (Luhn check digit over 80840 + the first nine digits) not yet used here."""
    while (npi := npi_with_check_digit("1" + "".join(str(rng.randint(0, 9)) for _ in range(8)))) in taken:
        pass
    taken.add(npi)
    return npi


def create_organization(rng: random.Random, npis: set[str]) -> Organization:
    org = Organization(**ORGANIZATION, billing_npi=new_npi(rng, npis), phone=random_phone(rng, 614),
                       tax_id=f"31-{rng.randint(1_000_000, 9_999_999)}")
    org.full_clean()
    org.save()
    return org


def create_locations(rng: random.Random, org: Organization) -> dict[str, Location]:
    locations = {}
    for spec in LOCATIONS:
        location = Location(organization=org, name=spec.name, line1=spec.line1, city=spec.city, state="OH",
                            postal_code=spec.postal_code, phone=random_phone(rng, 614))
        location.full_clean()
        location.save()
        Room.objects.bulk_create([Room(organization=org, location=location, name=name, kind=kind)
                                  for name, kind in spec.rooms])
        locations[spec.key] = location
    return locations


def create_departments(org: Organization, locations: dict[str, Location]) -> dict[str, Department]:
    departments = {}
    for name, location_key in DEPARTMENTS:
        department = Department(organization=org, name=name, location=locations.get(location_key))
        department.full_clean()
        department.save()
        departments[name] = department
    return departments


def create_practitioners(rng: random.Random, org: Organization, locations: dict[str, Location],
                         departments: dict[str, Department], npis: set[str]) -> dict[str, Practitioner]:
    practitioners = {}
    for spec in PRACTITIONERS:
        practitioner = Practitioner(
            organization=org, given_name=spec.given, family_name=spec.family, prefix="Dr.",
            credentials=spec.credentials, npi=new_npi(rng, npis), taxonomy_code=spec.taxonomy,
            specialty=spec.specialty, department=departments[spec.department], phone=random_phone(rng, 614),
            email=f"{fold(spec.given)[0]}.{fold(spec.family).replace(' ', '')}@riverbend.example.org",
        )
        practitioner.full_clean()
        practitioner.save()
        practitioner.locations.set([locations[key] for key in spec.locations])
        practitioners[spec.key] = practitioner
    return practitioners


def create_payers(rng: random.Random, org: Organization) -> tuple[dict[str, Payer], dict[tuple[str, str], Plan]]:
    payers, plans = {}, {}
    for spec in PAYERS:
        payer = Payer(organization=org, name=spec.name, payer_id=spec.payer_id, claim_filing_indicator=spec.indicator,
                      phone=random_phone(rng, rng.choice((800, 888, 877))))
        payer.full_clean()
        payer.save()
        payers[spec.key] = payer
        for name, plan_type in spec.plans:
            plans[spec.key, name] = Plan.objects.create(payer=payer, name=name, plan_type=plan_type)
    return payers, plans


def create_users(org: Organization, clinician: Practitioner) -> dict[str, User]:
    """One login per role through the staff service (so each is audited and gets its role group)."""
    users = {}
    for role, username, first, last in DEMO_USERS:
        users[role.value] = user_create(actor=Actor.system("cli"), organization=org, username=username,
                                        password=DEMO_PASSWORD, roles=[role.value], first_name=first,
                                        last_name=last, email=f"{username}@riverbend.example.org")
    clinician.user = users[Role.CLINICIAN.value]
    clinician.save(update_fields=["user"])
    return users


def create_practice(rng: random.Random) -> Practice:
    npis: set[str] = set()
    org = create_organization(rng, npis)
    locations = create_locations(rng, org)
    departments = create_departments(org, locations)
    practitioners = create_practitioners(rng, org, locations, departments, npis)
    payers, plans = create_payers(rng, org)
    users = create_users(org, practitioners[CLINICIAN_PRACTITIONER])
    return Practice(organization=org, practitioners=practitioners, payers=payers, plans=plans, users=users)
