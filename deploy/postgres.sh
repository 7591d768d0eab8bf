#!/bin/sh
# A PostgreSQL cluster of its own for MLP Lab, from Debian's `postgresql` package
# (binaries in /usr/lib/postgresql/<version>/bin, the newest found), listening only on
# 127.0.0.1. Used by deploy/run_local.sh, .ci/run and the database tests.
#
#   deploy/postgres.sh start DIR [PORT]   create the cluster in DIR if new, start it
#                                         (PORT, or the one it used before, or a free
#                                         one), and print the app's database URL
#   deploy/postgres.sh url DIR            print the URL of the cluster in DIR
#   deploy/postgres.sh status DIR         exit 0 when it runs, 3 when it does not
#   deploy/postgres.sh stop DIR           stop it (the data stays, for the next start)
#   deploy/postgres.sh remove DIR         stop it and delete its data
#
# The URL (postgresql+psycopg://ROLE[:PASSWORD]@127.0.0.1:PORT/DB, also kept in DIR/url)
# is the only line on stdout; progress goes to stderr. Environment:
#   PG_ROLE, PG_DB       the app's role and database (both mlp_lab by default); the
#                        role owns the database and may create databases (tests do)
#   PG_PASSWORD          empty (default): loopback connections are trusted (a throwaway
#                        cluster on a machine you own); set: password auth (scram) for
#                        every role, and the URL carries it
#   PG_OS_USER           the unprivileged user the server runs as when this script runs
#                        as root (PostgreSQL refuses root); default postgres
#   PG_BIN               the folder of initdb/pg_ctl/psql, instead of the glob
#   PYTHON               finds a free port (python3)
set -eu

usage() {
    echo "usage: $0 start DIR [PORT] | url DIR | status DIR | stop DIR | remove DIR" >&2
    exit 2
}
say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 2 ] || usage
CMD=$1
DIR=$2
[ "$CMD" != start ] || mkdir -p "$DIR"
[ -d "$DIR" ] || { echo "postgres.sh: no folder $DIR" >&2; exit 1; }
DIR=$(cd "$DIR" && pwd)
PORT_ARG=${3:-}
PG_ROLE=${PG_ROLE:-mlp_lab}
PG_DB=${PG_DB:-mlp_lab}
PG_PASSWORD=${PG_PASSWORD:-}
PG_OS_USER=${PG_OS_USER:-postgres}
PYTHON=${PYTHON:-python3}

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    # The newest major version installed (ls -d sorts 9.6 after 15: sort -V does not).
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$found" ] && [ -x "$found/initdb" ] || die "PostgreSQL is not installed \
(no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or set PG_BIN"
    echo "$found"
}

# Run a command as the server's owner: ourselves, or PG_OS_USER when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# The cluster's data folder: DIR/data, or (root, and PG_OS_USER cannot reach DIR, as
# under pytest's 0700 /tmp/pytest-of-root or root's 0700 home) a folder of its own
# under /var/tmp (kept across reboots, unlike /tmp) named in DIR/pgdata, so no folder of
# the caller has its permissions changed.
data_dir() {
    if [ -f "$DIR/pgdata" ]; then
        cat "$DIR/pgdata"
    else
        echo "$DIR/data"
    fi
}

make_data_dir() {
    mkdir -p "$DIR"
    if [ "$(id -u)" -ne 0 ]; then
        echo "$DIR/data"
        return
    fi
    id "$PG_OS_USER" >/dev/null 2>&1 || die "user $PG_OS_USER does not exist: \
PostgreSQL refuses to run as root; set PG_OS_USER to an unprivileged user"
    if as_owner test -x "$DIR" 2>/dev/null; then
        mkdir -p "$DIR/data"
        chown "$PG_OS_USER" "$DIR/data"
        echo "$DIR/data"
    else
        outside=$(mktemp -d /var/tmp/mlp-lab-pgdata.XXXXXX)
        chown "$PG_OS_USER" "$outside"
        echo "$outside" >"$DIR/pgdata"
        echo "$outside"
    fi
}

