"""``clinicdesk serve``: the web server (waitress) for the practice, on one machine.

The task worker and the HL7 listener join this process group when those capabilities land;
until then it serves the web application and the APIs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run clinicdesk: web application and APIs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, host: str, port: int, threads: int, **options: Any) -> None:
        from waitress import serve

        from clinicdesk.wsgi import application

        self.stdout.write(f"clinicdesk serving on http://{host}:{port}/  (Ctrl-C stops)")
        serve(application, host=host, port=port, threads=threads, ident="clinicdesk",
              clear_untrusted_proxy_headers=True)
