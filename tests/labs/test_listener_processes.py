"""``clinicdesk mllp --processes 2``: two listener processes on one port (SO_REUSEPORT, Linux) both take
connections, every message is stored once, a listener that dies is replaced, and stopping the command stops both.

The real command in a subprocess on the test database (committed data: the test is transactional), as in
test_fault.py. Which process holds a connection is read from /proc: its sockets against the port's connections.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from clinicdesk.labs.models import InboundMessage
from tests.labs.conftest import Client, msa, oru
from tests.labs.test_fault import _database_url, _free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"),
                                reason="SO_REUSEPORT and /proc: Linux")
CONNECTIONS = 16


def _children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _established_on(port: int) -> set[str]:
    """Inodes of the established TCP sockets whose local port is ``port`` (the listener's side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _exchange(port: int, control_id: str, attempts: int = 20) -> bytes:
    """Send one message and wait for its ACK; on a closed connection send it again, as a lab does."""
    for _ in range(attempts):
        client = None
        try:
            client = Client(port)
            client.send(oru(control_id))
            ack = client.reader.next_frame()
            if ack is not None:
                return ack
        except OSError:
            pass
        finally:
            if client is not None:
                client.close()
        time.sleep(0.2)
    raise AssertionError(f"no ACK for {control_id}")


def _start(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "clinicdesk.cli", "mllp", f"--port={port}", "--processes=2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # written once both listeners listen
    if "listening" not in line:
        process.kill()
        raise AssertionError(line + (process.stderr.read() if process.stderr else ""))
    return process


@pytest.mark.django_db(transaction=True)
def test_two_listener_processes_share_the_port_and_store_every_message_once(tmp_path: Path) -> None:
    env = {**os.environ, "CLINICDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": _database_url(),
           "CLINICDESK_LOG_LEVEL": "WARNING"}
    port = _free_port()
    process = _start(port, env)
    try:
        children = _children(process.pid)
        assert len(children) == 2
        clients = [Client(port) for _ in range(CONNECTIONS)]
        try:
            for n, client in enumerate(clients):
                assert msa(client.exchange(oru(f"MP{n:03d}")))[1:3] == ["AA", f"MP{n:03d}"]
            for n, client in enumerate(clients):  # a second message on each: the connections stay served
                assert msa(client.exchange(oru(f"MQ{n:03d}")))[1:3] == ["AA", f"MQ{n:03d}"]
            held = _established_on(port)
            served = {pid: len(_socket_inodes(pid) & held) for pid in children}
            assert sum(served.values()) == CONNECTIONS
            assert all(served.values()), f"one process took every connection: {served}"  # 2 ** -15 by chance
        finally:
            for client in clients:
                client.close()

        # A listener that dies is replaced; meanwhile the other one serves, and resends are stored once.
        os.kill(min(children), signal.SIGKILL)
        for n in range(8):
            assert msa(_exchange(port, f"MR{n:03d}"))[1:3] == ["AA", f"MR{n:03d}"]
        deadline = time.monotonic() + 10
        while len(_children(process.pid) - {min(children)}) < 2:
            assert time.monotonic() < deadline, "the dead listener was not replaced"
            time.sleep(0.1)
        assert msa(_exchange(port, "MP000"))[1:3] == ["AA", "MP000"]  # a resend: the same answer, no new row
    finally:
        process.terminate()
        process.wait(20)
    assert process.returncode == 0
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # both listeners went with the command
    ids = [f"{prefix}{n:03d}" for prefix in ("MP", "MQ") for n in range(CONNECTIONS)] + [f"MR{n:03d}" for n in
                                                                                         range(8)]
    stored = Counter(InboundMessage.objects.values_list("control_id", flat=True))
    assert set(stored) == set(ids)
    assert max(stored.values()) == 1
