"""``clinicdesk hl7_filer``: file accepted HL7 messages behind their ACKs (``labs.queue``).

``clinicdesk mllp`` starts one beside its listeners and wakes it through a pipe (``--wake-fd``) after each
commit; it then ends when the listeners do (the pipe's other end closes). Run on its own it looks for waiting
messages every ``--interval`` seconds. Should two run on one database, each message is still filed once (a filer
claims a message in the transaction that files it and leaves what another claimed), in id order.
SIGTERM (or Ctrl-C) lets the group in hand commit, then it exits.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicdesk.labs.queue import run_filer


class Command(BaseCommand):
    help = "File accepted HL7 v2 results and demographics into charts and the work inbox, behind their ACKs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wake-fd", type=int, default=None,
                            help="Read end of the listener's wake-up pipe (clinicdesk mllp passes it).")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between looks for waiting messages, without --wake-fd.")

    def handle(self, *args: Any, wake_fd: int | None, interval: float, **options: Any) -> None:
        stopping: list[bool] = []
        listeners_gone: list[bool] = []

        def stop(signum: int, frame: object) -> None:
            stopping.append(True)

        if interval <= 0:
            raise CommandError("--interval must be a number of seconds above 0")
        if wake_fd is not None:
            try:
                os.set_blocking(wake_fd, False)
            except OSError as exc:
                raise CommandError(f"--wake-fd {wake_fd} is not an open pipe of this process ({exc.strerror})"
                                   ) from None
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def wait(timeout: float) -> None:
            if wake_fd is None:  # nobody wakes it: every --interval seconds
                select.select([], [], [], interval)
                return
            with contextlib.suppress(InterruptedError):
                readable, _, _ = select.select([wake_fd], [], [], timeout)
                if readable:
                    with contextlib.suppress(BlockingIOError):
                        while chunk := os.read(wake_fd, 4096):
                            del chunk
                        listeners_gone.append(True)  # EOF: every writer closed its end

        # One more pass after the listeners are gone: what they stored last is filed before the filer ends.
        run_filer(wait, running=lambda: not stopping and len(listeners_gone) < 2)
