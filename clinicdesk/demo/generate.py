"""Load the demo practice into the database: the fixed part, then the patients in bulk.

A load is one transaction (a failed load leaves nothing behind) and one audit event: the demo is
a single administrative act, not 100,000 registrations. Patients go in with ``bulk_create`` in
batches; their MRNs come in order from the organization's ``next_mrn`` and their search keys from
``search_tokens_for``, the same function the patient services use.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from clinicdesk.audit.models import Action
from clinicdesk.audit.services import Actor, audit_record
from clinicdesk.demo.coverages import CoverageSpec
from clinicdesk.demo.inbox import create_inbox
from clinicdesk.demo.messaging import create_reminders
from clinicdesk.demo.people import PatientSpec, duplicate_count, iter_patients
from clinicdesk.demo.practice import DEMO_PASSWORD, Practice, create_practice
from clinicdesk.demo.schedule import ScheduleResult, create_schedule
from clinicdesk.insurance.models import Coverage
from clinicdesk.patients.models import Patient, SearchToken
from clinicdesk.patients.services import search_tokens_for
from clinicdesk.practice.models import Organization
from clinicdesk.scheduling.models import Appointment, Reservation

BATCH = 2000
Progress = Callable[[int, int], None]  # (patients loaded so far, patients wanted)


@dataclass(frozen=True)
class DemoResult:
    organization: Organization
    patients: int
    coverages: int
    duplicates: int
    logins: dict[str, str]  # role -> username
    password: str
    seconds: float
    schedule: ScheduleResult | None = None


def chunks(items: Iterable[PatientSpec], size: int) -> Iterator[list[PatientSpec]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def reserve_mrns(organization: Organization, count: int) -> list[str]:
    """``count`` consecutive MRNs from the organization's counter, which moves past them."""
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    first = org.next_mrn
    Organization.objects.filter(pk=org.pk).update(next_mrn=first + count)
    return [f"{org.mrn_prefix}{number}" for number in range(first, first + count)]


def build_patient(practice: Practice, spec: PatientSpec, mrn: str, now: datetime) -> Patient:
    return Patient(organization=practice.organization, mrn=mrn, created_at=now, updated_at=now,
                   primary_practitioner=practice.practitioners.get(spec.pcp or ""), **spec.fields)


def build_coverage(practice: Practice, patient: Patient, spec: CoverageSpec, now: datetime) -> Coverage:
    return Coverage(
        organization=practice.organization, patient=patient, payer=practice.payers[spec.payer],
        plan=practice.plans[spec.payer, spec.plan], priority=spec.priority, member_id=spec.member_id,
        group_number=spec.group_number, relationship=spec.relationship,
        subscriber_family_name=spec.subscriber_family_name, subscriber_given_name=spec.subscriber_given_name,
        subscriber_birth_date=spec.subscriber_birth_date, effective_date=spec.effective_date, copay=spec.copay,
        created_at=now, updated_at=now,
    )


def save_batch(practice: Practice, specs: list[PatientSpec]) -> int:
    """Insert one batch of patients with their search keys and coverages; returns the coverages made."""
    now = timezone.now()
    mrns = reserve_mrns(practice.organization, len(specs))
    patients = [build_patient(practice, spec, mrn, now) for spec, mrn in zip(specs, mrns, strict=True)]
    Patient.objects.bulk_create(patients, batch_size=500)  # sets pks (SQLite 3.35+, PostgreSQL)
    SearchToken.objects.bulk_create([token for patient in patients for token in search_tokens_for(patient)],
                                    batch_size=2000)
    coverages = [build_coverage(practice, patient, coverage, now)
                 for patient, spec in zip(patients, specs, strict=True) for coverage in spec.coverages]
    Coverage.objects.bulk_create(coverages, batch_size=1000)
    return len(coverages)


def load_patients(practice: Practice, specs: Iterable[PatientSpec], *, total: int,
                  progress: Progress | None = None) -> tuple[int, int]:
    """Returns (patients, coverages) loaded."""
    patients = coverages = 0
    for chunk in chunks(specs, BATCH):
        coverages += save_batch(practice, chunk)
        patients += len(chunk)
        if progress:
            progress(patients, total)
    return patients, coverages


def refresh_statistics() -> None:
    """Give the query planner row counts for the freshly filled tables. Without them SQLite takes the
    organization_id prefix of every index as selective and walks all patients in name order for a
    date-of-birth search (about 100 ms at 100,000 patients instead of under 1 ms)."""
    tables = [model._meta.db_table for model in (Patient, SearchToken, Coverage, Appointment, Reservation)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _speed_up_sqlite() -> None:
    """A bigger page cache for this connection: index inserts of a large load stay in memory."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB, i.e. 256 MB


def _schedule(practice: Practice, seed: int, appointments: int | None,
              extra_practitioners: int) -> ScheduleResult | None:
    """The schedule (see demo/schedule.py); none without patients to book."""
    org = practice.organization
    patient_ids = list(Patient.objects.filter(organization=org, status="active").order_by("pk")
                       .values_list("pk", flat=True))
    if not patient_ids or appointments == 0:
        return None
    locations = {location.name.lower(): location for location in org.locations.order_by("pk")}
    return create_schedule(rng=random.Random(f"schedule-{seed}"), organization=org, locations=locations,
                           practitioners=practice.practitioners, patient_ids=patient_ids,
                           appointments=appointments, extra_practitioners=extra_practitioners)


def generate_demo(*, seed: int = 1, patients: int = 2000, progress: Progress | None = None,
                  appointments: int | None = None, extra_practitioners: int = 0) -> DemoResult:
    """Create the demo practice with ``patients`` synthetic patients; the same seed gives the same practice."""
    started = time.monotonic()
    _speed_up_sqlite()
    with transaction.atomic():
        practice = create_practice(random.Random(seed))
        org = practice.organization
        loaded, coverages = load_patients(practice, iter_patients(seed=seed, count=patients), total=patients,
                                          progress=progress)
        schedule = _schedule(practice, seed, appointments, extra_practitioners)
        create_reminders(org)  # reminder policies switched on (demo/messaging.py)
        create_inbox(practice)  # pools, routing rules and a few phone messages (demo/inbox.py)
        detail = {"seed": seed, "patients": loaded, "coverages": coverages, "duplicates": duplicate_count(loaded),
                  "practitioners": len(practice.practitioners), "payers": len(practice.payers),
                  "users": sorted(user.username for user in practice.users.values()),
                  "appointments": schedule.appointments if schedule else 0}
        audit_record(actor=Actor.system("cli"), action=Action.CREATE, object_type="DemoPractice",
                     object_id=org.pk, organization_id=org.pk, detail=detail)
    refresh_statistics()
    org.refresh_from_db()
    return DemoResult(organization=org, patients=loaded, coverages=coverages, duplicates=duplicate_count(loaded),
                      logins={role: user.username for role, user in practice.users.items()},
                      password=DEMO_PASSWORD, seconds=time.monotonic() - started, schedule=schedule)
