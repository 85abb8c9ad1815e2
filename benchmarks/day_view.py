"""The day view (/schedule/) for 50 practitioners at 500,000 appointments, as the front desk sees it.

    .venv/bin/python benchmarks/day_view.py [--appointments 500000] [--requests 300]
    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench_sched \
        .venv/bin/python benchmarks/day_view.py

Uses the database of benchmarks/find_available.py (loaded on the first run of either). Each request is a GET of
the practitioners' day grid at one location for a weekday drawn from the past year and the weeks ahead, through
``django.test.Client`` logged in as ``frontdesk``: server time (URL routing, permission check, the selectors,
one audit event per patient listed, template rendering), without a network or a browser. Also times the
selectors alone (``day_appointments`` + ``calendars`` for all 50 practitioners).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from find_available import describe, ensure_schedule, percentile  # also configures Django

from clinicdesk.practice.models import Location
from clinicdesk.scheduling.calendars import calendars
from clinicdesk.scheduling.selectors import day_appointments, practitioner_resources
from clinicdesk.scheduling.slots import Interval
from clinicdesk.staff.models import User

TARGET_P95_MS = 100.0


def report(title: str, times: list[float], extra: str = "") -> None:
    p95 = percentile(times, 95)
    print(f"| {title} | {len(times)} | {percentile(times, 50):.1f} | {p95:.1f} | {percentile(times, 99):.1f} | "
          f"{max(times):.1f} | {extra} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    org = ensure_schedule(args.appointments)
    print(describe(org))
    zone = ZoneInfo(org.timezone)
    locations = list(Location.objects.filter(organization=org).order_by("pk"))
    today = datetime.now(zone).date()
    rng = random.Random(11)
    days: list[date] = []
    while len(days) < args.requests:
        day = today + timedelta(days=rng.randint(-365, 41))
        if day.weekday() < 5:
            days.append(day)
    work = [(rng.choice(locations), day) for day in days]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="frontdesk", organization=org))
    for location, day in work[:20]:  # warm up
        assert client.get("/schedule/", {"location": str(location.pk), "date": day.isoformat()}).status_code == 200
    view_times, sizes, counts = [], [], []
    for location, day in work:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/schedule/", {"location": str(location.pk), "date": day.isoformat()})
            view_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        sizes.append(len(response.content))
        counts.append(len(captured.captured_queries))
    resources = practitioner_resources(org.pk)
    selector_times, listed = [], []
    for location, day in work:
        started = time.perf_counter()
        lo = datetime.combine(day, clock(0), zone)
        hi = lo + timedelta(days=1)
        appointments = list(day_appointments(organization_id=org.pk, start=lo, end=hi))
        calendars(resources, location, Interval(lo, hi))
        selector_times.append((time.perf_counter() - started) * 1000)
        listed.append(len(appointments))
    print(f"\nday view, {len(work)} requests, {len(resources)} practitioners\n")
    print("| path | n | p50 ms | p95 ms | p99 ms | max ms | notes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    report("GET /schedule/ (front desk)", view_times,
           f"{sum(counts) / len(counts):.0f} queries, {sum(sizes) / len(sizes) / 1024:.0f} KiB per page")
    report("day_appointments + calendars", selector_times, f"{sum(listed) / len(listed):.0f} appointments a day")
    p95 = percentile(view_times, 95)
    print(f"\np95 {p95:.1f} ms {'meets' if p95 < TARGET_P95_MS else 'MISSES'} the target p95 < {TARGET_P95_MS:.0f} ms")


if __name__ == "__main__":
    main()
