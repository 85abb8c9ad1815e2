"""``clinicdesk serve --mllp-port`` runs the listener beside the web server and stops it with the server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.labs.conftest import Client, msa, oru


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_and_stops_the_mllp_listener(tmp_path: Path) -> None:
    env = {**os.environ, "CLINICDESK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "clinicdesk.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    web, mllp = _free_port(), _free_port()
    server = subprocess.Popen([*cli, "serve", f"--port={web}", f"--mllp-port={mllp}", "--no-worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = Client(mllp)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert msa(client.exchange(oru("S1")))[1:3] == ["AA", "S1"]
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    time.sleep(0.5)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", mllp)) != 0  # the listener went with the server


def test_serve_passes_the_number_of_listener_processes_on() -> None:
    from clinicdesk.web.management.commands.serve import mllp_argv

    assert "--processes=3" in mllp_argv("127.0.0.1", 2575, 3)
    assert not any(arg.startswith("--processes") for arg in mllp_argv("127.0.0.1", 2575))
