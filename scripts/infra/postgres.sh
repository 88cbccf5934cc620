#!/bin/bash
# A throwaway PostgreSQL cluster in one directory, on a free loopback port, for the provider's
# scale-out state backend (tests, benchmarks, the local cluster). Not the system's cluster: its own
# data dir, socket dir and port; password (SCRAM) auth on 127.0.0.1 only.
#
#   scripts/infra/postgres.sh start [dir]   provisions Debian's postgresql if missing (root), runs
#                                           initdb + pg_ctl start, prints PEKANU_DATABASE_URL
#                                           (also written to <dir>/env, mode 600)
#   scripts/infra/postgres.sh stop [dir]    stops it and deletes <dir>
#
# dir defaults to $POSTGRES_DIR or ./.data/postgres. PG_THROWAWAY=1 turns fsync off (test runs only). As root the server runs as the `postgres`
# user (initdb refuses root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cmd=${1:-}
BASE=$(realpath -m "${2:-${POSTGRES_DIR:-$PWD/.data/postgres}}")


bindir() {
  local pg_config
  pg_config=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  echo "$pg_config"
}

provision() {
  if [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]; then return; fi
  echo "# installing postgresql (Debian)" >&2
  # Only the binaries: no system-wide "main" cluster started on 5432 (this script runs its own).
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/pekanu-no-main-cluster.conf
  apt_install postgresql
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}


start() {
  provision
  [ -e "$BASE" ] && { echo "$BASE exists: run '$0 stop $BASE' first" >&2; exit 1; }
  local bin port password
  bin=$(bindir)
  port=${PG_PORT:-$(free_port)}
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  mkdir -p "$BASE/run"
  umask 077
  printf '%s\n' "$password" > "$BASE/pwfile"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$BASE"
  as_owner "$bin/initdb" -D "$BASE/data" -U pekanu --auth=scram-sha-256 --pwfile="$BASE/pwfile" -E UTF8 --locale=C.UTF-8 >"$BASE/initdb.log" 2>&1 \
    || { cat "$BASE/initdb.log" >&2; exit 1; }
  rm -f "$BASE/pwfile"
  cat >> "$BASE/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$BASE/run'
max_connections = 100
shared_buffers = 64MB
fsync = on
CONF
  # PG_THROWAWAY=1 (the test suites): a database nobody needs after a crash, so no waiting on the disk.
  if [ "${PG_THROWAWAY:-0}" = 1 ]; then
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >> "$BASE/data/postgresql.conf"
  fi
  as_owner "$bin/pg_ctl" -D "$BASE/data" -l "$BASE/server.log" -w -t 60 start >/dev/null
  PGPASSWORD=$password "$bin/psql" -h 127.0.0.1 -p "$port" -U pekanu -d postgres -qAt -c "CREATE DATABASE pekanu" >/dev/null
  local url="postgres://pekanu:$password@127.0.0.1:$port/pekanu"
  printf 'PEKANU_DATABASE_URL=%s\n' "$url" > "$BASE/env"
  [ "$(id -u)" = 0 ] && chown root: "$BASE/env"
  cat "$BASE/env"
}

stop() {
  local bin
  bin=$(bindir)
  if [ -d "$BASE/data" ] && [ -n "$bin" ]; then as_owner "$bin/pg_ctl" -D "$BASE/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$BASE"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [dir]" >&2; exit 2 ;;
esac
