#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for tests and benchmarks, on 127.0.0.1:${CLINICDESK_PG_PORT:-55432}.
#   scripts/pg-server.sh start   -> prints the DATABASE_URL to use
#   scripts/pg-server.sh stop
set -euo pipefail
port=${CLINICDESK_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server is not installed (apt-get install postgresql)" >&2; exit 1; }
dir=${TMPDIR:-/tmp}/clinicdesk-pg-$port
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
start)
  if [ ! -s "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! run "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    run "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  fi
  run "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='clinicdesk'" \
    | grep -q 1 || run "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE ROLE clinicdesk LOGIN SUPERUSER"
  run "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='clinicdesk'" \
    | grep -q 1 || run "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE clinicdesk OWNER clinicdesk"
  echo "postgres://clinicdesk@127.0.0.1:$port/clinicdesk"
  ;;
stop)
  run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
