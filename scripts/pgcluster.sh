#!/usr/bin/env bash
# pgcluster.sh — a private, throw-away PostgreSQL cluster for avatarbot's tests.
#
#   pgcluster.sh start   DIR   create (if needed) and start the cluster; print its URL
#   pgcluster.sh stop    DIR   stop it (fast shutdown); no-op when not running
#   pgcluster.sh crash   DIR   stop it as a crash would (immediate: WAL not yet written is lost)
#   pgcluster.sh url     DIR   print the URL of the cluster (exit 1 if never started)
#   pgcluster.sh status  DIR   exit 0 when running, 3 when not
#   pgcluster.sh destroy DIR   stop it and delete all its files
#
# The cluster lives in DIR/data (DIR is e.g. build/pg), listens only on 127.0.0.1 on a
# free port, keeps its Unix socket inside DIR, trusts local and 127.0.0.1 connections and
# allows 200 connections. `start` creates the superuser role `avatarbot` and the database
# `avatarbot`, then prints `postgresql://avatarbot@127.0.0.1:PORT/avatarbot` on stdout and
# writes it to DIR/url. It is idempotent: on a running cluster it only prints the URL.
#
# Environment:
#   PGCLUSTER_FAST=1   fsync=off, synchronous_commit=off, full_page_writes=off (tests only)
#   PG_BINDIR          directory with initdb/pg_ctl (default: newest /usr/lib/postgresql/N/bin)
#
# initdb and postgres refuse to run as root: when run by root, the server runs as the
# `postgres` system user (created if missing) and DIR is chowned to it. If that user cannot
# reach DIR (e.g. DIR is under /root), the cluster's files go to /var/tmp/avatarbot-pg-<hash>
# and DIR keeps only url/port/lock files. Progress messages go to stderr; stdout carries
# only the URL.
set -euo pipefail

PROG=$(basename "$0")
die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

usage() {
    echo "usage: $PROG start|stop|crash|url|status|destroy DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
CMD=$1
DIR_ARG=$2

mkdir -p "$DIR_ARG"
DIR=$(cd "$DIR_ARG" && pwd -P)

# Serialise commands that change the cluster (several test processes may start it at once).
case "$CMD" in
    start|stop|destroy)
        exec 9>"$DIR/start.lock"
        flock 9
        ;;
esac

# ---------------------------------------------------------------------------------------
# PostgreSQL binaries: PG_BINDIR, else the newest version under /usr/lib/postgresql.
find_bindir() {
    local want=${1:-}
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"; return
    fi
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
        echo "/usr/lib/postgresql/$want/bin"; return
    fi
    local best="" v
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/pg_ctl" ] || continue
        v=$(basename "$(dirname "$d")")
        if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n1)" = "$v" ]; then
            best=$v
        fi
    done
    [ -n "$best" ] && { echo "/usr/lib/postgresql/$best/bin"; return; }
    # Not Debian's layout: fall back to whatever is on PATH.
    if command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"; return
    fi
    die "no PostgreSQL server binaries found (install Debian's 'postgresql' package, or set PG_BINDIR)"
}

# ---------------------------------------------------------------------------------------
# Who runs the server. As root: the `postgres` system user.
RUN_AS=()
PGUSER_OS=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    PGUSER_OS=postgres
    if ! getent passwd postgres >/dev/null; then
        note "creating system user 'postgres'"
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
            --shell /bin/bash --comment "PostgreSQL administrator" postgres
    fi
    if command -v runuser >/dev/null 2>&1; then
        RUN_AS=(runuser -u postgres --)
    else
        RUN_AS=(setpriv --reuid=postgres --regid="$(id -g postgres)" --init-groups --)
    fi
fi
# fd 9 holds the start lock: never let it leak into the server (it would keep the lock).
as_pg() { "${RUN_AS[@]}" "$@" 9>&-; }

# Where the cluster's own files live (BASE): DIR itself when the server user can write
# there, else a fallback under /var/tmp named after DIR. Decided once and remembered.
hash_of() { printf '%s' "$1" | sha256sum | cut -c1-12; }
choose_base() {
    if [ -f "$DIR/base" ]; then
        cat "$DIR/base"; return
    fi
    local base=$DIR
    if [ "$(id -u)" -eq 0 ]; then
        chown "$PGUSER_OS": "$DIR" 2>/dev/null || true
        if ! as_pg test -w "$DIR" -a -x "$DIR"; then
            base=/var/tmp/avatarbot-pg-$(hash_of "$DIR")
            note "user $PGUSER_OS cannot reach $DIR; keeping the cluster in $base"
        fi
    fi
    echo "$base" > "$DIR/base"
    echo "$base"
}

BASE=$(choose_base)
DATA=$BASE/data
LOGFILE=$BASE/postgres.log

