#!/usr/bin/env bash
# The whole test suite on SQLite, then on PostgreSQL (a private server started here).
# Usage: scripts/test-all.sh [sqlite] [postgres]   (default: both)
set -uo pipefail
cd "$(dirname "$0")/.."
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(sqlite postgres)
pytest=(.venv/bin/pytest -n 2 -p no:cacheprovider)
status=0
for target in "${targets[@]}"; do
  case "$target" in
  sqlite)
    echo "== tests on SQLite"
    env -u DATABASE_URL "${pytest[@]}" || status=1
    ;;
  postgres)
    if url=$(scripts/pg-server.sh start); then
      echo "== tests on PostgreSQL"
      DATABASE_URL="$url" "${pytest[@]}" || status=1
    elif [ "${CI:-}" = "true" ]; then
      echo "PostgreSQL could not be started, and CI skips nothing." >&2; status=1
    else
      echo "== PostgreSQL tests skipped: no PostgreSQL server here (see scripts/system-deps.sh)" >&2
    fi
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
  esac
done
exit $status
