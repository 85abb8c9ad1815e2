"""``clinicdesk mllp``: the HL7 v2 MLLP listener (``clinicdesk serve`` runs it as a supervised child).

A message is acknowledged once its raw bytes and its ACK are committed (an AE/AR with its audit event; an
accepted result or demographics message ``queued``); a filer process beside the listener (``clinicdesk
hl7_filer``, started and supervised here, woken through a pipe after each commit) records the receipt of what is
queued and files it right behind, many per transaction (``labs.queue``). ``--file-before-ack``
files each group inside the transaction that stores it instead, so that an AA also means "filed and routed", at
a lower rate.

``--processes N`` runs N listeners on the one port (SO_REUSEPORT, Linux), each with its own database connection,
so that intake on PostgreSQL can use more than one core; on SQLite their writes take turns.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.integrations.mllp.processes import reuse_port_supported, serve_processes
from clinicdesk.integrations.mllp.server import hl7_listener
from clinicdesk.labs.queue import Wake
from clinicdesk.lib.children import ChildSupervisor

FILER_RESTART_DELAY = 1.0


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Listen for HL7 v2 messages over MLLP; store each one, then acknowledge it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2575)
        parser.add_argument("--idle-timeout", type=float, default=300.0,
                            help="Seconds a connection may stay silent before it is closed.")
        parser.add_argument("--processes", type=int, default=1,
                            help="Listener processes sharing the port (SO_REUSEPORT, Linux); 1 by default.")
        parser.add_argument("--file-before-ack", action="store_true",
                            help="File each result before acknowledging it, not right behind the ACK.")

    def handle(self, *args: Any, host: str, port: int, idle_timeout: float, processes: int,
               file_before_ack: bool, **options: Any) -> None:
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        if processes > 1 and not reuse_port_supported():
            raise CommandError("--processes above 1 needs SO_REUSEPORT (Linux)")
        wake = None if file_before_ack else Wake()
        filer = None if wake is None else ChildSupervisor(
            filer_argv(wake.read_fd), name="hl7-filer", pass_fds=[wake.read_fd], restart_delay=FILER_RESTART_DELAY)
        notify = None if wake is None else wake.notify
        try:
            if processes > 1:
                def started(bound: int) -> None:
                    if filer is not None:
                        filer.start()  # once the listeners are forked: a fork copies no thread
                    self._listening(host, bound, f" ({processes} processes)")

                serve_processes(partial(_listener, host, idle_timeout, notify), host, port, processes, started)
                return
            server = hl7_listener(host, port, idle_timeout=idle_timeout, notify=notify)
            signal.signal(signal.SIGTERM, _exit)
            if filer is not None:
                filer.start()
            self._listening(host, server.port, "")
            try:
                server.serve_forever(poll_interval=0.5)
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
        finally:
            if filer is not None:
                filer.stop()

    def _listening(self, host: str, port: int, more: str) -> None:
        self.stdout.write(f"clinicdesk MLLP listening on {host}:{port}{more}", ending="\n")
        self.stdout.flush()


def _listener(host: str, idle_timeout: float, notify: Callable[[], None] | None, port: int) -> Any:
    return hl7_listener(host, port, idle_timeout=idle_timeout, reuse_port=True, notify=notify)


def filer_argv(wake_fd: int) -> list[str]:
    return [sys.executable, "-m", "clinicdesk.cli", "hl7_filer", f"--wake-fd={wake_fd}"]