# The Unix socket path (SOCKDIR/.s.PGSQL.NNNNN) must fit in sun_path (107 bytes).
SOCKDIR=$BASE/sock
if [ $(( ${#SOCKDIR} + 20 )) -gt 100 ]; then
    SOCKDIR=/tmp/avatarbot-pgsock-$(hash_of "$DIR")
fi

url_for_port() { echo "postgresql://avatarbot@127.0.0.1:$1/avatarbot"; }

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# PostgreSQL binds with SO_REUSEADDR, so a port whose last connections are still in TIME_WAIT
# is free for it: check the same way, or a cluster stopped and started again moves to another
# port and its clients (a service under test, with the old URL) never find it again.
port_is_free() {
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

is_running() {
    [ -f "$DATA/PG_VERSION" ] || return 1
    local bindir
    bindir=$(find_bindir "$(cat "$DATA/PG_VERSION")")
    as_pg "$bindir/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# Port the running server actually listens on (line 4 of postmaster.pid).
running_port() {
    sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true
}

# Settings rewritten at every start (included from postgresql.conf).
write_conf() {
    local port=$1 conf=$DATA/avatarbot-test.conf
    {
        echo "# written by scripts/pgcluster.sh at every start"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$SOCKDIR'"
        echo "max_connections = 200"
        echo "shared_buffers = 128MB"
        echo "log_min_messages = warning"
        echo "log_line_prefix = '%m [%p] %d '"
        if [ "${PGCLUSTER_FAST:-0}" = "1" ]; then
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } > "$conf.tmp"
    chown "$PGUSER_OS": "$conf.tmp" 2>/dev/null || true
    mv -f "$conf.tmp" "$conf"
}

write_hba() {
    cat > "$DATA/pg_hba.conf" <<'EOF'
# written by scripts/pgcluster.sh: a private test cluster, trust on loopback only
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
EOF
    chown "$PGUSER_OS": "$DATA/pg_hba.conf" 2>/dev/null || true
}

do_initdb() {
    local bindir=$1
    note "initialising a new cluster in $DATA"
    mkdir -p "$BASE"
    if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS": "$BASE"; fi
    local extra=()
    if [ "${PGCLUSTER_FAST:-0}" = "1" ]; then extra+=(--no-sync); fi
    rm -rf "$DATA.tmp"
    as_pg "$bindir/initdb" -D "$DATA.tmp" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 "${extra[@]}" >"$BASE/initdb.log" 2>&1 \
        || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    # Only a complete cluster gets the final name, so a killed initdb is simply redone.
    mv "$DATA.tmp" "$DATA"
    echo "include_if_exists = 'avatarbot-test.conf'" >> "$DATA/postgresql.conf"
    write_hba
}

# Create the role and database if missing (as the bootstrap superuser, over TCP).
ensure_role_and_db() {
    local bindir=$1 port=$2
    local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres)
    "${psql[@]}" -d postgres >/dev/null <<'EOF'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'avatarbot') THEN
    CREATE ROLE avatarbot LOGIN SUPERUSER;
  END IF;
END
$$;
SELECT 'CREATE DATABASE avatarbot OWNER avatarbot'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'avatarbot')
\gexec
EOF
}

publish_url() {
    local url
    url=$(url_for_port "$1")
    echo "$1" > "$DIR/port"
    echo "$url" > "$DIR/url.tmp"
    mv -f "$DIR/url.tmp" "$DIR/url"
    echo "$url"
}

cmd_start() {
    if is_running; then
        local port
        port=$(running_port)
        [ -n "$port" ] || die "cluster in $DATA is running but its port is unknown"
        publish_url "$port"
        return
    fi

    local bindir
    if [ -f "$DATA/PG_VERSION" ]; then
        bindir=$(find_bindir "$(cat "$DATA/PG_VERSION")")
        local have
        have=$("$bindir/pg_ctl" --version | awk '{print $3}' | cut -d. -f1)
        [ "$have" = "$(cat "$DATA/PG_VERSION")" ] \
            || die "$DATA is a PostgreSQL $(cat "$DATA/PG_VERSION") cluster but $bindir is $have; remove $BASE"
    else
        bindir=$(find_bindir)
        do_initdb "$bindir"
    fi

    mkdir -p "$SOCKDIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown "$PGUSER_OS": "$SOCKDIR"
        chown "$PGUSER_OS": "$BASE" "$DATA"
    fi
    touch "$LOGFILE"
    if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS": "$LOGFILE"; fi

    # Reuse the last port when it is still free; else pick a new one. Another process may
    # grab a port between the check and the bind, so retry a few times.
    local port="" attempt
    [ -f "$DIR/port" ] && port=$(cat "$DIR/port")
    for attempt in 1 2 3 4 5; do
        if [ -z "$port" ] || ! port_is_free "$port"; then
            port=$(free_port)
        fi
        write_conf "$port"
        if as_pg "$bindir/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start >/dev/null 2>&1; then
            ensure_role_and_db "$bindir" "$port"
            publish_url "$port"
            return
        fi
        note "start on port $port failed (attempt $attempt); last log lines:"
        tail -n 5 "$LOGFILE" >&2 || true
        port=""
    done
    die "could not start PostgreSQL in $DATA (see $LOGFILE)"
}

# MODE: fast (a clean shutdown) or immediate (as a crash: WAL not yet written is lost).
stop_cluster() {
    if is_running; then
        local bindir
        bindir=$(find_bindir "$(cat "$DATA/PG_VERSION")")
        as_pg "$bindir/pg_ctl" -D "$DATA" -m "$1" -w -t 60 stop >/dev/null
        note "stopped the cluster in $DATA ($1)"
    fi
}
cmd_stop() { stop_cluster fast; }

cmd_url() {
    [ -f "$DIR/url" ] || die "no cluster was started in $DIR"
    cat "$DIR/url"
}

cmd_status() {
    if is_running; then
        echo "running: $(cat "$DIR/url" 2>/dev/null || true)"
    else
        echo "not running"
        exit 3
    fi
}

cmd_crash() { stop_cluster immediate; }

cmd_destroy() {
    cmd_stop
    rm -rf "$DATA" "$DATA.tmp" "$LOGFILE" "$BASE/initdb.log" "$SOCKDIR"
    if [ "$BASE" != "$DIR" ]; then rm -rf "$BASE"; fi
    rm -f "$DIR/url" "$DIR/port" "$DIR/base"
}

case "$CMD" in
    start)   cmd_start ;;
    stop)    cmd_stop ;;
    crash)   cmd_crash ;;
    url)     cmd_url ;;
    status)  cmd_status ;;
    destroy) cmd_destroy ;;
    *)       usage ;;
esac
