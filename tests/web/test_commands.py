"""The console commands: serve answers HTTP; createtoken prints a working bearer token."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from clinicdesk.staff.services import token_authenticate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_createtoken_prints_a_token_that_authenticates_as_the_user(frontdesk: Any) -> None:
    out = StringIO()
    call_command("createtoken", frontdesk.username, stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("cd_")
    assert token_authenticate(secret) == frontdesk


def test_createtoken_refuses_unknown_users_and_users_without_api_access(no_role_user: Any) -> None:
    with pytest.raises(CommandError, match="No user named"):
        call_command("createtoken", "nobody")
    with pytest.raises(CommandError, match="no role that may use the API"):
        call_command("createtoken", no_role_user.username)


def test_serve_answers_http_on_the_given_port(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CLINICDESK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "clinicdesk.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    assert b'"ok"' in response.read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert b"Log in" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
