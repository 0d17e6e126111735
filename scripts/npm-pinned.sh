#!/usr/bin/env bash
# npm-pinned.sh — installs the npm packages pinned by MANIFEST_DIR's package.json and
# package-lock.json into BUILD_DIR/NAME with `npm ci`, once: later runs reuse them (no network)
# and reinstall only when the pins change. Safe to run concurrently (flock). Prints the
# install directory. The one installer behind the test tools (tests/lint), the S3 stand-in,
# the bench's grammY peer (bench/grammy) and the browser test of the web chat (tests/webchat).
#
#   scripts/npm-pinned.sh MANIFEST_DIR BUILD_DIR NAME
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 MANIFEST_DIR BUILD_DIR NAME" >&2; exit 2; }
manifest="$(cd "$1" && pwd)"
mkdir -p "$2"
build="$(cd "$2" && pwd)"
name="$3"

for tool in node npm sha256sum flock; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "npm-pinned: '$tool' is required but not installed (scripts/deps.sh test)" >&2
        exit 2
    fi
done

dest="$build/$name"
stamp="$dest/.installed-lock-sha256"
want="$(cat "$manifest/package.json" "$manifest/package-lock.json" | sha256sum | cut -d' ' -f1)"

install() {
    local tmp
    tmp="$(mktemp -d "$build/$name.tmp.XXXXXX")"
    chmod 755 "$tmp"
    cp "$manifest/package.json" "$manifest/package-lock.json" "$tmp/"
    echo "npm-pinned: installing the packages pinned in $manifest into $dest" >&2
    if ! (cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts \
            --loglevel=error >&2); then
        rm -rf "$tmp"
        echo "npm-pinned: npm ci failed (is the npm registry reachable?)" >&2
        return 1
    fi
    echo "$want" >"$tmp/$(basename "$stamp")"
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

# Serialise installs: ctest may start several users of one build tree at once.
exec 9>"$build/.$name.lock"
flock 9
if [[ ! -d "$dest/node_modules" || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    install
fi
flock -u 9
echo "$dest"
