#!/usr/bin/env bash
# The benchmarks, on SQLite and then on PostgreSQL (a private server started here).
# Each benchmark loads its data (100,000 patients; 500,000 appointments) once and reuses it on later runs.
# Usage: scripts/bench.sh [sqlite] [postgres]   (default: both); extra options via BENCH_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(sqlite postgres)
read -r -a args <<< "${BENCH_ARGS:-}"
for target in "${targets[@]}"; do
  case "$target" in
  sqlite)
    echo "== patient search on SQLite"
    env -u DATABASE_URL .venv/bin/python benchmarks/patient_search.py "${args[@]}"
    echo "== find available on SQLite (loads the 500,000-appointment practice once)"
    env -u DATABASE_URL .venv/bin/python benchmarks/find_available.py
    echo "== day view on SQLite"
    env -u DATABASE_URL .venv/bin/python benchmarks/day_view.py
    echo "== reminders: sweep and deliver 10,000 e-mails with 2 workers, on SQLite"
    env -u DATABASE_URL .venv/bin/python benchmarks/reminders.py
    echo "== HL7 v2 intake over MLLP (1 and 4 senders) beside python-hl7's bare parse rate, on SQLite"
    env -u DATABASE_URL .venv/bin/python benchmarks/hl7_intake.py
    ;;
  postgres)
    url=$(scripts/pg-server.sh start)
    port=${url##*:}; port=${port%%/*}
    psql=(psql -h 127.0.0.1 -p "$port" -U postgres -tA)
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='clinicdesk_bench'" | grep -q 1 \
      || "${psql[@]}" -q -c "CREATE DATABASE clinicdesk_bench OWNER clinicdesk"
    echo "== patient search on PostgreSQL"
    DATABASE_URL="${url%/clinicdesk}/clinicdesk_bench" .venv/bin/python benchmarks/patient_search.py "${args[@]}"
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='clinicdesk_bench_sched'" | grep -q 1 \
      || "${psql[@]}" -q -c "CREATE DATABASE clinicdesk_bench_sched OWNER clinicdesk"
    sched="${url%/clinicdesk}/clinicdesk_bench_sched"
    echo "== find available on PostgreSQL"
    DATABASE_URL="$sched" .venv/bin/python benchmarks/find_available.py
    echo "== day view on PostgreSQL"
    DATABASE_URL="$sched" .venv/bin/python benchmarks/day_view.py
    echo "== booking throughput on PostgreSQL"
    DATABASE_URL="$sched" .venv/bin/python benchmarks/booking_throughput.py
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='clinicdesk_bench_msg'" | grep -q 1 \
      || "${psql[@]}" -q -c "CREATE DATABASE clinicdesk_bench_msg OWNER clinicdesk"
    echo "== reminders: sweep and deliver 10,000 e-mails with 2 workers, on PostgreSQL"
    DATABASE_URL="${url%/clinicdesk}/clinicdesk_bench_msg" .venv/bin/python benchmarks/reminders.py
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='clinicdesk_bench_hl7'" | grep -q 1 \
      || "${psql[@]}" -q -c "CREATE DATABASE clinicdesk_bench_hl7 OWNER clinicdesk"
    echo "== HL7 v2 intake over MLLP (1 and 4 senders) beside python-hl7's bare parse rate, on PostgreSQL"
    DATABASE_URL="${url%/clinicdesk}/clinicdesk_bench_hl7" .venv/bin/python benchmarks/hl7_intake.py
    ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
  esac
done
