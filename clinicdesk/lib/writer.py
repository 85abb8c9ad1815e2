"""One writer at a time on SQLite, across the threads and the processes of this machine, woken at once.

SQLite lets one connection write at a time; a connection that finds the database locked runs SQLite's busy
handler, which sleeps and polls (1, 2, 5, 10 ms … apart). For the HL7 intake, whose listener acknowledges a
message within a millisecond while a filer process writes beside it, those sleeps would cost more than the
work. So the writers that matter take this lock around their transactions: a thread lock for the threads of a
process and an ``flock`` on a file beside the database for the processes, which the kernel hands to the next
waiter the moment it is released. Writers that do not take it (the web server, the worker) still meet SQLite's
own lock and busy handler, as before; this lock only orders those that do.

On PostgreSQL (row locks, writers side by side) and for an in-memory SQLite database, only the thread lock of
the process is taken on SQLite and nothing on PostgreSQL.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

log = logging.getLogger(__name__)
_THREADS = threading.Lock()
_opened: dict[str, tuple[int, int | None]] = {}  # lock file path → (pid that opened it, fd; None: unusable)


def lock_path(name: object) -> str | None:
    """The lock file of the SQLite database file ``name``; None for an in-memory database."""
    text = str(name)
    if not text or text == ":memory:" or "mode=memory" in text:
        return None
    return f"{text.removeprefix('file:').split('?', 1)[0]}-writer"


@contextmanager
def sqlite_writer() -> Iterator[None]:
    """Hold the writer lock for the block (SQLite); on PostgreSQL, nothing."""
    if connection.vendor != "sqlite":
        yield
        return
    with _THREADS:
        fd = _fd(lock_path(connection.settings_dict["NAME"]))
        if fd is None:
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _fd(path: str | None) -> int | None:
    """This process's descriptor of the lock file: a forked child opens its own (a descriptor it inherited
    shares the parent's open file, and with it the parent's lock)."""
    if path is None:
        return None
    opened = _opened.get(path)
    if opened is not None and opened[0] == os.getpid():
        return opened[1]
    try:  # group-writable, as the database file beside it may have to be for a second service user
        fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
    except OSError as exc:  # no lock file (permissions, a read-only folder): SQLite's own lock still orders writers
        log.warning("SQLite writer lock %s unavailable (%s); writers wait on SQLite's busy handler", path, exc)
        fd = None
    _opened[path] = (os.getpid(), fd)
    return fd
