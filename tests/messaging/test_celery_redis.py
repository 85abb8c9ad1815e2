"""The Celery + Redis backend, for real: a redis-server on loopback, a `celery worker` process, the SMTP server.

The worker runs on the test database (the tests are transactional, so what they write is committed and visible to
it). Without redis-server the tests are skipped, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.db import connection
from django_tasks import TaskResultStatus

from clinicdesk.messaging.celery_backend import CeleryBackend
from clinicdesk.messaging.models import MessageStatus, OutboundMessage
from clinicdesk.messaging.tasks import deliver_message, sweep_outbox
from clinicdesk.patients.models import Patient
from tests.messaging.conftest import SmtpServer, free_port, queue_email

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_SERVER = shutil.which("redis-server")
WAIT = 60.0


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port: no persistence, its files in a temporary directory."""
    if REDIS_SERVER is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is not installed, and CI=true: the Celery + Redis test must run")
        pytest.skip("redis-server is not installed (apt-get install redis-server): Celery + Redis not tested")
    port = free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(redis_url: str, smtp_server: SmtpServer, settings: Any, tmp_path: Path) -> Iterator[Path]:
    """`celery -A clinicdesk.messaging.celery_app worker --pool=solo` on the test database and Redis; this process
    sends through the CeleryBackend to the same Redis. Yields the worker's log file."""
    settings.TASKS = {"default": {"BACKEND": "clinicdesk.messaging.celery_backend.CeleryBackend",
                                  "QUEUES": ["default"], "OPTIONS": {"REDIS_URL": redis_url}}}
    env = {**os.environ, "CLINICDESK_TASKS": "celery", "CLINICDESK_REDIS_URL": redis_url,
           "CLINICDESK_EMAIL_URL": smtp_server.url, "DATABASE_URL": _database_url(),
           "CLINICDESK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "clinicdesk.settings"}
    log = tmp_path / "celery.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "clinicdesk.messaging.celery_app", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "default",
             "-n", f"test-{os.getpid()}@localhost"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        process.terminate()  # warm shutdown: finishes the task in hand
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until(condition: Any, log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def test_a_delivery_task_sent_through_redis_is_run_by_the_celery_worker_once(
        celery_worker: Path, smtp_server: SmtpServer, consenting_patient: Patient, settings: Any) -> None:
    saved = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    message = queue_email(consenting_patient)  # queued, its automatic task kept aside
    settings.TASKS = saved
    assert isinstance(deliver_message.get_backend(), CeleryBackend)

    result = deliver_message.enqueue(message.pk)
    assert result.status == TaskResultStatus.READY

    def finished() -> bool:
        result.refresh()
        return result.is_finished
    _wait_until(finished, celery_worker, "the delivery task")

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == MessageStatus.SENT
    assert result.args == [message.pk] and result.attempts == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_tos == ["chidi@example.org"]

    again = deliver_message.enqueue(message.pk)  # a duplicate task: the claim refuses, nothing is sent
    _wait_until(lambda: again.refresh() or again.is_finished, celery_worker, "the duplicate task")
    assert again.return_value == MessageStatus.SENT
    time.sleep(0.5)
    assert len(smtp_server.received) == 1
    assert OutboundMessage.objects.get(pk=message.pk).attempts == 1


def test_queueing_a_message_enqueues_on_celery_and_the_worker_seeds_one_sweep(
        celery_worker: Path, smtp_server: SmtpServer, consenting_patient: Patient, redis_url: str) -> None:
    message = queue_email(consenting_patient)  # message_queue enqueues after commit, through the CeleryBackend

    _wait_until(lambda: OutboundMessage.objects.get(pk=message.pk).status == MessageStatus.SENT, celery_worker,
                "the message to be sent")
    assert len(smtp_server.received) == 1
    client = redis.Redis.from_url(redis_url)
    waiting = f"clinicdesk:waiting:{sweep_outbox.module_path}"
    _wait_until(lambda: client.exists(waiting), celery_worker, "the worker to schedule the sweep")
    backend = sweep_outbox.get_backend()
    assert isinstance(backend, CeleryBackend)
    assert not backend.claim_waiting(sweep_outbox.module_path, 60)  # a second chain is refused
    client.close()


def test_an_unknown_result_id_does_not_exist(redis_url: str, settings: Any) -> None:
    from django_tasks.exceptions import TaskResultDoesNotExist

    settings.TASKS = {"default": {"BACKEND": "clinicdesk.messaging.celery_backend.CeleryBackend",
                                  "QUEUES": ["default"], "OPTIONS": {"REDIS_URL": redis_url}}}
    with pytest.raises(TaskResultDoesNotExist):
        deliver_message.get_backend().get_result("no-such-id")


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(("value", "backend"), [
    ("", "django_tasks_db.DatabaseBackend"),
    ("database", "django_tasks_db.DatabaseBackend"),
    ("celery", "clinicdesk.messaging.celery_backend.CeleryBackend"),
])
def test_the_backend_is_chosen_by_clinicdesk_tasks(value: str, backend: str, tmp_path: Path) -> None:
    env = {**os.environ, "CLINICDESK_TASKS": value, "CLINICDESK_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "clinicdesk.settings"}
    code = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == backend
