#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on 127.0.0.1 for the tests and prints
# the connection string. Installs Debian's postgresql when it is missing.
set -euo pipefail
PORT="${PGPORT_CI:-55432}"
# Take the first free port from there (a developer may already run one).
for _ in $(seq 1 20); do
  if [ -z "$(ss -ltnH "sport = :$PORT" 2>/dev/null)" ]; then break; fi
  PORT=$((PORT + 1))
done
DATA="$(mktemp -d /tmp/ci-postgres.XXXXXX)"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

chown postgres:postgres "$DATA"
run() { runuser -u postgres -- "$@"; }
run "$bindir/initdb" -D "$DATA/db" -U postgres --auth=trust -E UTF8 >&2
run "$bindir/pg_ctl" -D "$DATA/db" -l "$DATA/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c max_connections=300 -c fsync=off" start >&2
echo "postgresql://postgres@127.0.0.1:$PORT"
