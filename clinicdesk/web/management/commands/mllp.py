"""``clinicdesk mllp``: the HL7 v2 MLLP listener alone (``clinicdesk serve`` runs it as a supervised child).

``--processes N`` runs N listeners on the one port (SO_REUSEPORT, Linux), each with its own database connection,
so that intake on PostgreSQL can use more than one core; on SQLite their writes take turns.
"""

from __future__ import annotations

import signal
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.integrations.mllp.processes import reuse_port_supported, serve_processes
from clinicdesk.integrations.mllp.server import hl7_listener


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

    def handle(self, *args: Any, host: str, port: int, idle_timeout: float, processes: int,
               **options: Any) -> None:
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        if processes > 1:
            if not reuse_port_supported():
                raise CommandError("--processes above 1 needs SO_REUSEPORT (Linux)")

            def started(bound: int) -> None:
                self._listening(host, bound, f" ({processes} processes)")

            serve_processes(partial(_listener, host, idle_timeout), host, port, processes, started)
            return
        server = hl7_listener(host, port, idle_timeout=idle_timeout)
        signal.signal(signal.SIGTERM, _exit)
        self._listening(host, server.port, "")
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _listening(self, host: str, port: int, more: str) -> None:
        self.stdout.write(f"clinicdesk MLLP listening on {host}:{port}{more}", ending="\n")
        self.stdout.flush()


def _listener(host: str, idle_timeout: float, port: int) -> Any:
    return hl7_listener(host, port, idle_timeout=idle_timeout, reuse_port=True)
