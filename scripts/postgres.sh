#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests, listening only on a Unix socket.
#
#   scripts/postgres.sh start DIR   # prints the SQLAlchemy URL as the last stdout line
#   scripts/postgres.sh stop DIR    # stops the server and removes DIR
#
# DIR layout: DIR/data (PGDATA), DIR/socket (Unix socket), DIR/postgres.log.
# Installs Debian's PostgreSQL server when missing. Port: $SUNSET_PG_PORT (default 55432);
# with listen_addresses='' it only names the socket file, so several servers can coexist.
set -euo pipefail

PORT="${SUNSET_PG_PORT:-55432}"
MARKER=.sunset-pg

say() { printf '[postgres] %s\n' "$*" >&2; }
die() { printf '[postgres] ERROR: %s\n' "$*" >&2; exit 1; }
usage() { die "usage: $0 start|stop DIR"; }

find_bin() {
    local ctl
    ctl=$(printf '%s\n' /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)
    [[ -x "$ctl" ]] && dirname "$ctl"
}

ensure_installed() {
    PG_BIN=$(find_bin || true)
    if [[ -z "$PG_BIN" ]]; then
        [[ $(id -u) -eq 0 ]] || die "PostgreSQL server not installed and not root: apt-get install postgresql"
        say "installing Debian's postgresql (apt-get)…"
        local t0=$SECONDS
        apt-get update -qq || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
            || die "apt-get install postgresql failed"
        say "installed in $((SECONDS - t0)) s"
        PG_BIN=$(find_bin || true)
        [[ -n "$PG_BIN" ]] || die "no /usr/lib/postgresql/*/bin/pg_ctl after installing postgresql"
    fi
}

# Run a command as the postgres user when we are root (initdb/postgres refuse to run as root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

start() {
    local dir=$1
    ensure_installed
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    if [[ ! -e "$dir/$MARKER" && -n "$(ls -A "$dir")" ]]; then
        die "$dir is not empty and was not made by this script; refusing to use it"
    fi
    touch "$dir/$MARKER"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir" "$dir/$MARKER"
        chmod 755 "$dir"
        runuser -u postgres -- test -w "$dir" \
            || die "user postgres cannot write to $dir (a parent lacks o+x?); use a dir under /tmp"
    fi
    local data="$dir/data" sock="$dir/socket" log="$dir/postgres.log"

    if [[ ! -f "$data/PG_VERSION" ]]; then
        local t0=$SECONDS
        say "initdb $data ($("$PG_BIN/postgres" --version))"
        as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 \
            >"$dir/initdb.log" 2>&1 \
        || { rm -rf "$data"
             say "initdb with C.UTF-8 failed, retrying with --locale=C"
             as_pg "$PG_BIN/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C \
                 >"$dir/initdb.log" 2>&1; } \
        || { cat "$dir/initdb.log" >&2; die "initdb failed (log above: $dir/initdb.log)"; }
        say "initdb took $((SECONDS - t0)) s"
    fi
    as_pg mkdir -p "$sock"

    if as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "already running in $data"
    else
        local opts="-k $sock -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
        opts+=" -c full_page_writes=off -c max_connections=200"
        opts+=" -c max_prepared_transactions=64"
        as_pg "$PG_BIN/pg_ctl" -w -t 60 -D "$data" -l "$log" -o "$opts" start >/dev/null \
            || { tail -n 30 "$log" >&2 || true; die "pg_ctl start failed (log above: $log)"; }
        say "started on $sock (port $PORT)"
    fi
    echo "postgresql+psycopg://postgres@/postgres?host=$sock&port=$PORT"
}

stop() {
    local dir=$1
    if [[ ! -d "$dir" ]]; then
        say "$dir does not exist; nothing to stop"
        return 0
    fi
    [[ -e "$dir/$MARKER" ]] || die "$dir was not made by this script ($MARKER missing); not touching it"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        PG_BIN=$(find_bin || true)
        [[ -n "$PG_BIN" ]] || die "pg_ctl not found; cannot stop the server in $dir/data"
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null \
            || die "pg_ctl stop failed for $dir/data (see $dir/postgres.log)"
        say "stopped"
    fi
    rm -rf "$dir"
}

[[ $# -eq 2 && -n "$2" ]] || usage
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
