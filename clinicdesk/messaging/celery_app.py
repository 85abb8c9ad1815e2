"""The Celery application behind ``CLINICDESK_TASKS=celery``: Redis as broker and result store.

Run workers with::

    CLINICDESK_TASKS=celery CLINICDESK_REDIS_URL=redis://127.0.0.1:6379/0 \\
        celery -A clinicdesk.messaging.celery_app worker --loglevel=INFO

There is one Celery task, :func:`run_django_task`: it imports a Django task (``django_tasks.task``) by its module
path and calls it. So every task of the code base runs on Celery unchanged; :mod:`clinicdesk.messaging.celery_backend`
is the sending half. Celery's Django fixup calls ``django.setup()`` when the worker starts and closes stale
database connections around each task. Messages are acknowledged after the task ran (``acks_late``) and handed
back if the worker dies mid-task, so a killed worker loses nothing; running a task twice is harmless for ours
(delivery claims the message in the database first).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicdesk.settings")

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
RUN_TASK = "clinicdesk.run_django_task"
RESULT_TTL_SECONDS = 7 * 24 * 3600
# Redis hands an unacknowledged message to another worker after this long; a task deferred further than this
# (a retry hours away) may then run twice, which delivery tolerates. Keep it above the longest task.
VISIBILITY_TIMEOUT_SECONDS = 3600


def redis_url() -> str:
    return os.environ.get("CLINICDESK_REDIS_URL", "") or DEFAULT_REDIS_URL


def make_app(url: str) -> Celery:
    """A Celery app on the Redis server ``url`` (broker and results). The sender builds its own from settings."""
    app = Celery("clinicdesk")
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        result_extended=True,
        result_expires=RESULT_TTL_SECONDS,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        task_default_queue="default",
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    return app


app = make_app(redis_url())


@app.task(name=RUN_TASK)
def run_django_task(task_path: str, args: list[Any], kwargs: dict[str, Any], result_id: str) -> Any:
    """Run the Django task at ``task_path`` (e.g. ``clinicdesk.messaging.tasks.deliver_message``)."""
    from clinicdesk.messaging.celery_backend import execute

    return execute(task_path, args, kwargs, result_id)


@worker_ready.connect
def _seed_periodic_jobs(**kwargs: Any) -> None:
    """Start the outbox sweep chain, as ``clinicdesk worker`` does (a no-op when one is already waiting)."""
    from clinicdesk.messaging.tasks import sweep_schedule

    sweep_schedule()
