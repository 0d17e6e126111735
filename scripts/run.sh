#!/usr/bin/env bash
# run.sh — starts avatarbot on embedded defaults: its own PostgreSQL cluster under the build
# tree, migrations applied, and (unless a real bot token is given) the in-repo Bot API
# stand-in, so the bot can be tried without Telegram. Called by `make run`.
#
# With TELEGRAM_BOT_TOKEN and PUBLIC_BASE_URL set, it registers the webhook with Telegram and
# serves real users instead.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/avatarbot"
PGDIR="$ROOT/$BUILD/run-pg"

DATABASE_URL=${DATABASE_URL:-$(bash "$ROOT/scripts/pgcluster.sh" start "$PGDIR")}
export DATABASE_URL
export HTTP_PORT=${HTTP_PORT:-8080}
export HTTP_BIND=${HTTP_BIND:-127.0.0.1}
export LOG_LEVEL=${LOG_LEVEL:-info}

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ -n "${PUBLIC_BASE_URL:-}" ]; then
    : "${TELEGRAM_WEBHOOK_SECRET:=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)}"
    export TELEGRAM_WEBHOOK_SECRET
    "$BIN" migrate
    "$BIN" set-webhook
else
    # Local mode: the Bot API stand-in plays Telegram; replies are recorded there.
    export TELEGRAM_BOT_TOKEN=${TELEGRAM_BOT_TOKEN:-123456:LOCAL-token}
    export TELEGRAM_WEBHOOK_SECRET=${TELEGRAM_WEBHOOK_SECRET:-local-secret}
    portfile=$(mktemp)
    python3 "$ROOT/tests/support/botapi_standin.py" --port 0 --port-file "$portfile" \
        --token "$TELEGRAM_BOT_TOKEN" 2>"$ROOT/$BUILD/botapi-standin.log" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
    export TELEGRAM_API_BASE="http://127.0.0.1:$(cat "$portfile")"
    rm -f "$portfile"
    cat <<MSG
avatarbot: local mode
  database      $DATABASE_URL
  webhook       http://$HTTP_BIND:$HTTP_PORT/telegram/webhook  (secret: $TELEGRAM_WEBHOOK_SECRET)
  Bot API       $TELEGRAM_API_BASE  (stand-in; replies: $TELEGRAM_API_BASE/_control/calls)
  try it:
    curl -s -H 'X-Telegram-Bot-Api-Secret-Token: $TELEGRAM_WEBHOOK_SECRET' \\
      -d '{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"from":{"id":1,"is_bot":false,"first_name":"You","language_code":"en"},"text":"/start"}}' \\
      http://$HTTP_BIND:$HTTP_PORT/telegram/webhook
    curl -s $TELEGRAM_API_BASE/_control/calls
MSG
fi
"$BIN" serve &
pids+=($!)
wait "${pids[-1]}"
