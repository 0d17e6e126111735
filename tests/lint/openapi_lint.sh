#!/usr/bin/env bash
# @brief Lint openapi.yaml with Redocly CLI (version pinned in tests/lint/package-lock.json).
#
# Usage: tests/lint/openapi_lint.sh [BUILD_DIR]
#   BUILD_DIR  build tree (default: <repo>/build). The linter is installed once into
#              BUILD_DIR/npm-tools with `npm ci`; later runs reuse it and need no network.
#              It is reinstalled only when tests/lint/package.json or package-lock.json change.
#
# Rules: redocly.yaml (recommended-strict: every problem is an error) and the
# per-location exemptions in .redocly.lint-ignore.yaml, both at the repo root.
# Exit status: 0 when the spec is clean, non-zero on any lint problem or install failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"

# shellcheck source=tests/lint/npm_tools.sh
source "$here/npm_tools.sh"
redocly="$tools/node_modules/.bin/redocly"

# No telemetry and no update check: the lint must run offline once installed.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_COLOR=1

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cd "$root"
rc=0
"$redocly" lint --config redocly.yaml --lint-config=error --format=codeframe \
    openapi.yaml >"$out" 2>&1 || rc=$?
# Redocly 2.x prints a boxed "Node.js 20 support is ending" notice on every run
# under Node 20; it says nothing about the spec, so keep it out of the log.
grep -v -e '[╔║╚]' "$out" || true

if [[ $rc -ne 0 ]]; then
    echo "openapi_lint: FAILED (redocly exit status $rc)" >&2
    exit "$rc"
fi
echo "openapi_lint: openapi.yaml OK"
