"""``clinicdesk mllp``: the HL7 v2 MLLP listener alone (``clinicdesk serve`` runs it as a supervised child)."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

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

    def handle(self, *args: Any, host: str, port: int, idle_timeout: float, **options: Any) -> None:
        server = hl7_listener(host, port, idle_timeout=idle_timeout)
        signal.signal(signal.SIGTERM, _exit)
        self.stdout.write(f"clinicdesk MLLP listening on {host}:{server.port}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