free_port() {
    "$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url_of() {
    port=$1
    auth=$PG_ROLE
    if [ -n "$PG_PASSWORD" ]; then
        quoted=$("$PYTHON" -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_PASSWORD")
        auth="$PG_ROLE:$quoted"
    fi
    echo "postgresql+psycopg://$auth@127.0.0.1:$port/$PG_DB"
}

running() {
    pgdata=$(data_dir)
    [ -f "$pgdata/PG_VERSION" ] || return 1
    as_owner "$BIN/pg_ctl" status -D "$pgdata" >/dev/null 2>&1
}

init_cluster() {
    pgdata=$1
    pwopt=""
    method=trust
    if [ -n "$PG_PASSWORD" ]; then
        method=scram-sha-256
        pwfile=$(as_owner mktemp)
        printf '%s\n' "$PG_PASSWORD" | as_owner tee "$pwfile" >/dev/null
        pwopt="--pwfile=$pwfile"
    fi
    # The superuser is named postgres whoever runs it; unix sockets are off (TCP only,
    # loopback), so no socket folder needs to exist or be writable.
    # shellcheck disable=SC2086
    as_owner "$BIN/initdb" -D "$pgdata" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=reject --auth-host="$method" $pwopt >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; die "initdb failed in $pgdata"; }
    [ -z "$pwopt" ] || as_owner rm -f "$pwfile"
    # Only loopback TCP: the app's role and the superuser, nothing else.
    as_owner sh -c "printf '%s\n' \
        'host all all 127.0.0.1/32 $method' 'host all all ::1/128 $method' \
        >'$pgdata/pg_hba.conf'"
    as_owner sh -c "cat >>'$pgdata/postgresql.conf'" <<EOF
# deploy/postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
EOF
}

psql_super() {
    PGPASSWORD=$PG_PASSWORD "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$1" -U postgres -d postgres -tA -c "$2"
}

ensure_app_role() {
    port=$1
    exists=$(psql_super "$port" "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")
    if [ "$exists" != 1 ]; then
        pw=""
        [ -z "$PG_PASSWORD" ] || pw=" PASSWORD '$(printf '%s' "$PG_PASSWORD" | sed "s/'/''/g")'"
        psql_super "$port" "CREATE ROLE \"$PG_ROLE\" LOGIN CREATEDB$pw"
    fi
    exists=$(psql_super "$port" "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")
    [ "$exists" = 1 ] || psql_super "$port" "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_ROLE\""
}

check_names() {
    for name in "$PG_ROLE" "$PG_DB"; do
        case "$name" in
            *[!a-z0-9_]* | "" | [0-9]*) die "PG_ROLE and PG_DB must be lower-case \
letters, digits and _ (not starting with a digit); got '$name'" ;;
        esac
    done
}

check_port() {
    case "$1" in *[!0-9]* | "") die "PORT must be a number from 1 to 65535 (got '$1')" ;; esac
    [ "$1" -ge 1 ] && [ "$1" -le 65535 ] || die "PORT must be a number from 1 to 65535 (got '$1')"
}

server_start() {
    # The log lives beside the data so the unprivileged owner can write it.
    as_owner "$BIN/pg_ctl" start -D "$1" -w -t 60 -l "$1/server.log" -o "-p $2" \
        >/dev/null 2>&1
}

start() {
    check_names
    [ -z "$PORT_ARG" ] || check_port "$PORT_ARG"
    pgdata=$(data_dir)
    if running; then
        url=$(cat "$DIR/url")
        say "already running ($pgdata)"
        echo "$url"
        return
    fi
    [ -f "$pgdata/PG_VERSION" ] || { pgdata=$(make_data_dir); init_cluster "$pgdata"; }
    port=$PORT_ARG
    [ -n "$port" ] || port=$(cat "$DIR/port" 2>/dev/null || true)
    [ -n "$port" ] || port=$(free_port)
    check_port "$port"
    # A port kept from an earlier start may be taken now: then a free one, unless the
    # caller named the port.
    tries=3
    until server_start "$pgdata" "$port"; do
        tries=$((tries - 1))
        if [ -n "$PORT_ARG" ] || [ "$tries" -le 0 ]; then
            tail -n 5 "$pgdata/server.log" >&2 2>/dev/null || true
            die "the server did not start on 127.0.0.1:$port (log: $pgdata/server.log)"
        fi
        port=$(free_port)
    done
    echo "$port" >"$DIR/port"
    ensure_app_role "$port"
    url=$(url_of "$port")
    echo "$url" >"$DIR/url"
    chmod 600 "$DIR/url"
    say "running on 127.0.0.1:$port (data: $pgdata; stop: $0 stop $DIR)"
    echo "$url"
}

stop() {
    pgdata=$(data_dir)
    if running; then
        as_owner "$BIN/pg_ctl" stop -D "$pgdata" -m fast -w -t 60 >/dev/null
        say "stopped ($pgdata)"
    fi
}

BIN=$(find_bin)
case "$CMD" in
    start) start ;;
    url) [ -f "$DIR/url" ] || die "no cluster started in $DIR"; cat "$DIR/url" ;;
    status) if running; then exit 0; else exit 3; fi ;;
    stop) stop ;;
    remove)
        stop
        pgdata=$(data_dir)
        rm -rf "$pgdata"
        rm -rf "$DIR/data" "$DIR/pgdata" "$DIR/port" "$DIR/url" "$DIR/initdb.log"
        ;;
    *) usage ;;
esac
