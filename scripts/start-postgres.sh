#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests (Debian's postgresql package, installed when
# missing) on 127.0.0.1 and prints its connection URL on the last line. Idempotent: a server already
# running from an earlier call is reused. Stop it with: scripts/start-postgres.sh --stop
set -euo pipefail
PGROOT="${IFAS_PG_DIR:-${TMPDIR:-/tmp}/ifas-test-postgres}"
PORT="${IFAS_PG_PORT:-55432}"
URL="postgres://ifas@127.0.0.1:${PORT}/postgres"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
  echo "installing PostgreSQL from Debian's archive" >&2
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(find_bin)"
fi

# PostgreSQL refuses to run as root; as root, run it as the package's postgres user.
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi

if [ "${1:-}" = "--stop" ]; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$PGROOT/data" -m fast stop >&2 || true
  exit 0
fi

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  echo "$URL"
  exit 0
fi

mkdir -p "$PGROOT"
if [ "$(id -u)" = 0 ]; then chown postgres "$PGROOT"; fi
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
  "${AS[@]}" "$BIN/initdb" -D "$PGROOT/data" -U ifas --auth=trust -E UTF8 --no-locale >"$PGROOT/initdb.log" 2>&1 \
    || { cat "$PGROOT/initdb.log" >&2; exit 1; }
fi
"${AS[@]}" "$BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PGROOT -c fsync=on -c synchronous_commit=on" start >&2 \
  || { cat "$PGROOT/server.log" >&2; exit 1; }
echo "$URL"
