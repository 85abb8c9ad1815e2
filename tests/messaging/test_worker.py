"""The real worker command runs an enqueued delivery end to end; serve's supervisor starts and stops a worker."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from clinicdesk.lib.children import ChildSupervisor
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.tasks import sweep_schedule
from clinicdesk.patients.models import Patient
from clinicdesk.web.management.commands.serve import worker_argv
from tests.messaging.conftest import SmtpServer, queue_email


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections between tasks, as in production
def test_the_worker_command_delivers_an_enqueued_message(smtp_server: SmtpServer, consenting_patient: Patient) -> None:
    message = queue_email(consenting_patient)  # committed: its delivery task is enqueued

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0", verbosity=0)

    assert OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT
    assert len(smtp_server.received) == 1
    task = DBTaskResult.objects.get(task_path="clinicdesk.messaging.tasks.deliver_message")
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value == MessageStatus.SENT
    sweep = DBTaskResult.objects.get(task_path="clinicdesk.messaging.tasks.sweep_outbox")
    assert sweep.status == TaskResultStatus.READY  # seeded by the worker, due in a minute


@pytest.mark.django_db
def test_only_one_sweep_waits_however_often_it_is_scheduled() -> None:
    sweep_schedule()
    sweep_schedule()
    assert DBTaskResult.objects.filter(task_path="clinicdesk.messaging.tasks.sweep_outbox").count() == 1


def test_the_serve_worker_is_a_clinicdesk_worker_without_reload() -> None:
    argv = worker_argv(2.0)
    assert argv[:4] == [sys.executable, "-m", "clinicdesk.cli", "worker"]
    assert "--no-reload" in argv and "--interval=2.0" in argv


def test_the_supervisor_stops_its_worker_with_one_sigterm() -> None:
    supervisor = ChildSupervisor([sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor.start()
    deadline = time.monotonic() + 10
    while supervisor.process is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process = supervisor.process
    assert process is not None and process.poll() is None

    supervisor.stop(timeout=5)

    assert process.returncode == -15  # SIGTERM, not a kill
    supervisor.thread.join(timeout=10)
    assert not supervisor.thread.is_alive()


def test_a_supervisor_stopped_as_it_starts_leaves_no_child_running() -> None:
    for _ in range(20):  # stop() racing the first start, at different points of it
        supervisor = ChildSupervisor([sys.executable, "-c", "import time; time.sleep(60)"], restart_delay=0.01)
        supervisor.start()
        supervisor.stop(timeout=5)
        supervisor.thread.join(timeout=10)
        assert not supervisor.thread.is_alive()
        process = supervisor.process
        assert process is None or process.poll() is not None  # none started, or the one started was stopped
