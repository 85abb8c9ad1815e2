"""lib.writer: the SQLite writer lock, an flock on a file beside the database that processes take in turn.

Order is shown by what each side writes to a log while it holds the lock, and waiting by the kernel's own list of
blocked lock requests (/proc/locks), never by how long something took."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from clinicdesk.lib import writer

HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
with open(sys.argv[2], "a") as log:
    log.write(f"child-locked {time.monotonic_ns()}\\n")
print("locked", flush=True)
sys.stdin.readline()  # until told to let go
with open(sys.argv[2], "a") as log:
    log.write(f"child-released {time.monotonic_ns()}\\n")
fcntl.flock(fd, fcntl.LOCK_UN)
"""

PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(3)
"""


@pytest.mark.parametrize(("name", "expected"), [
    ("/srv/clinicdesk/clinicdesk.sqlite3", "/srv/clinicdesk/clinicdesk.sqlite3-writer"),
    (Path("/srv/db.sqlite3"), "/srv/db.sqlite3-writer"),
    ("relative.db", "relative.db-writer"),
    ("file:x.db?mode=rwc", "x.db-writer"),
    ("file:/srv/x.db", "/srv/x.db-writer"),
    (":memory:", None),
    ("", None),
    ("file:memorydb_default?mode=memory&cache=shared", None),
])
def test_the_lock_file_sits_beside_the_database_file(name: object, expected: str | None) -> None:
    assert writer.lock_path(name) == expected


@pytest.fixture
def lock(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "db.sqlite3-writer")
    yield path
    opened = writer._opened.pop(path, None)
    if opened is not None and opened[0] == os.getpid() and opened[1] is not None:
        os.close(opened[1])


def _held_elsewhere(path: str) -> bool:
    """Whether another process could not take the lock now (a fresh process, its own open file)."""
    probe = subprocess.run([sys.executable, "-c", PROBE, path], check=False)
    assert probe.returncode in (0, 3)
    return probe.returncode == 3


def _blocked_on(path: str, pid: int) -> bool:
    """The kernel lists a request of ``pid`` waiting for an flock on ``path`` ("->" in /proc/locks)."""
    inode = os.stat(path).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts and "FLOCK" in parts:
            rest = parts[parts.index("FLOCK"):]
            if rest[3] == str(pid) and rest[4].split(":")[-1] == str(inode):
                return True
    return False


def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def test_a_process_waits_for_the_lock_another_holds_and_gets_it_once_released(lock: str, tmp_path: Path) -> None:
    log = tmp_path / "log"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, lock, str(log)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "locked\n"
        fd = writer._fd(lock)
        assert fd is not None
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

        def take() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with log.open("a") as out:
                out.write(f"parent-locked {time.monotonic_ns()}\n")

        taker = threading.Thread(target=take)
        taker.start()
        _until(lambda: _blocked_on(lock, os.getpid()), "the parent waiting in flock")
        assert taker.is_alive()
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        taker.join(60)
        assert not taker.is_alive()
        assert child.wait(60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    entries = [line.split() for line in log.read_text().splitlines()]
    assert [e[0] for e in entries] == ["child-locked", "child-released", "parent-locked"]
    stamps = [int(e[1]) for e in entries]
    assert stamps == sorted(stamps)
    assert _held_elsewhere(lock)  # the parent holds it now
    fcntl.flock(fd, fcntl.LOCK_UN)
    assert not _held_elsewhere(lock)


def test_a_forked_child_opens_its_own_descriptor_and_so_waits_for_its_parent(lock: str) -> None:
    fd = writer._fd(lock)
    assert fd is not None and writer._fd(lock) == fd  # one descriptor per process
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report, never return into pytest
            code = 1
            try:
                os.close(read_end)
                own = writer._fd(lock)
                fresh = own is not None and own != fd and writer._opened[lock] == (os.getpid(), own)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the inherited one shares the parent's lock
                    shares = True
                except BlockingIOError:
                    shares = False
                try:
                    assert own is not None
                    fcntl.flock(own, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    excluded = False
                except BlockingIOError:
                    excluded = True
                os.write(write_end, f"{fresh} {shares} {excluded}".encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end) as report:
            answer = report.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # its own descriptor (not the one it inherited, which shares the parent's lock), so it is kept out
        assert answer == "True True True"
        assert writer._opened[lock] == (os.getpid(), fd)  # the parent's entry is its own still
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def test_no_path_no_descriptor() -> None:
    assert writer._fd(None) is None


@pytest.mark.django_db
def test_sqlite_writer_holds_the_file_lock_of_the_database_for_its_block() -> None:
    path = writer.lock_path(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
    if path is None:  # PostgreSQL (or an in-memory SQLite database): only the threads take turns, no file
        with writer.sqlite_writer():
            assert connection.vendor != "sqlite" or writer._THREADS.locked()
        assert not writer._THREADS.locked()
        return
    with writer.sqlite_writer():
        assert writer._THREADS.locked()
        assert _held_elsewhere(path)
    assert not writer._THREADS.locked()
    assert not _held_elsewhere(path)


@pytest.mark.django_db
def test_a_thread_waits_for_the_writer_another_thread_holds() -> None:
    order: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def first() -> None:
        with writer.sqlite_writer():
            order.append("first in")
            entered.set()
            release.wait(60)
            order.append("first out")

    if connection.vendor != "sqlite":
        with writer.sqlite_writer(), writer.sqlite_writer():  # nothing to take on PostgreSQL: no waiting
            pass
        return
    holder = threading.Thread(target=first)
    holder.start()
    assert entered.wait(60)
    assert not writer._THREADS.acquire(blocking=False)  # held by the first thread
    second_done = threading.Event()

    def second_writer() -> None:
        with writer.sqlite_writer():
            order.append("second in")
        second_done.set()

    second = threading.Thread(target=second_writer)
    second.start()
    release.set()
    holder.join(60)
    second.join(60)
    assert second_done.is_set()
    assert order == ["first in", "first out", "second in"]


def test_a_lock_file_that_cannot_be_made_means_no_file_lock_not_a_failure(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    path = str(tmp_path / "missing-folder" / "db.sqlite3-writer")
    assert writer._fd(path) is None
    assert "unavailable" in caplog.text
    assert writer._fd(path) is None  # remembered: said once
    assert caplog.text.count("unavailable") == 1
