#!/usr/bin/env bash
# System packages the full suite needs: a PostgreSQL server, Chromium and Redis (Debian packages).
# As root they are installed; otherwise we say what is missing. Under CI=true missing is an error.
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
command -v redis-server >/dev/null || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
  exit 0
fi
echo "Missing system packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})" >&2
if [ "${CI:-}" = "true" ]; then exit 1; fi
echo "PostgreSQL, Redis and browser tests will be skipped." >&2
