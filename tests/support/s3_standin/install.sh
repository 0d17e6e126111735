#!/usr/bin/env bash
# @brief Installs the S3 stand-in's pinned npm dependencies (the AWS SDK's SigV4 signer) into
# the build tree, and prints the directory to pass to server.js as --deps.
#
# Usage: tests/support/s3_standin/install.sh [BUILD_DIR]
#   BUILD_DIR  build tree (default: <repo>/build). Dependencies go to BUILD_DIR/s3-standin-deps
#              with `npm ci` from package-lock.json; later runs reuse them and need no network.
#              They are reinstalled only when package.json or package-lock.json change.
# Idempotent, safe to run concurrently (flock), quick when present (one sha256sum).
# Exit status: 0 and the directory on stdout, or non-zero with the reason on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
build="${1:-$root/build}"

for tool in node npm sha256sum flock; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "s3_standin/install.sh: '$tool' is required but not installed (scripts/deps.sh test)" >&2
        exit 2
    fi
done

mkdir -p "$build"
build="$(cd "$build" && pwd)"
deps="$build/s3-standin-deps"
stamp="$deps/.installed-lock-sha256"

# What is installed is keyed on the pinned manifest + lockfile.
want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"

install_deps() {
    local tmp
    tmp="$(mktemp -d "$build/s3-standin-deps.tmp.XXXXXX")"
    chmod 755 "$tmp"
    cp "$here/package.json" "$here/package-lock.json" "$tmp/"
    echo "s3_standin/install.sh: installing pinned dependencies into $deps" >&2
    if ! (cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts \
            --loglevel=error >&2); then
        rm -rf "$tmp"
        echo "s3_standin/install.sh: npm ci failed (is the npm registry reachable?)" >&2
        return 1
    fi
    echo "$want" >"$tmp/$(basename "$stamp")"
    rm -rf "$deps"
    mv "$tmp" "$deps"
}

# Serialise installs: several test processes may start on one build tree at once.
exec 9>"$build/.s3-standin-deps.lock"
flock 9
if [[ ! -d "$deps/node_modules/@smithy/signature-v4" || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    install_deps
fi
flock -u 9
echo "$deps"
