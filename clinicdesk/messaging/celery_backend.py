"""A Django Tasks backend that runs tasks on Celery workers through Redis, for scale-out.

    TASKS = {"default": {"BACKEND": "clinicdesk.messaging.celery_backend.CeleryBackend",
                         "QUEUES": ["default"], "OPTIONS": {"REDIS_URL": "redis://127.0.0.1:6379/0"}}}

(``CLINICDESK_TASKS=celery`` sets this up in settings; without ``REDIS_URL`` the URL is
``CLINICDESK_REDIS_URL``.) :meth:`CeleryBackend.enqueue` sends the Celery task
:data:`~clinicdesk.messaging.celery_app.RUN_TASK` with the Django task's module path and arguments, so the code base
keeps calling ``task.enqueue(...)`` whatever the backend. ``run_after`` becomes Celery's ``eta``, the queue name
Celery's queue. Results live in Redis for a week: :meth:`get_result` reads them back (task path and arguments are
kept beside Celery's result under ``clinicdesk:task:<id>``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from celery import Celery
from celery.result import AsyncResult
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskContext, TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.utils import get_module_path, get_random_id, normalize_json
from typing_extensions import ParamSpec

from clinicdesk.messaging import celery_app

T = TypeVar("T")
P = ParamSpec("P")

_KEY = "clinicdesk:task:{}"
_STATUS = {
    "PENDING": TaskResultStatus.READY, "RECEIVED": TaskResultStatus.READY, "RETRY": TaskResultStatus.READY,
    "STARTED": TaskResultStatus.RUNNING, "SUCCESS": TaskResultStatus.SUCCESSFUL, "FAILURE": TaskResultStatus.FAILED,
    "REVOKED": TaskResultStatus.FAILED,
}


class CeleryBackend(BaseTaskBackend):
    supports_defer = True
    supports_get_result = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.redis_url: str = (self.options.get("REDIS_URL") or getattr(settings, "CLINICDESK_REDIS_URL", "")
                               or celery_app.redis_url())
        self._app: Celery | None = None

    @property
    def app(self) -> Celery:
        if self._app is None:
            self._app = celery_app.make_app(self.redis_url)
        return self._app

    def enqueue(self, task: Task[P, T], args: P.args, kwargs: P.kwargs) -> TaskResult[T]:  # type: ignore[valid-type]
        self.validate_task(task)
        result: TaskResult[T] = TaskResult(
            task=task, id=get_random_id(), status=TaskResultStatus.READY, enqueued_at=timezone.now(),
            started_at=None, last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs,
            backend=self.alias, errors=[], worker_ids=[])
        record = {"task_path": task.module_path, "args": result.args, "kwargs": result.kwargs,
                  "enqueued_at": result.enqueued_at.isoformat() if result.enqueued_at else None}
        self.app.backend.set(_KEY.format(result.id), json.dumps(record))
        self.app.send_task(celery_app.RUN_TASK, args=[task.module_path, result.args, result.kwargs, result.id],
                           task_id=result.id, queue=task.queue_name, eta=task.run_after)
        return result

    def get_result(self, result_id: str) -> TaskResult:
        raw = self.app.backend.get(_KEY.format(result_id))
        if raw is None:
            raise TaskResultDoesNotExist(result_id)
        record = json.loads(raw)
        task: Task[Any, Any] = import_string(record["task_path"])
        async_result = AsyncResult(result_id, app=self.app)
        meta = async_result._get_task_meta()
        state = str(meta.get("status", "PENDING"))
        status = _STATUS.get(state, TaskResultStatus.READY)
        done: datetime | None = meta.get("date_done") if status in {TaskResultStatus.SUCCESSFUL,
                                                                   TaskResultStatus.FAILED} else None
        if isinstance(done, str):
            done = datetime.fromisoformat(done)
        errors = []
        if status == TaskResultStatus.FAILED:
            exc = async_result.result
            errors.append(TaskError(exception_class_path=_exception_path(exc, meta),
                                    traceback=str(meta.get("traceback") or "")))
        worker = meta.get("worker")
        enqueued_at = datetime.fromisoformat(record["enqueued_at"]) if record.get("enqueued_at") else None
        result: TaskResult[Any] = TaskResult(
            task=task, id=result_id, status=status, enqueued_at=enqueued_at,
            started_at=done, last_attempted_at=done, finished_at=done, args=record["args"], kwargs=record["kwargs"],
            backend=self.alias, errors=errors, worker_ids=[str(worker)] if worker and status != "READY" else [])
        if status == TaskResultStatus.SUCCESSFUL:
            object.__setattr__(result, "_return_value", meta.get("result"))
        return result

    def claim_waiting(self, name: str, ttl_seconds: int) -> bool:
        """Mark ``name`` as waiting (e.g. the next sweep); False when it already is: one periodic chain only."""
        return bool(self.app.backend.client.set(f"clinicdesk:waiting:{name}", "1", nx=True, ex=ttl_seconds))

    def release_waiting(self, name: str) -> None:
        self.app.backend.client.delete(f"clinicdesk:waiting:{name}")


def _exception_path(exc: object, meta: dict[str, Any]) -> str:
    if isinstance(exc, BaseException):
        return get_module_path(type(exc))
    result = meta.get("result")
    if isinstance(result, dict) and result.get("exc_type"):
        return f"{result.get('exc_module', 'builtins')}.{result['exc_type']}"
    return "builtins.Exception"


def execute(task_path: str, args: list[Any], kwargs: dict[str, Any], result_id: str) -> Any:
    """Run a Django task inside the Celery worker (the body of :func:`celery_app.run_django_task`)."""
    task: Task[Any, Any] = import_string(task_path)
    if task.takes_context:
        now = timezone.now()
        running: TaskResult[Any] = TaskResult(
            task=task, id=result_id, status=TaskResultStatus.RUNNING, enqueued_at=None, started_at=now,
            last_attempted_at=now, finished_at=None, args=args, kwargs=kwargs, backend=task.backend, errors=[],
            worker_ids=[])
        return normalize_json(task.call(TaskContext(task_result=running), *args, **kwargs))
    return normalize_json(task.call(*args, **kwargs))
