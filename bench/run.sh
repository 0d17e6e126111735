#!/usr/bin/env bash
# bench/run.sh — end-to-end benchmark of avatarbot's update pipeline (not a test; never run
# from ctest). `make bench` runs `bench/run.sh build`.
#
#   bench/run.sh [BUILD_DIR]            (default: build)
#
# What it does, in about 2–4 minutes on a 2-core machine:
#   1. installs what is missing (Debian packages: PostgreSQL server — which on Debian 12 ships
#      pgbench and pg_stat_statements —, a C compiler, curl, python3), builds the service if
#      BUILD_DIR/avatarbot is missing, and compiles bench/loadgen.c and bench/sink.c;
#   2. starts a fresh PostgreSQL cluster in BUILD_DIR/bench-pg (fsync ON, the production
#      setting; pg_stat_statements and WAL I/O timing on, for the diagnosis), the Bot API sink
#      (bench/sink.c) and measures the sink's own capacity;
#   3. starts `avatarbot serve` against them, warms it up, then posts N /start updates over M
#      chats with C connections (bench/loadgen.c) and measures ack latency, acked updates/s,
#      end-to-end updates/s (first post → the sink has every reply), the service's RSS and the
#      CPU time of the service and of PostgreSQL in each round;
#   3a. the same for two replicas of the service (BENCH_REPLICAS=2, the default): two
#      `avatarbot serve` on their own ports, one fresh database of the same cluster, the load's
#      C connections split half and half between them, so the report's ratio 2/1 replicas
#      comes from one run;
#   3b. the same for the grammY peer (bench/grammy/bot.js: grammY 1.46, sessions in its own
#      database of the same cluster through @grammyjs/storage-psql, the same menu to the same
#      sink), so the report's ratio avatarbot/grammY comes from one run;
#   4. runs bench/pipeline.pgbench — the service's SQL for a round of 64 updates, without the
#      service — with one client per dispatcher on a fresh database, and (informational) the
#      same script without pg_notify;
#   4a. the realistic mix (BENCH_MIX=1, the default): bench/mix.c plays M users' whole
#      conversations (menus, button presses, a name, albums of real photos checked by the
#      analysis, simulated pictures) against the service on a fresh database, as both the
#      webhook's client and the Bot API, and times each update until its reply;
#   5. prints a report table with the targets and writes it as JSON to
#      BUILD_DIR/bench-result.json. Logs and raw results stay in BUILD_DIR/bench-out/.
#
# Environment (all optional):
#   BENCH_N=20000  BENCH_M=2000  BENCH_C=64      updates, chats, concurrent connections
#   BENCH_ROUNDS=3                                measured rounds of N updates, each drained;
#                                                 the judged figures are the rounds' medians
#   BENCH_WARMUP=500                              updates posted (other chats) before measuring
#   BENCH_WORKER_THREADS=2 BENCH_SENDER_THREADS=4 BENCH_DB_POOL_SIZE=8   service settings
#                                                 (defaults: the service's own defaults)
#   BENCH_SINK_N=100000                           requests of the sink capacity check
#   BENCH_NO_NOTIFY_VARIANT=1                     also run pgbench without pg_notify (0: skip)
#   BENCH_ANALYZE=1                               ANALYZE after the warm-up, before measuring
#   BENCH_EXPLAIN_MS=N                            log plans of statements slower than N ms
#                                                 (both runs). 0 measures a never-analyzed
#                                                 database: prepared statements then keep the
#                                                 generic plans made on empty tables (see
#                                                 bench/README.md) — a cold start, not the
#                                                 steady state that autovacuum gives production
#   BENCH_STRICT=0                                1: exit 1 when a target is missed
#   BENCH_OPEN_RATES="1000 3000"                  open-loop rounds after the main run (updates/s
#   BENCH_OPEN_SECONDS=3                          offered for that long each; "" skips them)
#   BENCH_PEER=1                                  0: skip the grammY peer (no ratio; no node)
#   BENCH_PEER_POOL_SIZE=10                       the peer's `pg` pool
#   BENCH_REPLICAS=2                              2: also measure two replicas on one database
#                                                 (ratio 2/1 in the report); 1: skip that
#   BENCH_MIX=1                                   the realistic mix; 0 skips it; "only" runs it
#                                                 alone (no sink, /start rounds, peer, pgbench)
#   BENCH_MIX_USERS=2000 BENCH_MIX_SECONDS=90     its users and time limit (of the warm-up and
#                                                 of the measured conversations, each)
#   BENCH_MIX_WARMUP=100                          users whose conversations (other chats) warm
#                                                 the service up before ANALYZE and measuring
#   BENCH_MIX_THINK_MS=0                          a user's pause before each next update
#   BENCH_MIX_CREATE_PCT=5 BENCH_MIX_GENERATE_PCT=5   users creating an avatar (album, confirm
#                                                 screen) and making pictures; the rest browse
# Telegram's real limits (30 msg/s overall, 1 msg/s per chat) are lifted for the benchmark:
# TELEGRAM_RATE_GLOBAL=TELEGRAM_RATE_PER_CHAT=100000, since the sink is not Telegram. The
# report says so.
set -euo pipefail

