#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the service's tests: Debian's `postgresql`
# (installed if missing), a cluster of its own in a temporary folder, trust authentication on
# 127.0.0.1 only. Prints the admin URL the tests read from PILOTZONE_TEST_POSTGRES.
#   eval "$(bash scripts/postgres-test-server.sh start)"   # exports the URL
#   bash scripts/postgres-test-server.sh stop
set -euo pipefail
port=${PILOTZONE_PG_PORT:-54329}
dir=/tmp/pilotzone-pg-$port
run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "${1:-start}" in
  start)
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    if [ ! -f "$dir/PG_VERSION" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      run_as_postgres "$bin/initdb -D $dir -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
    fi
    if ! run_as_postgres "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
      run_as_postgres "$bin/pg_ctl -D $dir -l $dir/log -w -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on\" start" >/dev/null
    fi
    echo "export PILOTZONE_TEST_POSTGRES=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    run_as_postgres "$bin/pg_ctl -D $dir -m fast stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
