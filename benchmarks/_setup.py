"""Shared start of every benchmark: Django configured on a benchmark database of its own.

Without DATABASE_URL the database is a SQLite file under ``<data dir>/bench/``; with it (PostgreSQL), the
caller chooses a dedicated database (scripts/bench.sh creates them).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def configure(sqlite_name: str) -> None:
    data_dir = Path(os.environ.get("CLINICDESK_DATA_DIR", PROJECT / "var"))
    (data_dir / "bench").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir / 'bench' / sqlite_name}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicdesk.settings")
    import django

    django.setup()
    from clinicdesk.runtime import tune_gc

    tune_gc()  # as `clinicdesk serve` does: measure the server's process settings


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def database_version() -> str:
    """"SQLite 3.40.1" or "PostgreSQL 15.18 (…)", for the report's machine line."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) used so far by process ``pid``; 0 where /proc is unreadable."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend process (0 on SQLite, whose work is
    in our own process). Beside wall-clock figures on a shared machine, client plus backend CPU is the figure
    other people's load does not move much."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return process_cpu(cursor.fetchone()[0])
