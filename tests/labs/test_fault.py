"""Fault test: the listener process is SIGKILLed in the middle of a stream, restarted, and the sender resends
whatever it has no ACK for. Every acknowledged message must be stored, and none twice, and filed (by the filer
behind the ACKs) exactly once.

The listener is the real ``clinicdesk mllp`` command in a subprocess, on the test database (committed data:
the test is transactional), so the kill can land anywhere: between commit and ACK, mid-transaction, mid-read.
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
from urllib.parse import quote

import pytest
from django.db import connection

from clinicdesk.labs.models import InboundMessage, InboundStatus, LabOrder
from clinicdesk.practice.models import Organization
from tests.labs.conftest import Client, msa, oru

COUNT = 50
KILL_AFTER = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "clinicdesk.cli", "mllp", f"--port={port}"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "listener died") from None
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_killed_mid_stream_every_acknowledged_message_is_stored_once(tmp_path: Path) -> None:
    env = {**os.environ, "CLINICDESK_DATA_DIR": str(tmp_path), "DATABASE_URL": _database_url()}
    Organization.objects.create(name="Lakeside Family Practice", timezone="America/Chicago", mrn_prefix="LS")
    port = _free_port()
    ids = [f"F{n:04d}" for n in range(COUNT)]
    acked: dict[str, bytes] = {}

    process = _start(port, env)
    try:
        sender = Client(port)
        sender.send(*(oru(i) for i in ids))  # the whole stream at once: the listener is busy when it dies
        try:
            while True:
                ack = sender.reader.next_frame()
                if ack is None:
                    break
                assert msa(ack)[1] == "AA"
                acked[msa(ack)[2]] = ack
                if len(acked) == KILL_AFTER:
                    process.send_signal(signal.SIGKILL)
        except OSError:
            pass  # reset by the dying listener
        sender.close()
        process.wait(10)
        assert KILL_AFTER <= len(acked) < COUNT, "the kill did not land mid-stream"
        assert set(acked) == set(ids[:len(acked)])  # in order

        process = _start(port, env)
        sender = Client(port)
        for i in ids:
            if i not in acked:
                ack = sender.exchange(oru(i))
                assert msa(ack)[1:3] == ["AA", i]
                acked[i] = ack
        sender.close()
        # A resend of one acknowledged before the kill still gets that same ACK and no second row.
        again = Client(port)
        assert again.exchange(oru(ids[0])) == acked[ids[0]]
        again.close()
        # Filed behind the ACKs, those acknowledged before the kill included, by the restarted listener's filer.
        deadline = time.monotonic() + 60
        while InboundMessage.objects.exclude(status=InboundStatus.PROCESSED).exists():
            assert time.monotonic() < deadline, "acknowledged messages were not all filed"
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)

    stored = Counter(InboundMessage.objects.values_list("control_id", flat=True))
    assert set(stored) == set(ids) == set(acked)
    assert max(stored.values()) == 1
    assert Counter(LabOrder.objects.values_list("inbound__control_id", flat=True)) == dict.fromkeys(ids, 1)
