"""``clinicdesk hl7_filer`` as a real process on the test database: woken through its pipe it files what the
listener accepted; it ends (exit 0) when the pipe's write end closes, after filing what waits, or on SIGTERM. And
``clinicdesk mllp`` starts one beside its listener, or, with ``--file-before-ack``, none and files before the ACK.

Transactional tests: the rows the test commits are what the other processes see, and the other way round."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder
from clinicdesk.labs.queue import Wake
from clinicdesk.labs.services import hl7_accept_many
from clinicdesk.practice.models import Organization
from tests.labs.conftest import Client, msa, oru
from tests.labs.test_fault import _database_url, _free_port

pytestmark = pytest.mark.django_db(transaction=True)
PEER = "10.0.0.7:4000"
# The filer with nothing but a wake-up (or the pipe's end) to make it look again: its every-second look would
# otherwise file the messages whether or not the pipe worked.
WOKEN_ONLY = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicdesk.settings")
import django
django.setup()
from clinicdesk.labs import queue
queue.IDLE = 3600.0
from django.core.management import call_command
call_command("hl7_filer", *sys.argv[1:])
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    Organization.objects.create(name="Lakeside Family Practice", timezone="America/Chicago", mrn_prefix="LS")
    return {**os.environ, "CLINICDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": _database_url()}


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def _filed(*control_ids: str) -> bool:
    return all(InboundMessage.objects.filter(control_id=c, status=InboundStatus.PROCESSED).exists() and
               LabOrder.objects.filter(inbound__control_id=c).count() == 1 for c in control_ids)


def _accept(*control_ids: str, notify: Callable[[], None] | None = None) -> None:
    answers = hl7_accept_many([(oru(c), PEER) for c in control_ids], notify=notify)
    assert [msa(a)[1] for a in answers if isinstance(a, bytes)] == ["AA"] * len(control_ids)
    assert InboundMessage.objects.filter(control_id__in=control_ids, status=InboundStatus.QUEUED).count() == len(
        control_ids)


def _filer(argv: list[str], env: dict[str, str], log: Path, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen([sys.executable, *argv], env=env, pass_fds=pass_fds, stdout=subprocess.DEVNULL,
                                stderr=err)


def _woken_only(env: dict[str, str], tmp_path: Path) -> tuple[Wake, Path, subprocess.Popen[bytes]]:
    """A filer that looks again only when woken or when the pipe ends; this process keeps the write end."""
    wake = Wake()
    log = tmp_path / "filer.log"
    filer = _filer(["-c", WOKEN_ONLY, f"--wake-fd={wake.read_fd}"], env, log, (wake.read_fd,))
    os.close(wake.read_fd)
    return wake, log, filer


def _ended(process: subprocess.Popen[bytes], log: Path) -> int:
    try:
        return process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the filer did not end: {log.read_text()}") from None


def test_woken_through_its_pipe_it_files_and_ends_when_the_pipe_closes(env: dict[str, str], tmp_path: Path) -> None:
    wake, log, filer = _woken_only(env, tmp_path)
    try:
        _accept("P1", "P2", notify=wake.notify)
        _until(lambda: _filed("P1", "P2"), "P1 and P2 filed")
        _accept("P3", notify=wake.notify)  # the filer is waiting now: only the wake-up brings it back
        _until(lambda: _filed("P3"), "P3 filed")
    finally:
        os.close(wake.write_fd)  # the listeners' end: the filer's last pass, then it ends
    assert _ended(filer, log) == 0, log.read_text()
    assert _filed("P1", "P2", "P3") and LabOrder.objects.count() == 3


def test_when_the_listeners_are_gone_it_files_what_waits_then_ends(env: dict[str, str], tmp_path: Path) -> None:
    wake, log, filer = _woken_only(env, tmp_path)
    try:
        _accept("E1", "E2", "E3")  # nobody wakes it
    finally:
        os.close(wake.write_fd)
    assert _ended(filer, log) == 0, log.read_text()
    assert _filed("E1", "E2", "E3")


@pytest.mark.parametrize("woken", [True, False])
def test_sigterm_ends_it_with_exit_status_0(env: dict[str, str], tmp_path: Path, woken: bool) -> None:
    wake = Wake() if woken else None
    log = tmp_path / "filer.log"
    argv = ["-m", "clinicdesk.cli", "hl7_filer", f"--wake-fd={wake.read_fd}" if wake else "--interval=0.05"]
    filer = _filer(argv, env, log, (wake.read_fd,) if wake else ())
    if wake is not None:
        os.close(wake.read_fd)
    try:
        _accept("T1", notify=wake.notify if wake else None)
        _until(lambda: _filed("T1"), "T1 filed")  # it runs its loop: its SIGTERM handler is in place
        filer.send_signal(signal.SIGTERM)
        assert _ended(filer, log) == 0, log.read_text()
        assert b"Traceback" not in log.read_bytes()
    finally:
        if filer.poll() is None:
            filer.kill()
            filer.wait()
        if wake is not None:
            os.close(wake.write_fd)


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``: their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
    return found


def _listener(port: int, env: dict[str, str], *flags: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "clinicdesk.cli", "mllp", f"--port={port}", *flags], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        assert process.poll() is None, "the listener died"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    _until(up, "the listener accepting connections")
    return process


def test_file_before_ack_files_each_message_before_its_aa_and_runs_no_filer(env: dict[str, str]) -> None:
    port = _free_port()
    listener = _listener(port, env, "--file-before-ack")
    try:
        client = Client(port)
        try:
            for control_id in ("K1", "K2"):
                assert msa(client.exchange(oru(control_id)))[1:3] == ["AA", control_id]
                assert _filed(control_id)  # at once: filed in the transaction the ACK waited for
        finally:
            client.close()
        assert not any("hl7_filer" in cmdline for cmdline in _children(listener.pid).values())
    finally:
        listener.terminate()
        assert listener.wait(30) == 0


def test_the_listener_runs_a_filer_that_files_behind_the_ack_and_stops_it(env: dict[str, str]) -> None:
    port = _free_port()
    listener = _listener(port, env)
    filers: dict[int, str] = {}
    try:
        client = Client(port)
        try:
            assert msa(client.exchange(oru("L1")))[1:3] == ["AA", "L1"]
        finally:
            client.close()
        _until(lambda: _filed("L1"), "L1 filed behind its ACK")

        def started() -> bool:
            filers.update({p: c for p, c in _children(listener.pid).items() if "hl7_filer" in c})
            return bool(filers)

        _until(started, "the filer among the listener's children")
        assert len(filers) == 1 and "--wake-fd=" in next(iter(filers.values()))
    finally:
        listener.terminate()
        listener.wait(30)
    for pid in filers:  # stopped with the listener, not left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize(("argv", "said"), [(["--interval=0"], "--interval must be"),
                                             (["--wake-fd=987"], "--wake-fd 987 is not an open pipe")])
def test_bad_options_are_refused_with_a_clear_error(argv: list[str], said: str) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=said):
        call_command("hl7_filer", *argv)
