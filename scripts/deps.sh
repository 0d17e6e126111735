#!/usr/bin/env bash
# deps.sh — installs the Debian packages avatarbot needs to build, run and test, when missing.
# Idempotent and quick when everything is present (one dpkg-query). Needs root (or sudo) only
# when something must be installed (and promtool, taken out of Debian's prometheus package by
# scripts/promtool.sh, for the alert tests). Node.js is required for the OpenAPI lint, the S3
# stand-in and the browser test (with Chromium) in tests.
#
#   scripts/deps.sh [build|run|test]     (default: test, the superset)
set -euo pipefail

what=${1:-test}

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libpq-dev
            libcurl4-openssl-dev libssl-dev libjpeg62-turbo-dev libpng-dev libexif-dev
            libopencv-core-dev libopencv-imgproc-dev libopencv-dnn-dev libzip-dev libcmocka-dev
            gettext python3)
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
    if [ "$what" = test ]; then
        "$(dirname "$0")/promtool.sh" --fetch
    fi
}

if [ ${#missing[@]} -eq 0 ]; then
    fetch_tools
    exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fetch_tools
echo "deps.sh: done" >&2
