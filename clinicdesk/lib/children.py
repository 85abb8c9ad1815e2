"""Supervised child processes: a command that needs another command running beside it (``clinicdesk serve``: the
worker and the MLLP listener; ``clinicdesk mllp``: the HL7 filer) keeps it running with a ``ChildSupervisor``.

The child is our own interpreter started afresh (``subprocess``, not a bare fork), in its own session, so the
terminal's Ctrl-C reaches the parent alone and the parent decides how the child ends (``stop``: one SIGTERM, then
SIGKILL after the timeout). A child that dies is started again after ``restart_delay`` seconds.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Sequence

RESTART_DELAY = 5.0


class ChildSupervisor:
    """Keep one child running until :meth:`stop`. ``pass_fds``: descriptors the child inherits (a pipe's end)."""

    def __init__(self, argv: list[str], name: str = "worker", *, pass_fds: Sequence[int] = (),
                 restart_delay: float = RESTART_DELAY) -> None:
        self.argv = argv
        self.pass_fds = tuple(pass_fds)
        self.restart_delay = restart_delay
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self._starting = threading.Lock()  # a child is started, or stopping is decided, not both at once
        self.thread = threading.Thread(target=self._run, name=f"{name}-supervisor", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while True:
            with self._starting:
                if self.stopping.is_set():
                    return
                process = self.process = subprocess.Popen(  # noqa: S603 - our own interpreter
                    self.argv, start_new_session=True, pass_fds=self.pass_fds)
            process.wait()
            if self.stopping.wait(self.restart_delay):
                return

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the child to finish (a worker: its current task) and exit; kill it if it will not. After this no
        child is started again."""
        with self._starting:  # a start under way completes first, and is then stopped below
            self.stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
