"""Patient search latency on a 100,000-patient demo practice.

    .venv/bin/python benchmarks/patient_search.py [--patients 100000] [--queries 3000] [--audited 1000] [--explain]
    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench .venv/bin/python benchmarks/patient_search.py

Without DATABASE_URL the database is the SQLite file var/bench/patient_search.sqlite3 (under
CLINICDESK_DATA_DIR when set). The demo practice is loaded on the first run and reused afterwards.
Times ``patient_search`` (the selector) over a mixed workload of what a front desk types, then the
audited ``access_patient_search`` path (permission check + one audit event per patient found), and
prints p50/p95/p99 per query type. ``--explain`` prints the query plan of one query of each type.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from _setup import configure, database_version, percentile  # the benchmarks folder is on sys.path

TARGET_P95_MS = 50.0


configure("patient_search.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from clinicdesk.audit.services import Actor  # noqa: E402
from clinicdesk.demo.generate import generate_demo  # noqa: E402
from clinicdesk.lib.names import fold, phonetic  # noqa: E402
from clinicdesk.lib.phones import format_phone  # noqa: E402
from clinicdesk.patients.access import access_patient_search  # noqa: E402
from clinicdesk.patients.models import Patient  # noqa: E402
from clinicdesk.patients.search import parse  # noqa: E402
from clinicdesk.patients.selectors import patient_search  # noqa: E402
from clinicdesk.practice.models import Organization  # noqa: E402
from clinicdesk.staff.models import User  # noqa: E402

Row = dict[str, Any]
# What a front desk types, and how often (weights of the mix).
KINDS: dict[str, tuple[float, Callable[[random.Random, Row], str | None]]] = {}


def kind(name: str, weight: float) -> Callable[[Callable[[random.Random, Row], str | None]],
                                              Callable[[random.Random, Row], str | None]]:
    def register(make: Callable[[random.Random, Row], str | None]) -> Callable[[random.Random, Row], str | None]:
        KINDS[name] = (weight, make)
        return make
    return register


def _last(row: Row) -> str:
    return fold(row["family_name"]).split()[0]


def _first(row: Row) -> str:
    return fold(row["given_name"]).split()[0]


@kind("prefix 'smi'", 20)
def _prefix(rng: random.Random, row: Row) -> str:
    return _last(row)[:3]


@kind("'smith j'", 15)
def _last_initial(rng: random.Random, row: Row) -> str:
    return f"{_last(row)} {_first(row)[:1]}"


@kind("full name", 15)
def _full_name(rng: random.Random, row: Row) -> str:
    return f"{row['given_name']} {row['family_name']}"


def misspell(word: str, rng: random.Random) -> str | None:
    """A spelling that sounds the same (same Metaphone key) but is not the same word."""
    key = phonetic(word)
    positions = list(range(1, len(word)))
    rng.shuffle(positions)
    for i in positions:
        for letter in "aeiouy":
            candidate = word[:i] + letter + word[i + 1:]
            if candidate != word and not word.startswith(candidate) and phonetic(candidate) == key:
                return candidate
    return None


@kind("misspelled name", 10)
def _misspelled(rng: random.Random, row: Row) -> str | None:
    wrong = misspell(_last(row), rng)
    return f"{wrong} {_first(row)}" if wrong else None


@kind("date of birth", 10)
def _dob(rng: random.Random, row: Row) -> str:
    return f"{row['birth_date']:%m/%d/%Y}"


@kind("name + DOB", 10)
def _name_dob(rng: random.Random, row: Row) -> str:
    return f"{_last(row)} {row['birth_date']:%m/%d/%Y}"


@kind("phone", 8)
def _phone(rng: random.Random, row: Row) -> str | None:
    phone = row["phone_mobile"] or row["phone_home"]
    return format_phone(phone) if phone else None


@kind("phone, last 7", 4)
def _phone_tail(rng: random.Random, row: Row) -> str | None:
    phone = row["phone_mobile"] or row["phone_home"]
    return f"{phone[-7:-4]}-{phone[-4:]}" if phone else None


@kind("MRN", 8)
def _mrn(rng: random.Random, row: Row) -> str:
    return str(row["mrn"])


def ensure_demo(patients: int) -> Organization:
    call_command("migrate", verbosity=0)
    org = Organization.objects.order_by("pk").first()
    if org is None:
        print(f"Loading a {patients}-patient demo practice (once)…", flush=True)
        result = generate_demo(seed=1, patients=patients)
        print(f"  loaded in {result.seconds:.1f} s", flush=True)
        return result.organization
    have = Patient.objects.filter(organization=org).count()
    if have < patients:
        sys.exit(f"The benchmark database holds {have} patients, fewer than {patients}: delete it and run again.")
    return org


def workload(org: Organization, count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    ids = list(Patient.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
    fields = ("family_name", "given_name", "birth_date", "phone_mobile", "phone_home", "mrn")
    chosen = rng.sample(ids, min(len(ids), count * 2))
    rows = {r["pk"]: r for r in Patient.objects.filter(pk__in=chosen).order_by("pk").values("pk", *fields)}
    names = list(KINDS)
    weights = [KINDS[n][0] for n in names]
    queries: list[tuple[str, str]] = []
    for row in rows.values():
        if len(queries) >= count:
            break
        name = rng.choices(names, weights)[0]
        if (text := KINDS[name][1](rng, row)) is not None:
            queries.append((name, text))
    return queries


def run(queries: list[tuple[str, str]], search: Callable[[str], int]) -> dict[str, tuple[list[float], list[int]]]:
    for _name, text in queries[:100]:  # warm caches and connections
        search(text)
    results: dict[str, tuple[list[float], list[int]]] = defaultdict(lambda: ([], []))
    for name, text in queries:
        started = time.perf_counter()
        hits = search(text)
        results[name][0].append((time.perf_counter() - started) * 1000)
        results[name][1].append(hits)
    return results


def report(title: str, results: dict[str, tuple[list[float], list[int]]]) -> None:
    print(f"\n{title}\n")
    print("| query type | n | mean hits | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    everything: list[float] = []
    for name in KINDS:
        if name not in results:
            continue
        times, hits = results[name]
        everything += times
        print(f"| {name} | {len(times)} | {sum(hits) / len(hits):.1f} | {percentile(times, 50):.1f} | "
              f"{percentile(times, 95):.1f} | {percentile(times, 99):.1f} | {max(times):.1f} |")
    print(f"| **all** | {len(everything)} | | {percentile(everything, 50):.1f} | {percentile(everything, 95):.1f} | "
          f"{percentile(everything, 99):.1f} | {max(everything):.1f} |")
    verdict = "meets" if percentile(everything, 95) < TARGET_P95_MS else "MISSES"
    print(f"\np95 {percentile(everything, 95):.1f} ms {verdict} the target p95 < {TARGET_P95_MS:.0f} ms")


def explain(org: Organization, queries: list[tuple[str, str]]) -> None:
    """The plan of every SQL statement of one search per query type."""
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    seen: set[str] = set()
    for name, text in queries:
        if name in seen:
            continue
        seen.add(name)
        with CaptureQueriesContext(connection) as captured:
            patient_search(organization_id=org.pk, terms=parse(text))
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute(prefix + query["sql"])
                plan = "\n    ".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
            print(f"\n## {name}: {text!r} ({query['time']} s)\n  {query['sql']}\n    {plan}")




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--audited", type=int, default=1000, help="queries through access_patient_search")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    org = ensure_demo(args.patients)
    patients = Patient.objects.filter(organization=org).count()
    print(f"{database_version()}, {patients} patients in {org.name}")
    queries = workload(org, args.queries)
    if args.explain:
        explain(org, queries)
        return

    def plain(text: str) -> int:
        return len(patient_search(organization_id=org.pk, terms=parse(text)).patients)

    report(f"patient_search, {len(queries)} queries", run(queries, plain))
    if args.audited:
        user = User.objects.get(username="frontdesk", organization=org)
        actor = Actor(user=user, ip="127.0.0.1", via="bench", role="frontdesk")

        def audited(text: str) -> int:
            return len(access_patient_search(actor=actor, terms=parse(text)).patients)

        report(f"access_patient_search (audited), {args.audited} queries", run(queries[:args.audited], audited))


if __name__ == "__main__":
    main()
