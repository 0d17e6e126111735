#!/usr/bin/env bash
# @brief Installs the pinned Node tools of tests/lint (package.json + package-lock.json) into
# BUILD_DIR/npm-tools once, and reinstalls only when the pins change. Sourced by the lint
# scripts after they set `here` (this folder), `root` and `build`; sets `tools`.
for tool in node npm sha256sum flock; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "npm_tools: '$tool' is required but not installed" >&2
        exit 2
    fi
done

mkdir -p "$build"
build="$(cd "$build" && pwd)"
tools="$build/npm-tools"
stamp="$tools/.installed-lock-sha256"

# What is installed is keyed on the pinned manifest + lockfile.
want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"

install_tools() {
    local tmp
    tmp="$(mktemp -d "$build/npm-tools.tmp.XXXXXX")"
    chmod 755 "$tmp"
    cp "$here/package.json" "$here/package-lock.json" "$tmp/"
    echo "npm_tools: installing pinned lint tools into $tools" >&2
    if ! (cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts \
            --loglevel=error >&2); then
        rm -rf "$tmp"
        echo "npm_tools: npm ci failed (is the npm registry reachable?)" >&2
        return 1
    fi
    echo "$want" >"$tmp/$(basename "$stamp")"
    rm -rf "$tools"
    mv "$tmp" "$tools"
}

# Serialise installs: ctest may start several lint jobs on one build tree at once.
exec 9>"$build/.npm-tools.lock"
flock 9
if [[ ! -d "$tools/node_modules" || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    install_tools
fi
flock -u 9

