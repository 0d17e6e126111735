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

for tool in node npm sha256sum flock; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "openapi_lint: '$tool' is required but not installed" >&2
        exit 2
    fi
done

mkdir -p "$build"
build="$(cd "$build" && pwd)"
tools="$build/npm-tools"
stamp="$tools/.installed-lock-sha256"
redocly="$tools/node_modules/.bin/redocly"

# What is installed is keyed on the pinned manifest + lockfile.
want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"

install_tools() {
    local tmp
    tmp="$(mktemp -d "$build/npm-tools.tmp.XXXXXX")"
    chmod 755 "$tmp"
    cp "$here/package.json" "$here/package-lock.json" "$tmp/"
    echo "openapi_lint: installing pinned lint tools into $tools" >&2
    if ! (cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts \
            --loglevel=error >&2); then
        rm -rf "$tmp"
        echo "openapi_lint: npm ci failed (is the npm registry reachable?)" >&2
        return 1
    fi
    echo "$want" >"$tmp/$(basename "$stamp")"
    rm -rf "$tools"
    mv "$tmp" "$tools"
}

# Serialise installs: ctest may start several lint jobs on one build tree at once.
exec 9>"$build/.npm-tools.lock"
flock 9
if [[ ! -x "$redocly" || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    install_tools
fi
flock -u 9

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
