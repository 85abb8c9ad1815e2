"""``clinicdesk worker``: run a task worker (django-tasks-db's ``db_worker``; every option passes through).

Run as many as you like beside ``clinicdesk serve`` on PostgreSQL: each claims a task with
``SELECT ... FOR UPDATE SKIP LOCKED``, so no task runs twice. On SQLite one worker (the one in serve) is enough.
"""

from __future__ import annotations

import signal
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from clinicdesk.messaging.tasks import sweep_schedule

_SIGNALS = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s is not None]


class Command(DbWorkerCommand):
    help = "Run a clinicdesk background worker (outbound messages, periodic sweeps)."

    def handle(self, *args: Any, **options: Any) -> None:
        sweep_schedule()
        # db_worker installs its own signal handlers; put the caller's back when it returns (tests, --batch).
        saved = {s: signal.getsignal(s) for s in _SIGNALS}
        try:
            super().handle(*args, **options)
        finally:
            for s, handler in saved.items():
                signal.signal(s, handler)
