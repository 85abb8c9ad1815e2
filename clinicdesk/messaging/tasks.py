"""Background tasks: thin wrappers over the services.

The outbox sweep is periodic without cron: every run enqueues the next one ``SWEEP_EVERY`` later (``run_after``),
and ``clinicdesk serve`` / ``clinicdesk worker`` seed the chain when they start (:func:`sweep_schedule`). A chain
is kept single: a sweep that finds another sweep already waiting does not add one, so several workers starting
at once collapse to one chain after a round.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from clinicdesk.messaging import reminder_services, services

SWEEP_EVERY = timedelta(minutes=1)
logger = logging.getLogger(__name__)


@task()
def deliver_message(message_id: int) -> str:
    return services.message_deliver(message_id)


@task()
def deliver_messages(message_ids: list[int]) -> dict[str, int]:
    """A batch (see ``services.message_enqueue_batches``): one task and one SMTP connection for many messages."""
    return services.message_deliver_many(message_ids)


@task()
def sweep_outbox() -> dict[str, int]:
    """Re-queue messages a dead worker left in ``sending``, give lost queued messages a new task, and queue the
    appointment reminders now due. The next sweep is scheduled whatever happens in this one."""
    backend = sweep_outbox.get_backend()
    if hasattr(backend, "release_waiting"):  # Celery: this sweep is no longer the one waiting
        backend.release_waiting(sweep_outbox.module_path)
    try:
        result = {"recovered": services.message_recover_stuck(), "requeued": services.message_requeue_lost()}
        result["reminders"] = reminder_services.reminders_sweep(now=timezone.now()).queued
        for path in settings.CLINICDESK_PERIODIC_JOBS:
            try:
                outcome = import_string(path)()
            except Exception:  # one failing job must not stop the others or the chain
                logger.exception("periodic job %s failed", path)
                continue
            result[path.rsplit(".", 1)[-1]] = outcome if isinstance(outcome, int) else 0
    finally:
        sweep_schedule()
    return result


def sweep_schedule() -> None:
    """Enqueue the next sweep unless one is already waiting."""
    backend = sweep_outbox.get_backend()
    if isinstance(backend, DatabaseBackend):
        waiting = DBTaskResult.objects.filter(task_path=sweep_outbox.module_path, status=TaskResultStatus.READY)
        if waiting.exists():
            return
    elif hasattr(backend, "claim_waiting") and not backend.claim_waiting(  # Celery: a marker in Redis
            sweep_outbox.module_path, int(SWEEP_EVERY.total_seconds()) + 300):
        return
    sweep_outbox.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
