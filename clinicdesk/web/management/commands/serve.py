"""``clinicdesk serve``: the web server (waitress), a task worker and the HL7 MLLP listener, on one machine.

The worker is a child process (``clinicdesk worker``), so a task can never stall a web thread; it is restarted if
it dies and stopped with the server. It runs in its own session, so Ctrl-C reaches only the server, which then sends
the worker exactly one SIGTERM: the worker finishes the task in hand and exits (a second signal would abort it).
``--no-worker`` leaves background work to workers run elsewhere. The MLLP listener (``clinicdesk mllp``) is a
child supervised the same way, on ``--mllp-port`` (2575; 0 turns it off; ``--mllp-processes N``: N listener processes
on that port); stopped, it finishes nothing: a message it had not acknowledged is simply sent again by the lab, and
stored once.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clinicdesk.lib.children import ChildSupervisor


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def worker_argv(interval: float) -> list[str]:
    return [sys.executable, "-m", "clinicdesk.cli", "worker", "--no-reload", f"--interval={interval}"]


def mllp_argv(host: str, port: int, processes: int = 1) -> list[str]:
    extra = [f"--processes={processes}"] if processes > 1 else []
    return [sys.executable, "-m", "clinicdesk.cli", "mllp", f"--host={host}", f"--port={port}", *extra]


class Command(BaseCommand):
    help = "Run clinicdesk: web application, APIs, the background worker and the HL7 MLLP listener."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="Do not start a background worker.")
        parser.add_argument("--worker-interval", type=float, default=1.0,
                            help="Seconds the worker waits between polls when idle.")
        parser.add_argument("--mllp-host", default="127.0.0.1")
        parser.add_argument("--mllp-port", type=int, default=2575, help="HL7 v2 MLLP listener port; 0: none.")
        parser.add_argument("--mllp-processes", type=int, default=1,
                            help="MLLP listener processes on that port (SO_REUSEPORT, Linux).")

    def handle(self, *args: Any, host: str, port: int, threads: int, no_worker: bool, worker_interval: float,
               mllp_host: str, mllp_port: int, mllp_processes: int = 1, **options: Any) -> None:
        from waitress import serve

        from clinicdesk.runtime import tune_gc
        from clinicdesk.wsgi import application

        tune_gc()
        supervisor = None if no_worker else ChildSupervisor(worker_argv(worker_interval))
        listener = (ChildSupervisor(mllp_argv(mllp_host, mllp_port, mllp_processes), name="mllp") if mllp_port
                    else None)
        children = [child for child in (supervisor, listener) if child]
        for child in children:
            child.start()
        # SIGTERM (systemd, docker stop) ends the server like Ctrl-C does, so the finally below stops the worker.
        signal.signal(signal.SIGTERM, _exit)
        self.stdout.write(f"clinicdesk serving on http://{host}:{port}/  (Ctrl-C stops)"
                          + ("" if supervisor else "; no worker")
                          + (f"; HL7 MLLP on {mllp_host}:{mllp_port}" if listener else ""))
        try:
            serve(application, host=host, port=port, threads=threads, ident="clinicdesk",
                  clear_untrusted_proxy_headers=True)
        finally:
            for child in children:
                child.stop()
