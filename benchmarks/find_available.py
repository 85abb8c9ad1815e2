"""Find available: the next 10 options across 50 practitioners over a 60-day window, at 500,000 appointments.

    .venv/bin/python benchmarks/find_available.py [--appointments 500000] [--searches 500] [--explain]
    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench_sched \
        .venv/bin/python benchmarks/find_available.py

Without DATABASE_URL the database is the SQLite file var/bench/schedule.sqlite3 (under CLINICDESK_DATA_DIR when
set). The first run loads the demo practice (2,000 patients) with 42 extra practitioners (50 in all, each with
weekly templates) and about ``--appointments`` appointments of history plus six weeks booked ahead; later runs
reuse it (benchmarks/day_view.py uses the same database). Times ``selectors.find_available`` for a mix of
appointment types and preferences, all practitioners, both locations, and prints p50/p95/p99.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import time as clock
from datetime import timedelta

from _setup import backend_cpu, configure, database_version, percentile  # the benchmarks folder is on sys.path

TARGET_P95_MS = 20.0
PRACTITIONERS = 50


configure("schedule.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinicdesk.demo.generate import generate_demo  # noqa: E402
from clinicdesk.practice.models import Location, Organization  # noqa: E402
from clinicdesk.scheduling.models import Appointment, AppointmentType, Reservation  # noqa: E402
from clinicdesk.scheduling.selectors import find_available, practitioner_resources  # noqa: E402
from clinicdesk.scheduling.slots import Preferences  # noqa: E402


def ensure_schedule(appointments: int) -> Organization:
    call_command("migrate", verbosity=0)
    org = Organization.objects.order_by("pk").first()
    if org is None:
        print(f"Loading the demo practice with {PRACTITIONERS} practitioners and ~{appointments} appointments "
              "(once)…", flush=True)
        result = generate_demo(seed=1, patients=2000, appointments=appointments,
                               extra_practitioners=PRACTITIONERS - 8)
        schedule = result.schedule
        assert schedule is not None
        print(f"  loaded {schedule.appointments} appointments, {schedule.reservations} reservations in "
              f"{result.seconds:.1f} s", flush=True)
        return result.organization
    have = Appointment.objects.filter(organization=org).count()
    if have < appointments * 0.9:
        sys.exit(f"The benchmark database holds {have} appointments, fewer than {appointments}: delete it "
                 "and run again.")
    return org




def describe(org: Organization) -> str:
    return (f"{database_version()}: {Appointment.objects.filter(organization=org).count()} appointments, "
            f"{Reservation.objects.filter(organization_id=org.pk).count()} reservations")


PREFS = {  # name -> (weight, preferences factory)
    "any time": 50,
    "mornings": 20,
    "Tue/Thu afternoons": 15,
    "from next week": 15,
}


def prefs_for(name: str) -> Preferences:
    now = timezone.now()
    if name == "mornings":
        return Preferences(earliest=now, day_start=clock(7), day_end=clock(12))
    if name == "Tue/Thu afternoons":
        return Preferences(earliest=now, weekdays=frozenset({1, 3}), day_start=clock(13), day_end=clock(18))
    if name == "from next week":
        return Preferences(earliest=now + timedelta(days=7))
    return Preferences(earliest=now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=500_000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--explain", action="store_true", help="print the queries of one search")
    args = parser.parse_args()
    org = ensure_schedule(args.appointments)
    print(describe(org))
    resources = practitioner_resources(org.pk)
    locations = list(Location.objects.filter(organization=org).order_by("pk"))
    types = list(AppointmentType.objects.filter(organization=org).order_by("pk"))
    print(f"{len(resources)} practitioners, {len(locations)} locations, {len(types)} types")
    rng = random.Random(7)
    weights = {"Follow-up": 35, "New patient": 20, "Annual physical": 15, "Telehealth": 10, "Ultrasound": 6,
               "MRI with contrast": 6, "Minor procedure": 5, "Surgery consult": 3}
    work = [(rng.choices(types, [weights.get(t.name, 1) for t in types])[0],
             rng.choices(list(PREFS), list(PREFS.values()))[0]) for _ in range(args.searches)]
    if args.explain:
        with CaptureQueriesContext(connection) as captured:
            find_available(appointment_type=work[0][0], practitioners=resources, locations=locations,
                           prefs=prefs_for(work[0][1]), n=10)
        for query in captured.captured_queries:
            print(query["time"], query["sql"][:300])
        return
    for appointment_type, pref in work[:30]:  # warm up
        find_available(appointment_type=appointment_type, practitioners=resources, locations=locations,
                       prefs=prefs_for(pref), n=10)
    times: dict[str, list[float]] = defaultdict(list)
    found: dict[str, list[int]] = defaultdict(list)  # options per search
    queries: list[int] = []
    cpu: list[float] = []  # this process's CPU per search (on SQLite the database's work too)
    server = backend_cpu()
    for appointment_type, pref in work:
        prefs = prefs_for(pref)
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            options = find_available(appointment_type=appointment_type, practitioners=resources,
                                     locations=locations, prefs=prefs, n=10)
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
        queries.append(len(captured.captured_queries))
        times[appointment_type.name].append(elapsed)
        times[f"prefs: {pref}"].append(elapsed)
        found[appointment_type.name].append(len(options))
    everything = [t for name, ts in times.items() if not name.startswith("prefs:") for t in ts]
    print(f"\nfind_available, {len(everything)} searches, n=10, 60-day horizon, "
          f"{sum(queries) / len(queries):.1f} queries per search (max {max(queries)})\n")
    print("| search | n | mean options | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, values in sorted(times.items(), key=lambda kv: (kv[0].startswith("prefs:"), kv[0])):
        counts = found.get(name)
        mean = f"{sum(counts) / len(counts):.1f}" if counts else ""
        print(f"| {name} | {len(values)} | {mean} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | "
              f"{percentile(values, 99):.1f} | {max(values):.1f} |")
    p95 = percentile(everything, 95)
    print(f"| **all** | {len(everything)} | | {percentile(everything, 50):.1f} | {p95:.1f} | "
          f"{percentile(everything, 99):.1f} | {max(everything):.1f} |")
    server = (backend_cpu() - server) / len(work) * 1000
    print(f"\nCPU per search: this process p50 {percentile(cpu, 50):.1f} / p95 {percentile(cpu, 95):.1f} ms"
          + (f", PostgreSQL backend mean {server:.1f} ms" if connection.vendor == "postgresql" else
             " (SQLite runs in this process)"))
    print(f"p95 {p95:.1f} ms {'meets' if p95 < TARGET_P95_MS else 'MISSES'} the target p95 < {TARGET_P95_MS:.0f} ms")


if __name__ == "__main__":
    main()
