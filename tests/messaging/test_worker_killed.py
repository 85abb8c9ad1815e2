"""Fault test: a real ``clinicdesk worker`` is SIGKILLed in the middle of sending an e-mail; the message still goes
out, exactly once, on the next attempt.

The mail server is a real SMTP server on loopback (aiosmtpd). For the first message it receives the whole DATA and
then stalls before answering, so the worker has written the message and is waiting for the server's reply when it
dies. The connection drops with it, the transaction never completes and the server accepts nothing: the row is left
``sending`` (claimed), and its task is left "running" for ever in the task table, so the task queue alone would
never try again. The outbox sweep of the next worker (``message_recover_stuck``, run once a claim is older than
``STUCK_AFTER``) re-queues it and the message is sent: ``sent``, two attempts, one copy at the server.

The other crash window is not exercised here, as it cannot be hit reliably from outside: the worker dies *after*
the server answered 250 (or a server that commits the message before its reply reaches the client) but *before*
``_finish`` wrote ``sent``. The row is then also left ``sending``; ``message_recover_stuck`` cannot tell this case
from the one above, so it re-queues it too and the message goes out a second time (at-least-once by design: the
only alternative is to risk never sending it, the silent failure the outbox exists to prevent). Both copies carry
the same ``Message-ID`` (``message_id_header``: a hash of practice and idempotency key, not of the attempt), so a
receiving server or mail client that de-duplicates on it keeps one. That is why this test also checks that the
stalled first attempt and the accepted second one carried the same ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.services import STUCK_AFTER, message_id_header
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import FROM, SmtpServer, free_port, queue_email

DELIVER = "clinicdesk.messaging.tasks.deliver_message"
SWEEP = "clinicdesk.messaging.tasks.sweep_outbox"
WAIT = 30.0  # upper bound for a worker to start (Django setup) and reach the server; never slept through


@dataclass
class StallingSmtpServer(SmtpServer):
    """Answers the first DATA only when released, and accepts nothing once its client has gone."""

    in_data: threading.Event = field(default_factory=threading.Event)  # the first message's DATA is in
    release: threading.Event = field(default_factory=threading.Event)
    dropped: threading.Event = field(default_factory=threading.Event)  # its connection died before an answer
    data_message_ids: list[str] = field(default_factory=list)  # every DATA received, accepted or not
    stall_next: bool = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_message_ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        if self.stall_next:
            self.stall_next = False
            self.in_data.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:  # aiosmtpd cancels the handler when the connection is lost
                self.dropped.set()
                raise
            if server.transport is None or server.transport.is_closing():
                self.dropped.set()
                return "421 4.4.2 Connection lost"  # nobody left to tell: nothing accepted
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def stalling_smtp_server() -> Iterator[StallingSmtpServer]:
    server = StallingSmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        server.release.set()
        controller.stop()


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}) before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()}")
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)  # the worker subprocesses see only committed data
def test_a_worker_killed_mid_send_leaves_no_duplicate_and_the_message_is_sent_later(
        stalling_smtp_server: StallingSmtpServer, consenting_patient: Patient, tmp_path: Path) -> None:
    smtp = stalling_smtp_server
    env = {**os.environ, "DATABASE_URL": _database_url(), "CLINICDESK_EMAIL_URL": smtp.url,
           "CLINICDESK_DATA_DIR": str(tmp_path), "CLINICDESK_TASKS": "database"}
    worker_argv = [sys.executable, "-m", "clinicdesk.cli", "worker", "--no-reload", "--no-startup-delay"]
    processes: list[subprocess.Popen[bytes]] = []

    def start_worker(*options: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"worker-{len(processes) + 1}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([*worker_argv, *options], env=env, stdout=out, stderr=subprocess.STDOUT)
        processes.append(process)
        return process, log

    message = queue_email(consenting_patient)  # committed, its delivery task enqueued
    expected_id = message_id_header(message, FROM)
    try:
        # 1. The worker claims the message and is inside DATA when it is killed.
        first, first_log = start_worker("--interval=0.1")
        _wait_for(smtp.in_data.is_set, first, first_log, "the server to be inside DATA")
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        assert smtp.dropped.wait(5), "the server never saw the connection drop"
        smtp.release.set()  # too late: the handler was cancelled with the connection

        assert smtp.received == []  # the SMTP transaction never completed: nothing accepted
        assert smtp.data_message_ids == [expected_id]
        row = OutboundMessage.objects.get(pk=message.pk)
        assert row.status == MessageStatus.SENDING  # still claimed by the dead worker, not marked sent
        assert row.attempts == 1
        assert row.claimed_at is not None
        assert DBTaskResult.objects.get(task_path=DELIVER).status == TaskResultStatus.RUNNING  # orphaned for good

        # 2. Later: the claim is older than STUCK_AFTER, and the next worker's outbox sweep is due.
        OutboundMessage.objects.filter(pk=message.pk).update(
            claimed_at=row.claimed_at - STUCK_AFTER - timedelta(minutes=1))
        assert DBTaskResult.objects.filter(task_path=SWEEP, status=TaskResultStatus.READY).update(
            run_after=timezone.now()) == 1  # the one sweep the first worker scheduled when it started
        second, second_log = start_worker("--batch", "--interval=0")  # runs every due task, then exits
        try:
            assert second.wait(WAIT) == 0, second_log.read_text()
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the second worker did not finish:\n{second_log.read_text()}") from None
    finally:
        smtp.release.set()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    sweep = DBTaskResult.objects.get(task_path=SWEEP, status=TaskResultStatus.SUCCESSFUL)
    assert sweep.return_value is not None
    assert sweep.return_value["recovered"] == 1  # message_recover_stuck re-queued it and gave it a task
    delivered = DBTaskResult.objects.get(task_path=DELIVER, status=TaskResultStatus.SUCCESSFUL)
    assert delivered.return_value == MessageStatus.SENT
    row = OutboundMessage.objects.get(pk=message.pk)
    assert row.status == MessageStatus.SENT
    assert row.attempts == 2
    assert row.sent_at is not None and row.claimed_at is None
    assert row.provider_message_id == expected_id
    assert "stopped while sending" in row.last_error  # the log says why it took two attempts
    assert len(smtp.received) == 1  # one copy accepted, ever
    accepted = smtp.received[0]
    assert accepted.rcpt_tos == [consenting_patient.email]
    assert accepted.message["Message-ID"] == expected_id
    assert smtp.data_message_ids == [expected_id, expected_id]  # both attempts carried the same Message-ID
