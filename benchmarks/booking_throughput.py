"""Booking throughput through ``services.appointment_book`` (check, insert, reservations, history, audit), one
transaction and commit per booking, on the 500,000-appointment practice of benchmarks/find_available.py.

    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench_sched \\
        .venv/bin/python benchmarks/booking_throughput.py [--bookings 2000] [--processes 1 2 4] [--profile]

Free follow-up slots in the weeks ahead are worked out first (from the practitioners' calendars), shared out
among the processes by practitioner so that they do not compete for the same times, and booked as fast as
possible. The bookings are removed afterwards (their audit events stay), so the database can be reused.

Each process fills its configuration cache first (untimed), as a server process that has been booking for a
while has it. Besides bookings per second (which depend on whatever else the machine runs), it reports the CPU
per booking of the client processes and of their PostgreSQL backends, and the rate the machine's cores could
sustain at that cost.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import random
import time
from datetime import datetime, timedelta
from typing import Any

from _setup import backend_cpu
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from find_available import describe, ensure_schedule  # also configures Django

from clinicdesk.audit.services import Actor
from clinicdesk.patients.models import Patient
from clinicdesk.practice.models import Location, Organization
from clinicdesk.scheduling import configcache
from clinicdesk.scheduling.calendars import calendars, type_spec
from clinicdesk.scheduling.models import Appointment, AppointmentChange, AppointmentType, Reservation
from clinicdesk.scheduling.selectors import choice_at, practitioner_resources
from clinicdesk.scheduling.services import appointment_book, resource_for_practitioner
from clinicdesk.scheduling.slots import Interval, open_intervals
from clinicdesk.staff.models import User

TARGET_PER_SECOND = 1000.0
Slot = tuple[int, int, datetime]  # practitioner id, location id, start


def free_slots(org: Organization, appointment_type: AppointmentType, wanted: int) -> list[Slot]:
    """Free starts for the type, practitioner by practitioner, from tomorrow on."""
    spec = type_spec(appointment_type)
    step = spec.duration + spec.buffer_before + spec.buffer_after
    now = timezone.now()
    window = Interval(now + timedelta(days=1), now + timedelta(days=56))
    slots: list[Slot] = []
    resources = practitioner_resources(org.pk)
    for location in Location.objects.filter(organization=org).order_by("pk"):
        cals = calendars(resources, location, window, type_id=spec.id)
        for resource in resources:
            for free in open_intervals(cals[resource.pk], window, spec.id):
                start = free.start + spec.buffer_before
                while start + spec.duration + spec.buffer_after <= free.end:
                    slots.append((resource.practitioner_id or 0, location.pk, start))
                    start += step
    random.Random(5).shuffle(slots)
    return slots[:wanted]


def warm_up(slots: list[Slot], appointment_type: AppointmentType, practitioners: dict[int, Any],
            locations: dict[int, Location]) -> None:
    """Fill this process's configuration cache (each practitioner's resource, the type, the templates of each
    practitioner and location) as a server process that has been booking for a while has it: the first
    booking per practitioner and location reads these once (~3 ms), and it is not what is measured."""
    memo = configcache.current()
    spec = type_spec(appointment_type, memo)
    for practitioner_id, location_id, start in {(s[0], s[1]): s for s in slots}.values():
        resource = resource_for_practitioner(practitioners[practitioner_id], memo)
        choice_at(spec, resource, locations[location_id], start, memo, False)


Outcome = tuple[int, int, float, float, float]  # booked, failed, wall seconds, CPU seconds of client, of database


def book_all(slots: list[Slot], type_id: int, actor_user_id: int, patient_ids: list[int],
             results: multiprocessing.Queue | None = None, profile: bool = False,
             queries: list[dict[str, Any]] | None = None) -> Outcome:
    connections.close_all()  # a forked process opens its own connection
    from clinicdesk.staff.models import Practitioner

    user = User.objects.get(pk=actor_user_id)
    actor = Actor(user=user, ip="127.0.0.1", via="bench", role="frontdesk")
    appointment_type = AppointmentType.objects.get(pk=type_id)
    practitioners = {p.pk: p for p in Practitioner.objects.filter(pk__in={s[0] for s in slots})}
    locations = {loc.pk: loc for loc in Location.objects.filter(pk__in={s[1] for s in slots})}
    patients = {p.pk: p for p in Patient.objects.filter(pk__in=patient_ids)}
    rng = random.Random(len(slots))
    pids = list(patients)
    warm_up(slots, appointment_type, practitioners, locations)
    ok = failed = 0
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time: the machine is shared
    cpu, db_cpu = time.process_time(), backend_cpu()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    captured = CaptureQueriesContext(connection)
    if queries is not None:  # the bookings' own statements (not the setup above)
        captured.__enter__()
    for practitioner_id, location_id, start in slots:
        try:
            appointment_book(actor=actor, patient=patients[rng.choice(pids)], appointment_type=appointment_type,
                             practitioner=practitioners[practitioner_id], location=locations[location_id],
                             start=start, reason="bench")
            ok += 1
        except Exception:
            failed += 1
    elapsed = time.perf_counter() - started
    if queries is not None:
        captured.__exit__(None, None, None)
        queries += captured.captured_queries
    db_cpu = backend_cpu() - db_cpu
    cpu = time.process_time() - cpu
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    if results is not None:
        results.put((ok, failed, elapsed, cpu, db_cpu))
    return ok, failed, elapsed, cpu, db_cpu


def run(slots: list[Slot], processes: int, type_id: int, user_id: int, patient_ids: list[int]) -> Outcome:
    by_practitioner: dict[int, list[Slot]] = {}
    for slot in slots:
        by_practitioner.setdefault(slot[0], []).append(slot)
    shares: list[list[Slot]] = [[] for _ in range(processes)]
    for i, pid in enumerate(sorted(by_practitioner)):
        shares[i % processes] += by_practitioner[pid]
    for share in shares:
        random.Random(1).shuffle(share)
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=book_all, args=(share, type_id, user_id, patient_ids, queue)) for share in shares]
    started = time.perf_counter()
    for w in workers:
        w.start()
    outcomes = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    return (sum(o[0] for o in outcomes), sum(o[1] for o in outcomes), wall, sum(o[3] for o in outcomes),
            sum(o[4] for o in outcomes))


def clean_up(org: Organization) -> None:
    booked = Appointment.objects.filter(organization=org, reason="bench")
    Reservation.objects.filter(appointment__in=booked).delete()
    AppointmentChange.objects.filter(appointment__in=booked).delete()
    booked.delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=500_000)
    parser.add_argument("--bookings", type=int, default=2000, help="per run")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--profile", action="store_true", help="profile 300 single-process bookings instead")
    args = parser.parse_args()
    org = ensure_schedule(args.appointments)
    clean_up(org)
    print(describe(org))
    follow_up = AppointmentType.objects.get(organization=org, name="Follow-up")
    user = User.objects.get(username="frontdesk", organization=org)
    patient_ids = list(Patient.objects.filter(organization=org, status="active").values_list("pk", flat=True)[:500])
    slots = free_slots(org, follow_up, args.bookings * (1 + len(args.processes)))
    print(f"{len(slots)} free follow-up slots found")
    one = slots[0]
    queries: list[dict[str, Any]] = []
    book_all([one], follow_up.pk, user.pk, patient_ids, queries=queries)
    print(f"\nqueries per booking (a warm process): {len(queries)}")
    for query in queries:
        print(f"  {query['time']} {query['sql'][:140]}")
    slots = slots[1:]
    if args.profile:
        book_all(slots[:300], follow_up.pk, user.pk, patient_ids, profile=True)
        clean_up(org)
        return
    print("\n| processes | bookings | failed | seconds | bookings/s | CPU ms per booking: client | database | total |"
          "\n|---:|---:|---:|---:|---:|---:|---:|---:|")
    offset = 0
    best = 0.0
    for processes in args.processes:
        chunk = slots[offset:offset + args.bookings]
        offset += args.bookings
        ok, failed, wall, cpu, db_cpu = run(chunk, processes, follow_up.pk, user.pk, patient_ids)
        best = max(best, ok / wall)
        client, database = cpu / max(ok, 1) * 1000, db_cpu / max(ok, 1) * 1000
        per = client + database
        print(f"| {processes} | {ok} | {failed} | {wall:.1f} | {ok / wall:.0f} | {client:.2f} | {database:.2f} "
              f"| {per:.2f} |", flush=True)
    cores = os.cpu_count() or 1
    print(f"\nCPU per booking {per:.2f} ms: {cores} cores can do at most {cores * 1000 / per:.0f} bookings/s "
          "when nothing else runs")
    clean_up(org)
    verdict = "meets" if best >= TARGET_PER_SECOND else "MISSES"
    print(f"\nbest {best:.0f} bookings/s {verdict} the target >= {TARGET_PER_SECOND:.0f}/s "
          f"({connection.vendor}, commit per booking)")


if __name__ == "__main__":
    main()
