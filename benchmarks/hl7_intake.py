"""HL7 v2 intake, end to end: MLLP → stored → parsed → filed and routed, with the ACK, against a real
``clinicdesk mllp`` (its listener acknowledges once a message is stored, its filer files and routes right behind;
``--file-before-ack``: each ACK after its message is filed and routed).

    .venv/bin/python benchmarks/hl7_intake.py [--messages 2000] [--connections 1 4] [--listeners N] [--profile N]
    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench_hl7 .venv/bin/python benchmarks/hl7_intake.py

The practice (one organization, 200 patients, 4 practitioners with logins, a "results → ordering practitioner"
routing rule) is created once per benchmark database. Every run sends new ORU^R01 v2.5.1 messages (unique MSH-10):
each one PID that matches a patient confidently (MRN, name, date of birth), one OBR ordered by a practitioner
(NPI), 8 OBX, a quarter of them flagged abnormal. The senders behave like lab interfaces: each connection sends
a message and waits for its ACK before sending the next. The clock stops when the last message is filed and
routed (nothing left queued), not at the last ACK. Counted only when every message was answered AA, stored once
and filed (orders and an inbox item per message).

Beside it, the bare parse rate of python-hl7 (``hl7.parse``, one process) on the same messages: the target is a
durable intake rate of at least half of that. ``--profile N`` profiles ``hl7_receive`` in this process over N
messages (cProfile, top functions by cumulative time), ``--split N`` times parsing, storing and filing apart,
instead of running the network benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

from _setup import PROJECT, configure, database_version, process_cpu  # the benchmarks folder is on sys.path

configure("hl7_intake.sqlite3")

import hl7  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from clinicdesk.audit.services import Actor  # noqa: E402
from clinicdesk.inbox.models import InboxItem, RoutingRule  # noqa: E402
from clinicdesk.integrations.mllp import FrameReader, frame  # noqa: E402
from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder, ResultMatch  # noqa: E402
from clinicdesk.patients.models import Patient  # noqa: E402
from clinicdesk.patients.services import patient_create  # noqa: E402
from clinicdesk.practice.models import Organization  # noqa: E402
from clinicdesk.staff.models import Practitioner  # noqa: E402
from clinicdesk.staff.services import user_create  # noqa: E402

ORG_NAME = "HL7 Intake Bench Practice"
PATIENTS = 200
NPIS = ["1234567893", "1245319599", "1679576722", "1003000126"]  # valid Luhn check digits
TESTS = [("2345-7", "Glucose", "mg/dL", "65-99", 70, 140), ("2160-0", "Creatinine", "mg/dL", "0.76-1.27", 0.5, 1.6),
         ("2951-2", "Sodium", "mmol/L", "134-144", 130, 148), ("2823-3", "Potassium", "mmol/L", "3.5-5.2", 3.0, 5.8),
         ("2075-0", "Chloride", "mmol/L", "96-106", 92, 110), ("2028-9", "CO2", "mmol/L", "20-29", 18, 32),
         ("3094-0", "BUN", "mg/dL", "6-24", 4, 30), ("17861-6", "Calcium", "mg/dL", "8.7-10.2", 8.0, 11.0)]


def ensure_practice() -> Organization:
    call_command("migrate", verbosity=0)
    org = Organization.objects.filter(name=ORG_NAME).first()
    if org is not None:
        return org
    system = Actor.system(via="bench")
    org = Organization.objects.create(name=ORG_NAME, timezone="America/Chicago", mrn_prefix="HB")
    for n, npi in enumerate(NPIS):
        user = user_create(actor=system, organization=org, username=f"hl7bench-doc{n}", password=None,
                           roles=["clinician"], first_name=f"Doc{n}", last_name=f"Bench{n}")
        Practitioner.objects.create(organization=org, family_name=f"Bench{n}", given_name=f"Doc{n}", npi=npi,
                                    user=user)
    RoutingRule.objects.create(organization=org, order=1, category="results", target_kind="ordering_practitioner")
    for n in range(PATIENTS):
        patient = patient_create(actor=system, organization=org, allow_duplicate=True, fields={
            "family_name": f"Benchfamily{n}", "given_name": f"Given{n}", "sex": "female" if n % 2 else "male",
            "birth_date": date(1940, 1, 1) + timedelta(days=97 * n)})
        Patient.objects.filter(pk=patient.pk).update(mrn=f"HB{n:06d}")
    return org


def message(run: str, n: int) -> bytes:
    """One ORU^R01 v2.5.1 for patient n % PATIENTS, 8 results."""
    p = n % PATIENTS
    born = (date(1940, 1, 1) + timedelta(days=97 * p)).strftime("%Y%m%d")
    npi = NPIS[n % len(NPIS)]
    doc = NPIS.index(npi)
    provider = f"{npi}^BENCH{doc}^DOC{doc}^^^DR^MD^^NPI"
    stamp = "20251103101500-0600"
    segments = [
        f"MSH|^~\\&|BENCHLAB|BENCHLAB-MAIN^11D0000000^CLIA|CLINICDESK|HB|{stamp}||ORU^R01^ORU_R01|{run}-{n}|P|2.5.1",
        f"PID|1||HB{p:06d}^^^HB^MR~{900000000 + p}^^^SSA^SS||BENCHFAMILY{p}^GIVEN{p}||{born}|{'F' if p % 2 else 'M'}",
        f"ORC|RE|ORD-{run}-{n}|LAB-{run}-{n}|||||||||{provider}",
        f"OBR|1|ORD-{run}-{n}|LAB-{run}-{n}|24323-8^Comprehensive metabolic panel^LN|||{stamp}|||||||||"
        f"{provider}||||||{stamp}|||F",
    ]
    for i, (code, name, units, ref, low, high) in enumerate(TESTS, start=1):
        flagged = (n + i) % 4 == 0
        value = round(high * 1.1 if flagged else (low + high) / 2, 2)
        segments.append(f"OBX|{i}|NM|{code}^{name}^LN||{value}|{units}|{ref}|{'H' if flagged else 'N'}|||F|||{stamp}")
    return ("\r".join(segments) + "\r").encode()


def bare_parse_rate(messages: list[bytes], rounds: int = 3) -> float:
    """The best of ``rounds`` passes (the best is the least disturbed by other work on a shared machine)."""
    for raw in messages[:200]:
        hl7.parse(raw.decode())
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for raw in messages:
            hl7.parse(raw.decode())
        best = max(best, len(messages) / (time.perf_counter() - started))
    return best


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_listener(port: int, processes: int = 1, before_ack: bool = False) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    url = os.environ["DATABASE_URL"]
    env = {**os.environ, "DATABASE_URL": url, "CLINICDESK_LOG_LEVEL": "WARNING"}
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    process = subprocess.Popen([sys.executable, "-m", "clinicdesk.cli", "mllp", f"--port={port}",
                                f"--processes={processes}", *(["--file-before-ack"] if before_ack else [])],
                               cwd=PROJECT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the MLLP listener did not start") from None
            time.sleep(0.1)


def send_all(port: int, messages: list[bytes], codes: list[str], latencies: list[float]) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    reader = FrameReader(sock)
    for raw in messages:
        started = time.perf_counter()
        sock.sendall(frame(raw))
        ack = reader.next_frame()
        latencies.append(time.perf_counter() - started)
        codes.append(ack.split(b"MSA|", 1)[1][:2].decode() if ack and b"MSA|" in ack else "??")
    sock.close()


def intake_rate(port: int, messages: list[bytes], connections: int,
                org: Organization | None = None) -> tuple[float, float, list[str], list[float]]:
    """Messages per second until the last one is filed and routed (with the filer behind the ACKs, the senders
    are done before that; the clock stops when no message of ``org`` waits any more), and until the last ACK."""
    shares = [messages[i::connections] for i in range(connections)]
    codes: list[str] = []
    latencies: list[float] = []
    threads = [threading.Thread(target=send_all, args=(port, share, codes, latencies)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acked = time.perf_counter()
    if org is not None:
        waiting = InboundMessage.objects.filter(status=InboundStatus.QUEUED)  # the partial index: a cheap look
        deadline = acked + 120
        while waiting.exists():
            if time.perf_counter() > deadline:
                raise SystemExit("messages still waiting to be filed after 2 minutes")
            time.sleep(0.01)  # a look costs the database a query: not so often that it slows the filer
    filed = time.perf_counter()
    return len(messages) / (filed - started), len(messages) / (acked - started), codes, latencies


def _backend_pids() -> list[int]:
    """The PostgreSQL backends of other sessions on the benchmark database: the listener's (none on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        return [row[0] for row in cursor.fetchall()]


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (``mllp --processes N``: its N listeners)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def server_cpu(listener: subprocess.Popen[bytes]) -> tuple[float, float]:
    """CPU seconds so far of the listener process (and its listener children) and of its database backends."""
    return (sum(process_cpu(pid) for pid in [listener.pid, *_children(listener.pid)]),
            sum(process_cpu(pid) for pid in _backend_pids()))


