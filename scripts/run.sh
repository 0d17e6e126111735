#!/usr/bin/env bash
# run.sh — starts avatarbot on embedded defaults: its own PostgreSQL cluster under the build
# tree, migrations applied, simulated training, and (unless a real bot token is given) a
# terminal chat with the bot (tools/chat.py) in place of Telegram, and the web chat it serves
# (printed as "Open http://127.0.0.1:PORT/ in a browser"). Called by `make run`.
#
# With TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL set, it registers the webhook with Telegram and
# serves real users instead.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/avatarbot"
PGDIR=${RUN_PGDIR:-$BUILD/run-pg}   # RUN_PGDIR: another cluster (the test of this script)

if [ -z "${DATABASE_URL:-}" ]; then
    # our own cluster: stopped again when this script ends (`make stop` if it was killed)
    DATABASE_URL=$(bash "$ROOT/scripts/pgcluster.sh" start "$PGDIR")
    trap 'bash "$ROOT/scripts/pgcluster.sh" stop "$PGDIR"' EXIT
fi
export DATABASE_URL
export HTTP_PORT=${HTTP_PORT:-8080}
export HTTP_BIND=${HTTP_BIND:-127.0.0.1}
export LOG_LEVEL=${LOG_LEVEL:-info}
export STORAGE_URL=${STORAGE_URL:-file://$BUILD/run-storage}

if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ -n "${PUBLIC_BASE_URL:-}" ]; then
    # Real users: register the webhook with Telegram and serve.
    : "${TELEGRAM_WEBHOOK_SECRET:=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)}"
    export TELEGRAM_WEBHOOK_SECRET
    "$BIN" migrate
    "$BIN" set-webhook
    "$BIN" serve
    exit
fi

# Local mode: a terminal chat plays Telegram (the Bot API stand-in) and the user; the stand-in
# also serves the web chat (tools/webchat/) on WEBCHAT_PORT for users in a browser.
python3 "$ROOT/tools/chat.py" --binary "$BIN" --database-url "$DATABASE_URL" \
    --port "$HTTP_PORT" --web-port "${WEBCHAT_PORT:-$((HTTP_PORT + 1))}"
