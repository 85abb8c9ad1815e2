"""Reminder throughput: the outbox sweep queues 10,000 e-mail reminders, then real ``clinicdesk worker`` processes
deliver them to a local SMTP server (aiosmtpd on loopback, in a process of its own).

    .venv/bin/python benchmarks/reminders.py [--reminders 10000] [--workers 2]
    DATABASE_URL=postgres://clinicdesk@127.0.0.1:55432/clinicdesk_bench_msg .venv/bin/python benchmarks/reminders.py

Each run builds a fresh practice (200 patients who agreed to e-mail, one reminder policy: an e-mail 2 hours
before, no quiet hours) with ``--reminders`` appointments starting 60 to 110 minutes from now, so that every one is
due. Timed: (1) ``reminders_sweep`` queueing them all (render, insert, audit, one delivery task each), in this
process; (2) the workers, started as subprocesses (``clinicdesk worker --batch``: they exit once the queue is
empty), delivering every message, from their start until the last message is final. Each e-mail carries the
appointment's .ics. The SMTP server counts what it accepts: the run checks each message arrived exactly once.
The practice's messages, appointments and tasks are removed afterwards (audit events stay).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import time as clock
from datetime import timedelta
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from _setup import configure, database_version  # the benchmarks folder is on sys.path

configure("reminders.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from clinicdesk.audit.services import Actor  # noqa: E402
from clinicdesk.messaging.models import (  # noqa: E402
    Channel,
    LinkUse,
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    OutboundMessage,
    ReminderPolicy,
    ReminderStep,
)
from clinicdesk.messaging.reminder_services import reminders_sweep  # noqa: E402
from clinicdesk.patients.services import patient_create  # noqa: E402
from clinicdesk.practice.models import Location, Organization  # noqa: E402
from clinicdesk.scheduling.models import Appointment, AppointmentType  # noqa: E402
from clinicdesk.staff.models import Practitioner  # noqa: E402

TARGET_PER_SECOND = 200.0
PATIENTS = 200
FINAL = [MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.NOT_SENT]
BODY = ("Hello {patient_first_name}, this is a reminder of your {appointment_type} with {practitioner_name} on "
        "{appointment_date} at {appointment_time}, at {location_name} ({location_address}). {instructions}\n"
        "Map: {map_link}\nCall {location_phone} if you cannot come.\n{practice_name}")


def build_practice(reminders: int) -> Organization:
    """A fresh practice with ``reminders`` appointments, each due for one e-mail reminder now."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    org = Organization.objects.create(name=f"Reminder bench {stamp}", timezone="America/Chicago", phone="217-555-0100")
    location = Location.objects.create(organization=org, name="Main Street", phone="217-555-0101")
    practitioner = Practitioner.objects.create(organization=org, family_name="Lindqvist", given_name="Maria",
                                               prefix="Dr.")
    kind = AppointmentType.objects.create(organization=org, name="Follow-up", duration_minutes=20,
                                          patient_instructions="Bring your medication list.")
    actor = Actor.system(via="bench")
    patients = [patient_create(actor=actor, organization=org, allow_duplicate=True, fields={
        "family_name": f"Bench{n:04d}", "given_name": "Pat", "sex": "female", "birth_date": "1980-05-17",
        "email": f"pat{n}@example.org", "consent_email": True}) for n in range(PATIENTS)]
    now = timezone.now()
    Appointment.objects.bulk_create([
        Appointment(organization=org, patient=patients[n % PATIENTS], practitioner=practitioner, location=location,
                    appointment_type=kind, start=now + timedelta(minutes=60, seconds=n * 3000 // reminders),
                    end=now + timedelta(minutes=80, seconds=n * 3000 // reminders),
                    created_at=now - timedelta(days=3), reason="bench")
        for n in range(reminders)], batch_size=1000)
    MessagingSettings.objects.create(organization=org, quiet_start=clock(0), quiet_end=clock(0))
    template = MessageTemplate.objects.create(organization=org, key="reminder.2h", channel=Channel.EMAIL,
                                              subject="Your appointment at {appointment_time}", body=BODY)
    policy = ReminderPolicy.objects.create(organization=org, name="Two hours before")
    ReminderStep.objects.create(policy=policy, offset_minutes=120, channel=Channel.EMAIL, template=template)
    return org


def clean_up(org: Organization) -> None:
    ReminderPolicy.objects.filter(organization=org).update(active=False)
    messages = OutboundMessage.objects.filter(organization=org)
    LinkUse.objects.filter(message__in=messages).delete()
    messages.delete()
    Appointment.objects.filter(organization=org).delete()
    DBTaskResult.objects.filter(task_path="clinicdesk.messaging.tasks.deliver_message").delete()


def smtp_server(port: int, accepted: Synchronized, cpu: Synchronized, ready: Any) -> None:  # type: ignore[type-arg]
    """The SMTP server process: accept everything, count it, and note its own CPU time after each message."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with accepted.get_lock():
                accepted.value += 1
                cpu.value = time.process_time()
            return "250 2.0.0 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    cpu.value = time.process_time()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def deliver(org: Organization, workers: int, env: dict[str, str], expected: int) -> tuple[float, float, dict[str, int]]:
    """Start the workers, wait until every message of the practice is final; return the wall time, the CPU seconds
    the workers used (user + system) and the counts by status."""
    argv = [sys.executable, "-m", "clinicdesk.cli", "worker", "--batch", "--no-reload", "--no-startup-delay",
            "--interval=0.05"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    logs = [tempfile.TemporaryFile() for _ in range(workers)]  # noqa: SIM115 - closed below
    processes = [subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=log)
                 for log in logs]
    messages = OutboundMessage.objects.filter(organization=org)
    try:
        while True:
            done = messages.filter(status__in=FINAL).count()
            if done >= expected:
                break
            if all(p.poll() is not None for p in processes):
                break  # workers out of tasks: something was left unsent (reported below)
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(60)
    for process, log in zip(processes, logs, strict=True):
        if process.returncode not in (0, -15):
            log.seek(0)
            print(f"  !! a worker exited with {process.returncode}:\n{log.read()[-3000:].decode(errors='replace')}")
        log.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    counts = {status: messages.filter(status=status).count() for status in MessageStatus.values}
    return wall, cpu, {k: v for k, v in counts.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2], help="worker counts to measure, e.g. 1 2")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"{connection.vendor}: {database_version()}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    port = _free_port()
    ctx = multiprocessing.get_context("spawn")
    accepted = ctx.Value("i", 0)
    smtp_cpu = ctx.Value("d", 0.0)
    ready = ctx.Event()
    server = ctx.Process(target=smtp_server, args=(port, accepted, smtp_cpu, ready), daemon=True)
    server.start()
    ready.wait(30)
    env = {**os.environ, "CLINICDESK_EMAIL_URL": f"smtp://127.0.0.1:{port}?from=office@bench.example",
           "CLINICDESK_TASKS": "database"}
    rows = []
    print("\n| workers | reminders | sweep: queue all | deliver all (wall) | messages/s | steady/s "
          "| worker CPU per message | SMTP server CPU per message | sent | SMTP accepted |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
          flush=True)
    try:
        for workers in args.workers:
            org = build_practice(args.reminders)
            try:
                began, began_cpu = time.perf_counter(), time.process_time()
                swept = reminders_sweep(now=timezone.now())
                sweep_s, sweep_cpu = time.perf_counter() - began, time.process_time() - began_cpu
                assert swept.queued == args.reminders, f"queued {swept.queued}, skipped {dict(swept.skipped)}"
                with accepted.get_lock():
                    accepted.value = 0
                    smtp_cpu_before = smtp_cpu.value
                wall, cpu, counts = deliver(org, workers, env, args.reminders)
                sent = counts.get(MessageStatus.SENT, 0)
                span = OutboundMessage.objects.filter(organization=org, status=MessageStatus.SENT).aggregate(
                    first=Min("sent_at"), last=Max("sent_at"))
                steady = ((sent - 1) / (span["last"] - span["first"]).total_seconds()
                          if sent > 1 and span["last"] > span["first"] else 0.0)
                rows.append((workers, args.reminders, sweep_s, wall, sent, accepted.value, counts, steady))
                print(f"| {workers} | {args.reminders} | {sweep_s:.1f} s ({args.reminders / sweep_s:.0f}/s; "
                      f"{sweep_cpu * 1000 / args.reminders:.1f} ms CPU each) | {wall:.1f} s | **{sent / wall:.0f}/s** "
                      f"| {steady:.0f}/s | {cpu * 1000 / max(sent, 1):.1f} ms "
                      f"| {(smtp_cpu.value - smtp_cpu_before) * 1000 / max(accepted.value, 1):.1f} ms "
                      f"| {sent} | {accepted.value} |",
                      flush=True)
                if sent != args.reminders or accepted.value != sent:
                    print(f"  !! not every reminder was sent exactly once: {counts}, SMTP accepted "
                          f"{accepted.value}", flush=True)
            finally:
                clean_up(org)
    finally:
        server.terminate()
        server.join(10)
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    best = max((row[4] / row[3] for row in rows if row[0] == 2), default=0.0)
    if best:
        verdict = "meets" if best >= TARGET_PER_SECOND else "MISSES"
        print(f"\n2 workers: {best:.0f} messages/s {verdict} the target >= {TARGET_PER_SECOND:.0f}/s "
              f"({connection.vendor})")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
