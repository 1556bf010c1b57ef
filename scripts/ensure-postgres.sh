#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries are on this machine so the tests can start a
# throw-away cluster on a loopback port (the fixtures do initdb/pg_ctl themselves).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing PostgreSQL from Debian packages (for the Postgres half of the tests)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
else
  echo "note: PostgreSQL server not installed and not root: Postgres tests will be skipped." >&2
fi