PROG=bench/run.sh
note() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_ARG=${1:-build}
case "$BUILD_ARG" in
    /*) BUILD=$BUILD_ARG ;;
    *) BUILD=$ROOT/$BUILD_ARG ;;
esac

N=${BENCH_N:-20000}
M=${BENCH_M:-2000}
C=${BENCH_C:-64}
WARMUP=${BENCH_WARMUP:-500}
WORKER_THREADS=${BENCH_WORKER_THREADS:-2}
SENDER_THREADS=${BENCH_SENDER_THREADS:-4}
DB_POOL_SIZE=${BENCH_DB_POOL_SIZE:-8}
SINK_N=${BENCH_SINK_N:-100000}
NO_NOTIFY_VARIANT=${BENCH_NO_NOTIFY_VARIANT:-1}
STRICT=${BENCH_STRICT:-0}
ANALYZE=${BENCH_ANALYZE:-1}
OPEN_RATES=${BENCH_OPEN_RATES-1000 3000}
OPEN_SECONDS=${BENCH_OPEN_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
PEER=${BENCH_PEER:-1}
PEER_POOL_SIZE=${BENCH_PEER_POOL_SIZE:-10}
REPLICAS=${BENCH_REPLICAS:-2}
MIX=${BENCH_MIX:-1}
MIX_USERS=${BENCH_MIX_USERS:-2000}
MIX_WARMUP=${BENCH_MIX_WARMUP:-100}
MIX_SECONDS=${BENCH_MIX_SECONDS:-90}
MIX_THINK_MS=${BENCH_MIX_THINK_MS:-0}
MIX_CREATE_PCT=${BENCH_MIX_CREATE_PCT:-5}
MIX_GENERATE_PCT=${BENCH_MIX_GENERATE_PCT:-5}
RATE=100000 # messages/s, global and per chat: pacing off (Telegram's are 30 and 1)

for v in N M C WARMUP WORKER_THREADS SENDER_THREADS DB_POOL_SIZE SINK_N ROUNDS PEER_POOL_SIZE \
    MIX_USERS MIX_SECONDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer (got '${!v}')"
done
[[ $PEER =~ ^[01]$ ]] || die "BENCH_PEER must be 0 or 1 (got '$PEER')"
[[ $REPLICAS =~ ^[12]$ ]] || die "BENCH_REPLICAS must be 1 or 2 (got '$REPLICAS')"
[[ $MIX =~ ^(0|1|only)$ ]] || die "BENCH_MIX must be 0, 1 or only (got '$MIX')"
for v in MIX_THINK_MS MIX_CREATE_PCT MIX_GENERATE_PCT MIX_WARMUP; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer (got '${!v}')"
done
[ $((MIX_CREATE_PCT + MIX_GENERATE_PCT)) -le 100 ] \
    || die "BENCH_MIX_CREATE_PCT + BENCH_MIX_GENERATE_PCT must be at most 100"
[ "$M" -ge "$C" ] || note "warning: BENCH_M < BENCH_C: several requests in flight share a chat"

OUT=$BUILD/bench-out
PGDIR=$BUILD/bench-pg
RESULT_JSON=$BUILD/bench-result.json
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.log "$OUT"/*.txt "$OUT"/*.pgbench "$OUT"/mix.* "$RESULT_JSON"

# ---------------------------------------------------------------------------------------------
# Everything started here is stopped on any exit, including Ctrl-C and errors.
PIDS=()
SAMPLER_PID=
PG_STARTED=0
# shellcheck disable=SC2317  # reached through the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$PG_STARTED" = 1 ]; then
        bash "$ROOT/scripts/pgcluster.sh" stop "$PGDIR" >/dev/null 2>&1 || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. Dependencies. On Debian 12 pgbench and pg_stat_statements ship in postgresql-15 (pulled
# in by `postgresql`; `postgresql-contrib` is only a transitional name for it), not in
# postgresql-client-15. wrk is not needed: bench/loadgen.c stops after exactly N requests and
# keeps every latency sample.
need=(postgresql postgresql-contrib gcc libc6-dev curl python3 procps)
missing=()
for p in "${need[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] \
        || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    note "installing ${missing[*]}"
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "run as root to install: ${missing[*]}"
        SUDO=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pgbench of the newest installed server (the one pgcluster.sh runs).
PGBIN=
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/pgbench" ] || continue
    if [ -z "$PGBIN" ] || [ "$(printf '%s\n%s\n' "$PGBIN" "$d" | sort -V | tail -n1)" = "$d" ]; then
        PGBIN=$d
    fi
done
[ -n "$PGBIN" ] || PGBIN=$(dirname "$(command -v pgbench || die "pgbench not found")")
PGBENCH=$PGBIN/pgbench
PSQL=$PGBIN/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql)

# The service: built only when missing (the bench measures what is there; `make bench` builds).
BIN=$BUILD/avatarbot
if [ ! -x "$BIN" ]; then
    note "building the service in $BUILD"
    bash "$ROOT/scripts/deps.sh" build
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target avatarbot >/dev/null
fi

# The grammY peer's npm packages, pinned by bench/grammy/package-lock.json, installed once into
# the build tree (no network on later runs).
PEER_DEPS=''
NODE_VERSION=''
if [ "$PEER" = 1 ] && [ "$MIX" != only ]; then
    command -v node >/dev/null || die "the grammY peer needs node and npm (scripts/deps.sh test), or BENCH_PEER=0"
    NODE_VERSION=$(node --version)
    PEER_DEPS=$(bash "$ROOT/scripts/npm-pinned.sh" "$ROOT/bench/grammy" "$BUILD" bench-grammy) \
        || die "could not install the grammY peer's packages (BENCH_PEER=0 skips the peer)"
fi

# The bench's own tools, rebuilt when their source (or the header they share) changes. mix
# parses the Bot API calls with jansson, which the service builds with too.
TOOLS=$BUILD/bench-bin
mkdir -p "$TOOLS"
for t in loadgen sink mix; do
    libs=-lm
    [ "$t" = mix ] && libs="-ljansson -lm"
    if [ ! -x "$TOOLS/$t" ] || [ "$ROOT/bench/$t.c" -nt "$TOOLS/$t" ] \
        || [ "$ROOT/bench/benchio.h" -nt "$TOOLS/$t" ]; then
        # shellcheck disable=SC2086  # libs: several words
        cc -std=c11 -O2 -Wall -Wextra -Werror -o "$TOOLS/$t" "$ROOT/bench/$t.c" $libs
    fi
done

# ---------------------------------------------------------------------------------------------
# Helpers: CPU accounting from /proc (ticks), for "who used the CPU" in the report.
CLK_TCK=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $5+$6}' /proc/stat; }
proc_ticks() { # PID: utime+stime of a live process (0 when gone)
    awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0
}
pg_ticks() { # the whole PostgreSQL server: postmaster, live children, and reaped children
    local pm total c
    pm=$(head -n1 "$PGDATA_DIR/postmaster.pid")
    total=$(awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$pm/stat")
    for c in $(ps -o pid= --ppid "$pm"); do
        total=$((total + $(proc_ticks "$c")))
    done
    echo "$total"
}
now_s() { date +%s.%N; }
# Writes FILE: the wall time, the machine's busy share and PostgreSQL's CPU between two readings
# of machine_ticks, pg_ticks and now_s, and for each NAME=TICKS the CPU seconds of that many
# ticks (a list of seconds when TICKS holds several, separated by blanks).
cpu_json() { # FILE M0 M1 P0 P1 T0 T1 [NAME=TICKS...]
    python3 - "$CLK_TCK" "$@" <<'PY'
import json, sys
hz, out, m0, m1, p0, p1, t0, t1, *extra = sys.argv[1:]
mt0, mi0 = map(int, m0.split()); mt1, mi1 = map(int, m1.split()); hz = float(hz)
res = {"wall_s": float(t1) - float(t0),
       "machine_busy_pct": 100.0 * (1 - (mi1 - mi0) / max(1, mt1 - mt0)),
       "postgres_cpu_s": (int(p1) - int(p0)) / hz}
for kv in extra:
    k, v = kv.split("=", 1)
    ticks = [int(t) / hz for t in v.split()]
    res[k] = ticks if " " in v else ticks[0]
json.dump(res, open(out, "w"))
PY
}

# Samples what the server's client backends are doing, every 50 ms, into a file: one line
# "sample" per round plus one line per busy backend (its wait event, or CPU).
start_sampler() { # URL FILE
    "$PSQL" -X -A -t -q "$1" >"$2" 2>/dev/null <<'SQL' &
SELECT 'sample'
UNION ALL
SELECT CASE WHEN state = 'idle in transaction' THEN 'Client:ClientRead (idle in transaction)'
            ELSE coalesce(wait_event_type || ':' || wait_event, 'CPU (running)') END
  FROM pg_stat_activity
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
   AND datname = current_database() AND state IN ('active', 'idle in transaction')
\watch 0.05
SQL
    SAMPLER_PID=$!
}
stop_sampler() {
    if [ -n "$SAMPLER_PID" ]; then
        kill "$SAMPLER_PID" 2>/dev/null || true
        wait "$SAMPLER_PID" 2>/dev/null || true
        SAMPLER_PID=
    fi
}

# Reset / read the cluster-wide statistics used by the report.
reset_stats() { # URL
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$1" -c "CHECKPOINT" \
        -c "SELECT pg_stat_statements_reset()" -c "SELECT pg_stat_reset_shared('wal')" >/dev/null
}
dump_stats() { # URL PREFIX — pg_stat_wal and the top statements, as JSON
    "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 "$1" >"$2-wal.json" <<'SQL'
SELECT row_to_json(w) FROM (SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_write,
       wal_sync, round(wal_sync_time::numeric, 1) AS wal_sync_time_ms FROM pg_stat_wal) w
SQL
    "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 "$1" >"$2-statements.json" <<'SQL'
SELECT coalesce(json_agg(s ORDER BY s.total_ms DESC), '[]') FROM (
  SELECT regexp_replace(left(query, 400), '\s+', ' ', 'g') AS query, calls,
         round(total_exec_time::numeric, 1) AS total_ms,
         round(mean_exec_time::numeric, 3) AS mean_ms, rows
    FROM pg_stat_statements
   WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   ORDER BY total_exec_time DESC LIMIT 12) s
SQL
}

# After each round: cumulative statement times and table activity (dead rows, autovacuum and
# autoanalyze runs), so a round slower than the others can be traced to what changed.
snapshot_round() { # URL FILE
    "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 "$1" >"$2" <<'SQL'
SELECT json_build_object(
  'statements', (SELECT coalesce(json_agg(s), '[]') FROM (
      SELECT queryid::text, regexp_replace(left(query, 200), '\s+', ' ', 'g') AS query, calls,
             round(total_exec_time::numeric, 1) AS total_ms, rows
        FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time DESC LIMIT 20) s),
  'tables', (SELECT coalesce(json_agg(t), '[]') FROM (
      SELECT relname, n_live_tup, n_dead_tup, n_tup_ins, n_tup_upd, n_tup_hot_upd,
             vacuum_count + autovacuum_count AS vacuums,
             analyze_count + autoanalyze_count AS analyzes
        FROM pg_stat_user_tables ORDER BY relname) t))
SQL
}

# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL: a fresh cluster every run, fsync on (pgcluster.sh's default).
note "starting a fresh PostgreSQL cluster in $PGDIR (fsync on)"
unset PGCLUSTER_FAST
bash "$ROOT/scripts/pgcluster.sh" destroy "$PGDIR" >/dev/null 2>&1 || true
PG_STARTED=1
URL=$(bash "$ROOT/scripts/pgcluster.sh" start "$PGDIR")
"$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" >/dev/null <<'SQL'
ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';
ALTER SYSTEM SET track_wal_io_timing = on;
SQL
# BENCH_EXPLAIN_MS=N logs the plans (with buffers) of statements slower than N ms, for diagnosis.
if [ -n "${BENCH_EXPLAIN_MS:-}" ]; then
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" >/dev/null \
        -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', 'auto_explain'"
fi
bash "$ROOT/scripts/pgcluster.sh" stop "$PGDIR" >/dev/null
URL=$(bash "$ROOT/scripts/pgcluster.sh" start "$PGDIR")
PGDATA_DIR=$(cat "$PGDIR/base")/data
if [ -n "${BENCH_EXPLAIN_MS:-}" ]; then
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" >/dev/null <<SQL
ALTER SYSTEM SET auto_explain.log_min_duration = '${BENCH_EXPLAIN_MS}ms';
ALTER SYSTEM SET auto_explain.log_analyze = on;
ALTER SYSTEM SET auto_explain.log_buffers = on;
SELECT pg_reload_conf();
SQL
fi
URL_BASE=${URL%/*}
"$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
PG_VERSION=$("$PSQL" -X -A -t "$URL" -c "SHOW server_version" | awk '{print $1}')
PG_FSYNC=$("$PSQL" -X -A -t "$URL" -c "SHOW fsync")
PG_SYNC_COMMIT=$("$PSQL" -X -A -t "$URL" -c "SHOW synchronous_commit")
# WAL segments to recycle, as a database that has been running has them: a fresh cluster
# creates (and zero-fills) a new 16 MB segment every ~4,000 updates, and each creation held up
# every commit for 20-40 ms (the slowest acks of an open-loop run at 3,000/s, at the same
# point of every run). 160 MB of WAL written and checkpointed leaves segments to reuse.
"$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" >/dev/null \
    -c "CREATE TABLE bench_wal_fill AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 160000) g" \
    -c "DROP TABLE bench_wal_fill" -c "CHECKPOINT"

# ---------------------------------------------------------------------------------------------
# 3. The Bot API sink, and its own capacity (so we know it is not the bottleneck).
rm -f "$OUT/sink.port"
"$TOOLS/sink" --port 0 --port-file "$OUT/sink.port" 2>"$OUT/sink.log" &
SINK_PID=$!
PIDS+=("$SINK_PID")
for _ in $(seq 100); do [ -s "$OUT/sink.port" ] && break; sleep 0.05; done
[ -s "$OUT/sink.port" ] || die "the sink did not start (see $OUT/sink.log)"
SINK_PORT=$(cat "$OUT/sink.port")
SINK=http://127.0.0.1:$SINK_PORT
TOKEN=123456:ABC-def
SECRET=bench-secret-$$

if [ "$MIX" != only ]; then
    note "measuring the sink's capacity ($SINK_N requests, $SENDER_THREADS and $C connections)"
    "$TOOLS/loadgen" --port "$SINK_PORT" --mode sink --token "$TOKEN" --n "$SINK_N" \
        --conc "$SENDER_THREADS" --chats "$M" --json "$OUT/sink-capacity.json" >/dev/null \
        || die "sink capacity check failed"
    "$TOOLS/loadgen" --port "$SINK_PORT" --mode sink --token "$TOKEN" --n "$SINK_N" \
        --conc "$C" --chats "$M" --json "$OUT/sink-capacity-c.json" >/dev/null \
        || die "sink capacity check failed"
    curl -fs -X POST -o /dev/null "$SINK/reset"
fi

# ---------------------------------------------------------------------------------------------
# 4. The service.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port)
# One replica of the service: the one-replica rounds, each of the two replicas, the open loop
# and the realistic mix all start it here, with the same settings (the mix adds its own after
# them: KEY=VALUE arguments, which env lets override the ones before).
# PORT DB_URL LOGFILE [KEY=VALUE...]: starts avatarbot serve, sets SVC_PID, waits until ready
start_service() {
    local port=$1 url=$2 log=$3
    shift 3
    note "starting avatarbot serve on 127.0.0.1:$port (workers $WORKER_THREADS, senders $SENDER_THREADS, pool $DB_POOL_SIZE)"
    env DATABASE_URL="$url" HTTP_BIND=127.0.0.1 HTTP_PORT="$port" \
        TELEGRAM_BOT_TOKEN="$TOKEN" TELEGRAM_WEBHOOK_SECRET="$SECRET" TELEGRAM_API_BASE="$SINK" \
        BILLING=stars LOG_LEVEL=warn WORKER_THREADS="$WORKER_THREADS" SENDER_THREADS="$SENDER_THREADS" \
        STORAGE_URL="file://$OUT/storage" FACE_MODEL_PATH="$BUILD/models/blazeface_short_128.onnx" \
        DB_POOL_SIZE="$DB_POOL_SIZE" TELEGRAM_RATE_GLOBAL=$RATE TELEGRAM_RATE_PER_CHAT=$RATE \
        "$@" "$BIN" serve >"$log" 2>&1 &
    SVC_PID=$!
    PIDS+=("$SVC_PID")
    local ready=0
    for _ in $(seq 300); do
        kill -0 "$SVC_PID" 2>/dev/null || die "the service exited (see $log)"
        if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then ready=1; break; fi
        sleep 0.1
    done
    [ "$ready" = 1 ] || die "the service did not become ready in 30 s (see $log)"
}
# Updates a replica ran through the FSM since it started (warm-up included), from its /metrics:
# the evidence that each of two replicas did its share.
handled_updates() { # PORT; -1 when /metrics cannot be read
    local metrics
    metrics=$(curl -fs "http://127.0.0.1:$1/metrics") || { echo -1; return; }
    awk '/^avatarbot_updates_handled_total[{ ]/ {s += $NF} END {printf "%d\n", s}' <<<"$metrics"
}

# The realistic mix: bench/mix.c plays MIX_USERS users' whole conversations (bench/README.md)
# against one service on a fresh database of the cluster, as both Telegram sides: it posts the
# updates to the webhook and is the Bot API the service calls (TELEGRAM_API_BASE). The service
# is started as for the /start load, plus simulated FAL (pictures drawn at once); the driver's
# seed gives the picture makers their ready avatars and credits. As for the /start load, a
# warm-up (MIX_WARMUP users' conversations on other chats, all finished), then ANALYZE, then the
# measured conversations. Writes OUT/mix.json (the driver's result), OUT/mix-cpu.json and
# OUT/mix-db.json; sets MIX_RC (0: every conversation finished).
MIX_RC=0
run_mix() {
    local url=$URL_BASE/bench_mix photos=$BUILD/test-photos port api mix_pid
    bash "$ROOT/scripts/test-photos.sh" "$photos" \
        || die "the test photos are missing (scripts/test-photos.sh)"
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" -c "CREATE DATABASE bench_mix" >/dev/null
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
    port=$(free_port)
    rm -f "$OUT"/mix.*
    local mix_args=(--users "$MIX_USERS" --warmup-users "$MIX_WARMUP"
        --create-pct "$MIX_CREATE_PCT" --generate-pct "$MIX_GENERATE_PCT")
    "$TOOLS/mix" --webhook-port "$port" --secret "$SECRET" --token "$TOKEN" \
        --api-port-file "$OUT/mix.port" --start-file "$OUT/mix.go" "${mix_args[@]}" --conc "$C" \
        --warmed-file "$OUT/mix.warmed" --measure-file "$OUT/mix.measure" \
        --think-ms "$MIX_THINK_MS" --time-limit "$MIX_SECONDS" --photos "$photos" \
        --json "$OUT/mix.json" >/dev/null 2>"$OUT/mix.log" &
    mix_pid=$!
    PIDS+=("$mix_pid")
    for _ in $(seq 100); do [ -s "$OUT/mix.port" ] && break; sleep 0.05; done
    [ -s "$OUT/mix.port" ] || die "the mix driver did not start (see $OUT/mix.log)"
    api=http://127.0.0.1:$(cat "$OUT/mix.port")
    start_service "$port" "$url" "$OUT/avatarbot-mix.log" TELEGRAM_API_BASE="$api" \
        FAL_MODE=simulate FAL_SIMULATE_GENERATION_SECONDS=0
    # the ready avatars and credits of the users who make pictures, once the service migrated
    "$TOOLS/mix" --print-seed-sql "${mix_args[@]}" \
        | "$PSQL" -X -q -v ON_ERROR_STOP=1 "$url" >/dev/null
    touch "$OUT/mix.go"
    if [ "$MIX_WARMUP" -gt 0 ]; then
        note "the realistic mix: warm-up, $MIX_WARMUP users' conversations on other chats"
        while [ ! -e "$OUT/mix.warmed" ] && kill -0 "$mix_pid" 2>/dev/null; do sleep 0.1; done
        [ -e "$OUT/mix.warmed" ] || die "the mix's warm-up did not finish (see $OUT/mix.log)"
        if [ "$ANALYZE" = 1 ]; then "$PSQL" -X -q "$url" -c "ANALYZE" >/dev/null; fi
        reset_stats "$url"
    fi
    note "the realistic mix: $MIX_USERS users' conversations ($MIX_CREATE_PCT % create an" \
        "avatar, $MIX_GENERATE_PCT % make pictures), $C connections, at most $MIX_SECONDS s"
    local m0 m1 p0 p1 s0 s1 t0 t1 hwm
    m0=$(machine_ticks); p0=$(pg_ticks); s0=$(proc_ticks "$SVC_PID"); t0=$(now_s)
    touch "$OUT/mix.measure"
    set +e
    wait "$mix_pid"
    MIX_RC=$?
    set -e
    t1=$(now_s); m1=$(machine_ticks); p1=$(pg_ticks); s1=$(proc_ticks "$SVC_PID")
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$SVC_PID/status" 2>/dev/null || echo 0)
    [ "$MIX_RC" = 0 ] || note "warning: the mix: not every conversation finished (see $OUT/mix.json)"
    [ -s "$OUT/mix.json" ] || die "the mix driver wrote no result (see $OUT/mix.log)"
    kill "$SVC_PID" 2>/dev/null || true
    wait "$SVC_PID" 2>/dev/null || true
    cpu_json "$OUT/mix-cpu.json" "$m0" "$m1" "$p0" "$p1" "$t0" "$t1" service_cpu_s=$((s1 - s0))
    echo "{\"service_vmhwm_kb\": ${hwm:-0}}" >"$OUT/mix-rss.json"
    "$PSQL" -X -A -t -q "$url" >"$OUT/mix-db.json" <<'SQL'
SELECT json_build_object(
  'inbox', (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM inbox GROUP BY 1) s),
  'outbox', (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM outbox GROUP BY 1) s),
  'jobs', (SELECT json_object_agg(kind || ':' || status, n)
             FROM (SELECT kind, status, count(*) n FROM jobs GROUP BY 1, 2) s),
  'photos', (SELECT json_object_agg(validation_status, n)
               FROM (SELECT validation_status, count(*) n FROM avatar_photos GROUP BY 1) s),
  'generations', (SELECT json_object_agg(status, n)
                    FROM (SELECT status, count(*) n FROM generations GROUP BY 1) s))
SQL
    dump_stats "$url" "$OUT/mix"
}

# The report: the table on stdout, the JSON in RESULT_JSON (extra arguments go to report.py).
run_report() {
    python3 "$ROOT/bench/report.py" --out "$OUT" --result "$RESULT_JSON" \
        --n "$N" --m "$M" --c "$C" --workers "$WORKER_THREADS" --senders "$SENDER_THREADS" \
        --pool "$DB_POOL_SIZE" --rounds "$ROUNDS" --rate "$RATE" --pg-version "$PG_VERSION" --fsync "$PG_FSYNC" \
        --synchronous-commit "$PG_SYNC_COMMIT" --analyze "$ANALYZE" --cpus "$(nproc)" --loadgen-rc "$LOADGEN_RC" \
        --peer "$PEER" --peer-loadgen-rc "$PEER_LOADGEN_RC" --peer-pool "$PEER_POOL_SIZE" \
        --node-version "$NODE_VERSION" --warmup "$WARMUP" \
        --replicas "$REPLICAS" --replicas-loadgen-rc "$REPLICAS_LOADGEN_RC" \
        --pgbench-round "${PGB_ROUND:-0}" --pgbench-clients "${PGB_CLIENTS:-0}" \
        --mix "$MIX" --mix-rc "$MIX_RC" --mix-think-ms "$MIX_THINK_MS" "$@"
}
# BENCH_MIX=only: the mix alone, then its report.
LOADGEN_RC=0 PEER_LOADGEN_RC=0 REPLICAS_LOADGEN_RC=0
if [ "$MIX" = only ]; then
    run_mix
    set +e
    run_report --mix-only
    REPORT_RC=$?
    set -e
    [ "$REPORT_RC" -le 1 ] || die "report failed"
    if [ "$STRICT" = 1 ] && [ "$REPORT_RC" = 1 ]; then exit 1; fi
    exit 0
fi

start_service "$HTTP_PORT" "$URL" "$OUT/avatarbot.log"

CHAT_BASE=1000000000   # measured chats: CHAT_BASE .. CHAT_BASE+M-1
WARM_BASE=2000000000   # warm-up chats, disjoint

# Warm-up and measured rounds against one bot — avatarbot ("service") or its grammY peer
# ("grammy") —, the same for both: same loadgen parameters, chats, update ids and drain.
# Writes OUT/NAME-r<round>.json (loadgen: acks, the sink's count, the bot's RSS and CPU),
# OUT/NAME-samples-r<round>.txt, OUT/NAME-waits.txt and OUT/NAME-cpu.json (PostgreSQL's CPU
# per round, read from /proc before and after each round like the bot's). Sets ROUNDS_RC.
# PID and PORT may be comma-separated lists (the replicas of one service): the load generator
# then spreads its C connections over the ports and watches every pid.
measure_bot() { # NAME PID PORT DB_URL LOG
    local name=$1 pid=$2 port=$3 url=$4 log=$5
    # Warm-up on other chats (connections, prepared statements, caches), drained completely.
    note "$name: warm-up, $WARMUP updates"
    "$TOOLS/loadgen" --port "$port" --mode webhook --secret "$SECRET" --n "$WARMUP" \
        --conc "$C" --chats "$M" --chat-base "$WARM_BASE" --first-update 1 \
        --sink-port "$SINK_PORT" --expect "$WARMUP" --wait-timeout 60 \
        --json "$OUT/$name-warmup.json" >/dev/null || die "warm-up failed (see $log)"
    curl -fs -X POST -o /dev/null "$SINK/reset"
    # Statistics, as autovacuum would have them on a live database. ANALYZE also invalidates
    # the plans the bot's connections cached while the tables were empty.
    if [ "$ANALYZE" = 1 ]; then "$PSQL" -X -q "$url" -c "ANALYZE" >/dev/null; fi
    reset_stats "$url"

    note "$name: measuring $ROUNDS rounds of $N updates over $M chats, $C connections"
    start_sampler "$url" "$OUT/$name-waits.txt"
    local m0 m1 p0 p1 s0 s1 t0 t1 rp0 rp1 r rc next_update=$((WARMUP + 1)) pg_rounds=""
    m0=$(machine_ticks); p0=$(pg_ticks); s0=$(proc_ticks "$SINK_PID"); t0=$(now_s)
    ROUNDS_RC=0
    for r in $(seq "$ROUNDS"); do
        # each round is drained (the sink counted every reply) before the next starts
        curl -fs -X POST -o /dev/null "$SINK/reset"
        rp0=$(pg_ticks)
        # beside the first round of the service: Telegram's pre-checkout queries, which must
        # be answered within 10 s whatever the load (bench/precheckout.py)
        local probe=""
        if [ "$name" = service ] && [ "$r" = 1 ]; then
            python3 "$ROOT/bench/precheckout.py" "$port" "$SECRET" 100 0.1 "$OUT/precheckout.json" &
            probe=$!
        fi
        set +e
        "$TOOLS/loadgen" --port "$port" --mode webhook --secret "$SECRET" --n "$N" --conc "$C" \
            --chats "$M" --chat-base "$CHAT_BASE" --first-update "$next_update" \
            --watch-pid "$pid" --sink-port "$SINK_PORT" --expect "$N" --wait-timeout 180 \
            --time-limit 180 --samples "$OUT/$name-samples-r$r.txt" \
            --json "$OUT/$name-r$r.json" >/dev/null
        rc=$?
        [ -z "$probe" ] || wait "$probe" || note "warning: the pre-checkout probe failed"
        set -e
        rp1=$(pg_ticks)
        pg_rounds="$pg_rounds $((rp1 - rp0))"
        snapshot_round "$url" "$OUT/$name-db-r$r.json"
        [ "$rc" = 0 ] || ROUNDS_RC=$rc
        [ -s "$OUT/$name-r$r.json" ] || die "the load generator wrote no result ($name, round $r)"
        next_update=$((next_update + N))
    done
    t1=$(now_s); m1=$(machine_ticks); p1=$(pg_ticks); s1=$(proc_ticks "$SINK_PID")
    stop_sampler
    [ "$ROUNDS_RC" = 0 ] || note "warning: $name: not every update was acked and answered (see $OUT/$name-r*.json)"
    cpu_json "$OUT/$name-cpu.json" "$m0" "$m1" "$p0" "$p1" "$t0" "$t1" \
        postgres_cpu_s_rounds="$pg_rounds" sink_cpu_s=$((s1 - s0))
}

measure_bot service "$SVC_PID" "$HTTP_PORT" "$URL" "$OUT/avatarbot.log"
LOADGEN_RC=$ROUNDS_RC
# The menu avatarbot sent for /start, as the sink kept it: the peer sends the same, and
# pgbench's script stores it as the reply.
curl -fs "$SINK/sample" >"$OUT/menu.json" || die "the sink kept no sendMessage sample"

SVC_HANDLED=$(handled_updates "$HTTP_PORT")
# Stop the service before reading the statistics: its backends flush theirs on exit.
kill "$SVC_PID" 2>/dev/null || true
wait "$SVC_PID" 2>/dev/null || true
"$PSQL" -X -A -t -q "$URL" >"$OUT/service-db.json" <<'SQL'
SELECT json_build_object(
  'inbox_done', (SELECT count(*) FROM inbox WHERE status = 'done'),
  'inbox_total', (SELECT count(*) FROM inbox),
  'outbox_sent', (SELECT count(*) FROM outbox WHERE status = 'sent'),
  'outbox_total', (SELECT count(*) FROM outbox))
SQL
dump_stats "$URL" "$OUT/service"

# ---------------------------------------------------------------------------------------------
# 4a. Two replicas on one database (BENCH_REPLICAS=2, the default): two `avatarbot serve`, each
# on its own port with the same settings and the same DATABASE_URL, a fresh database of the same
# cluster (migrated by the first replica, as the one-replica rounds' was), measured by the same
# function with the same load; the load generator opens half its connections to each port.
# Right after the one-replica rounds, so the ratio 2/1 compares two measurements a minute apart.
if [ "$REPLICAS" = 2 ]; then
    REPL_URL=$URL_BASE/bench_replicas
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" -c "CREATE DATABASE bench_replicas" >/dev/null
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$REPL_URL" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
    repl_pids=() repl_ports=()
    for k in 1 2; do
        port=$(free_port)
        start_service "$port" "$REPL_URL" "$OUT/replica$k.log"
        repl_pids+=("$SVC_PID") repl_ports+=("$port")
    done
    measure_bot replicas "${repl_pids[0]},${repl_pids[1]}" "${repl_ports[0]},${repl_ports[1]}" \
        "$REPL_URL" "$OUT/replica1.log"
    REPLICAS_LOADGEN_RC=$ROUNDS_RC
    handled=()
    for k in 0 1; do handled+=("$(handled_updates "${repl_ports[$k]}")"); done
    for p in "${repl_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${repl_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    "$PSQL" -X -A -t -q "$REPL_URL" >"$OUT/replicas-db.json" <<SQL
SELECT json_build_object(
  'inbox_done', (SELECT count(*) FROM inbox WHERE status = 'done'),
  'inbox_total', (SELECT count(*) FROM inbox),
  'outbox_sent', (SELECT count(*) FROM outbox WHERE status = 'sent'),
  'outbox_total', (SELECT count(*) FROM outbox),
  'handled_by_replica', json_build_array(${handled[0]}, ${handled[1]}),
  'handled_one_replica', $SVC_HANDLED)
SQL
    dump_stats "$REPL_URL" "$OUT/replicas"
fi

# ---------------------------------------------------------------------------------------------
# 4b. The grammY peer (BENCH_PEER=1, the default): bench/grammy/bot.js, the same /start menu
# with its sessions in its own database of the same cluster, against the same sink, measured
# by the same function with the same load, so the report's ratio comes from one run.
if [ "$PEER" = 1 ]; then
    PEER_DB=bench_grammy
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" -c "CREATE DATABASE $PEER_DB" >/dev/null
    PEER_URL=$URL_BASE/$PEER_DB
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$PEER_URL" -c "CREATE EXTENSION pg_stat_statements" >/dev/null
    PEER_PORT=$(free_port)
    note "starting the grammY peer on 127.0.0.1:$PEER_PORT (node $NODE_VERSION, pg pool $PEER_POOL_SIZE)"
    env DATABASE_URL="$PEER_URL" TELEGRAM_BOT_TOKEN="$TOKEN" TELEGRAM_WEBHOOK_SECRET="$SECRET" \
        TELEGRAM_API_BASE="$SINK" DB_POOL_SIZE="$PEER_POOL_SIZE" \
        node "$ROOT/bench/grammy/bot.js" --deps "$PEER_DEPS" --port "$PEER_PORT" \
        --menu "$OUT/menu.json" >"$OUT/grammy.log" 2>&1 &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    ready=0
    for _ in $(seq 300); do
        kill -0 "$PEER_PID" 2>/dev/null || die "the grammY peer exited (see $OUT/grammy.log)"
        if curl -fs -o /dev/null "http://127.0.0.1:$PEER_PORT/readyz"; then ready=1; break; fi
        sleep 0.1
    done
    [ "$ready" = 1 ] || die "the grammY peer did not become ready in 30 s (see $OUT/grammy.log)"
    # Its secret is checked: a wrong one must be refused before anything is measured.
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -H "X-Telegram-Bot-Api-Secret-Token: wrong-$SECRET" -d '{"update_id":0}' \
        "http://127.0.0.1:$PEER_PORT/telegram/webhook")
    [ "$code" = 401 ] || die "the grammY peer answered $code to a wrong secret (expected 401)"
    measure_bot grammy "$PEER_PID" "$PEER_PORT" "$PEER_URL" "$OUT/grammy.log"
    PEER_LOADGEN_RC=$ROUNDS_RC
    # The peer must have sent what avatarbot sent (text, buttons, options), or the ratio
    # compares different work.
    curl -fs "$SINK/sample" >"$OUT/grammy-menu.json" || die "the sink kept no sample of the peer"
    python3 - "$OUT/menu.json" "$OUT/grammy-menu.json" <<'PY' || die "the grammY peer sent another menu than avatarbot (see $OUT/grammy-menu.json)"
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:])
for d in (a, b):
    d.pop("chat_id", None)
sys.exit(0 if a == b else 1)
PY
    kill "$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
    "$PSQL" -X -A -t -q "$PEER_URL" >"$OUT/grammy-db.json" \
        -c "SELECT json_build_object('sessions', (SELECT count(*) FROM sessions))"
    dump_stats "$PEER_URL" "$OUT/grammy"
fi

# Open loop (informational): the same service restarted, updates offered at fixed rates for
# OPEN_SECONDS each, every round drained before the next.
rm -f "$OUT"/open-*.json
if [ -n "$OPEN_RATES" ]; then
    start_service "$HTTP_PORT" "$URL" "$OUT/avatarbot-open.log"
    start_sampler "$URL" "$OUT/open-waits.txt"
    next_update=$((WARMUP + ROUNDS * N + 1))
    for r in $OPEN_RATES; do
        n_open=$((r * OPEN_SECONDS))
        note "open loop: $r updates/s offered for $OPEN_SECONDS s on $C connections"
        curl -fs -X POST -o /dev/null "$SINK/reset"
        "$TOOLS/loadgen" --port "$HTTP_PORT" --mode webhook --secret "$SECRET" --n "$n_open" \
            --conc "$C" --chats "$M" --chat-base "$CHAT_BASE" --first-update "$next_update" \
            --rate "$r" --sink-port "$SINK_PORT" --expect "$n_open" --wait-timeout 120 \
            --samples "$OUT/open-$r-samples.txt" --json "$OUT/open-$r.json" >/dev/null \
            || note "warning: open loop at $r/s incomplete"
        next_update=$((next_update + n_open))
    done
    stop_sampler
    kill "$SVC_PID" 2>/dev/null || true
    wait "$SVC_PID" 2>/dev/null || true
fi

# The realistic mix (BENCH_MIX=1): whole conversations on a fresh database (run_mix above).
if [ "$MIX" = 1 ]; then
    run_mix
fi

# ---------------------------------------------------------------------------------------------
# 5. pgbench: the service's SQL by rounds, no service, one client per dispatcher, fresh
# database each.
SAMPLE_PAYLOAD=$(cat "$OUT/menu.json")
SAMPLE_UPDATE='{"update_id":1,"message":{"message_id":1,"date":1700000000,"chat":{"id":1000000000,"type":"private","first_name":"U"},"from":{"id":1000000000,"is_bot":false,"first_name":"U","language_code":"ru"},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}'
# One pgbench transaction is one dispatcher round of PGB_ROUND updates (the service's lanes a
# round, src/workers/dispatcher.c), one client per dispatcher.
PGB_ROUND=64
PGB_CLIENTS=$WORKER_THREADS
PER_CLIENT=$(( (N + PGB_ROUND * PGB_CLIENTS - 1) / (PGB_ROUND * PGB_CLIENTS) ))
JOBS=$(( PGB_CLIENTS < 2 ? PGB_CLIENTS : 2 ))

run_pgbench() { # NAME SCRIPT
    local name=$1 script=$2 db=bench_$1
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL" -c "CREATE DATABASE $db" >/dev/null
    DATABASE_URL="$URL_BASE/$db" LOG_LEVEL=warn "$BIN" migrate >"$OUT/pgbench-$name-migrate.log" 2>&1 \
        || die "migrations failed on $db (see $OUT/pgbench-$name-migrate.log)"
    "$PSQL" -X -q -v ON_ERROR_STOP=1 "$URL_BASE/$db" \
        -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
        -c "CREATE SEQUENCE bench_update_id" >/dev/null
    # Warm-up, like the service's: the same script on fewer pipelines, then ANALYZE.
    local common=(-n -M prepared -c "$PGB_CLIENTS" -j "$JOBS" -f "$script"
        -D chat_base="$CHAT_BASE" -D nchats="$M" -D r="$PGB_ROUND" -D update="$SAMPLE_UPDATE"
        -D payload="$SAMPLE_PAYLOAD")
    timeout 120 "$PGBENCH" "${common[@]}" \
        -t $(( (WARMUP + PGB_ROUND * PGB_CLIENTS - 1) / (PGB_ROUND * PGB_CLIENTS) )) \
        -D chat_base="$WARM_BASE" "$URL_BASE/$db" >"$OUT/pgbench-$name-warmup.log" 2>&1 \
        || die "pgbench warm-up ($name) failed (see $OUT/pgbench-$name-warmup.log)"
    if [ "$ANALYZE" = 1 ]; then "$PSQL" -X -q "$URL_BASE/$db" -c "ANALYZE" >/dev/null; fi
    reset_stats "$URL_BASE/$db"
    note "pgbench ($name): $((PER_CLIENT * PGB_CLIENTS)) rounds of $PGB_ROUND updates, $PGB_CLIENTS clients"
    start_sampler "$URL_BASE/$db" "$OUT/pgbench-$name-waits.txt"
    local m0 m1 p0 p1 t0 t1 rc=0
    m0=$(machine_ticks); p0=$(pg_ticks); t0=$(now_s)
    timeout 240 "$PGBENCH" "${common[@]}" -t "$PER_CLIENT" -r -P 5 "$URL_BASE/$db" \
        >"$OUT/pgbench-$name.log" 2>&1 || rc=$?
    t1=$(now_s); m1=$(machine_ticks); p1=$(pg_ticks)
    stop_sampler
    [ "$rc" = 0 ] || die "pgbench ($name) failed (see $OUT/pgbench-$name.log)"
    cpu_json "$OUT/pgbench-$name-cpu.json" "$m0" "$m1" "$p0" "$p1" "$t0" "$t1"
    dump_stats "$URL_BASE/$db" "$OUT/pgbench-$name"
}

run_pgbench pipeline "$ROOT/bench/pipeline.pgbench"
if [ "$NO_NOTIFY_VARIANT" = 1 ]; then
    # The same script with pg_notify replaced by a constant: what NOTIFY itself costs.
    sed "s/pg_notify('ab_[a-z]*', '')/NULL::void/" "$ROOT/bench/pipeline.pgbench" \
        >"$OUT/pipeline-no-notify.pgbench"
    grep -q "pg_notify(" "$OUT/pipeline-no-notify.pgbench" && die "could not strip pg_notify"
    run_pgbench no_notify "$OUT/pipeline-no-notify.pgbench"
fi

# ---------------------------------------------------------------------------------------------
# 6. Report.
set +e
run_report
REPORT_RC=$?
set -e
[ "$REPORT_RC" -le 1 ] || die "report failed"
if [ "$STRICT" = 1 ] && [ "$REPORT_RC" = 1 ]; then
    exit 1
fi
exit 0
