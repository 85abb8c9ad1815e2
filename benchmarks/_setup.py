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