def check_stored(org: Organization, run: str, count: int) -> str:
    stored = InboundMessage.objects.filter(organization=org, control_id__startswith=f"{run}-")
    processed = stored.filter(status=InboundStatus.PROCESSED).count()
    orders = LabOrder.objects.filter(inbound__in=stored, patient__isnull=False).count()
    sources = [f"labs.ResultMatch:{pk}" for pk in ResultMatch.objects.filter(inbound__in=stored)
               .values_list("pk", flat=True)]
    items = InboxItem.objects.filter(source__in=sources, category="results", assigned_user__isnull=False).count()
    assert stored.count() == count, f"stored {stored.count()} of {count}"
    assert processed == count == orders == items, f"filed {processed}, orders {orders}, routed {items}, of {count}"
    return f"all {count} stored once, filed under their patient and routed to their practitioner"


def profile(org: Organization, count: int, group: int) -> None:
    """The listener's writer path (``hl7_receive_many``) in this process, ``group`` messages per transaction."""
    from clinicdesk.labs.services import hl7_receive_many

    run = datetime.now(UTC).strftime("P%H%M%S")
    messages = [(message(run, n), "127.0.0.1:1") for n in range(count)]
    groups = [messages[i:i + group] for i in range(0, count, group)]
    for chunk in groups[:5]:
        hl7_receive_many(chunk)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        hl7_receive_many(groups[5])
    started = time.perf_counter()
    profiler.enable()
    for chunk in groups[6:]:
        hl7_receive_many(chunk)
    profiler.disable()
    elapsed = time.perf_counter() - started
    done = sum(len(chunk) for chunk in groups[6:])
    print(f"in-process hl7_receive_many, {group} per group, under the profiler: {done / elapsed:.0f} messages/s; "
          f"{len(queries)} SQL statements per group")
    if os.environ.get("HL7_SHOW_SQL"):
        for query in queries.captured_queries:
            print("  ", query["sql"][:150])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def split(org: Organization, count: int) -> None:
    """Where one message's time goes, in this process: parse, store + audit (filing held back), file + route."""
    from unittest import mock

    from clinicdesk.labs import filing, services
    from clinicdesk.protocols.hl7v2.inbound import process

    run = datetime.now(UTC).strftime("S%H%M%S%f")
    messages = [message(run, n) for n in range(count)]
    started = time.perf_counter()
    for raw in messages:
        process(raw)
    parsing = (time.perf_counter() - started) / count
    with mock.patch.object(services, "hl7_file_safely", lambda *args, **kwargs: None):
        with CaptureQueriesContext(connection) as stored_queries:
            services.hl7_receive(raw=messages[0], peer="127.0.0.1:1")
        started = time.perf_counter()
        for raw in messages[1:]:
            services.hl7_receive(raw=raw, peer="127.0.0.1:1")
        storing = (time.perf_counter() - started) / (count - 1) - parsing
    inbound = list(InboundMessage.objects.filter(control_id__startswith=f"{run}-").order_by("pk"))
    with CaptureQueriesContext(connection) as filed_queries:
        filing.hl7_file(inbound=inbound[0])
    started = time.perf_counter()
    for row in inbound[1:]:
        filing.hl7_file(inbound=row)
    filing_time = (time.perf_counter() - started) / (count - 1)
    print(f"per message: parse {parsing * 1000:.1f} ms; store + audit {storing * 1000:.1f} ms "
          f"({len(stored_queries)} SQL statements); file + route {filing_time * 1000:.1f} ms "
          f"({len(filed_queries)} SQL statements, the stored message parsed again)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--listeners", type=int, default=1, help="listener processes (clinicdesk mllp --processes)")
    parser.add_argument("--file-before-ack", action="store_true",
                        help="clinicdesk mllp --file-before-ack: each message filed and routed before its ACK")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--group", type=int, default=1, help="with --profile: messages per transaction")
    parser.add_argument("--split", type=int, default=0, metavar="N",
                        help="time parse, store and filing apart over N messages, in this process")
    args = parser.parse_args()
    org = ensure_practice()
    settings.CLINICDESK_HL7_ORGANIZATION = org.pk
    os.environ["CLINICDESK_HL7_ORGANIZATION"] = str(org.pk)
    if args.profile or args.split:
        profile(org, args.profile, args.group) if args.profile else split(org, args.split)
        return
    print(f"machine: {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"{database_version()} · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · load average {os.getloadavg()[0]:.1f}")
    sample = [message("PARSE", n) for n in range(args.messages)]
    segments = sample[0].count(b"\r")
    print(f"message: ORU^R01 v2.5.1, {segments} segments, {len(sample[0])} bytes")
    parse = bare_parse_rate(sample)
    print(f"bare parse, python-hl7 hl7.parse: {parse:,.0f} messages/s (one process)")
    port = _free_port()
    listener = start_listener(port, args.listeners, args.file_before_ack)
    try:
        warm = datetime.now(UTC).strftime("W%H%M%S%f")
        intake_rate(port, [message(warm, n) for n in range(50)], 1, org)
        for connections in args.connections:
            run = datetime.now(UTC).strftime(f"R{connections}-%H%M%S%f")
            batch = [message(run, n) for n in range(args.messages)]
            (listener_cpu, db_cpu), client_cpu = server_cpu(listener), time.process_time()
            rate, ack_rate, codes, latencies = intake_rate(port, batch, connections, org)
            client_cpu = time.process_time() - client_cpu
            listener_after, db_after = server_cpu(listener)
            listener_cpu, db_cpu = listener_after - listener_cpu, db_after - db_cpu
            assert codes.count("AA") == len(codes) == args.messages, f"not all AA: {set(codes)}"
            latencies.sort()
            p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
            print(f"intake, {args.listeners} listener process{'es' if args.listeners > 1 else ''}, "
                  f"{connections} connection{'s' if connections > 1 else ''}: {rate:,.0f} messages/s "
                  f"({rate / parse:.0%} of the bare parse rate; target 50%), ACKs {ack_rate:,.0f}/s "
                  f"(the last filed {(args.messages / rate - args.messages / ack_rate) * 1000:.0f} ms after the "
                  "last ACK), "
                  f"ACK latency p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms; {check_stored(org, run, args.messages)}")
            per = 1000 / args.messages
            print(f"  CPU per message: listener {listener_cpu * per:.2f} ms + database backend {db_cpu * per:.2f} ms "
                  f"= {(listener_cpu + db_cpu) * per:.2f} ms (senders {client_cpu * per:.2f} ms); "
                  f"bare parse {1000 / parse:.2f} ms")
    finally:
        listener.terminate()
        listener.wait(10)
    print(f"bare parse again after the intake runs (load average {os.getloadavg()[0]:.1f}): "
          f"{bare_parse_rate(sample):,.0f} messages/s "
          f"(ratios above use the first figure; a higher one here means the machine was busier before)")


if __name__ == "__main__":
    main()
