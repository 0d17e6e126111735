#!/usr/bin/env bash
# promtool.sh — runs promtool, Prometheus' rule checker, for the monitoring test (ctest
# `monitoring`); scripts/deps.sh test fetches it ahead with --fetch.
#
# Debian 12's promtool (2.42) comes only in the `prometheus` package, whose install also brings
# 11 JavaScript packages for the web UI and enables a Prometheus server at boot (started at once
# on a machine with systemd). The suite needs none of that, so only promtool is taken from the
# package: `apt-get download` (no root needed while apt's package lists are current) and
# dpkg-deb into a cache folder, ~3 s and 46 MiB once. A promtool already on PATH is used as is.
#
#   scripts/promtool.sh ARGS...   run promtool (fetching it first when missing)
#   scripts/promtool.sh --fetch   only make sure it is there
set -euo pipefail

cache=${AB_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/avatarbot}
tool=$cache/promtool

fetch() {
    local tmp sudo= opts=(-q)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT # on failure; below, before the exec, by hand
    # as root apt would download as its _apt user, who cannot write into our folder
    [ "$(id -u)" -eq 0 ] && opts+=(-o APT::Sandbox::User=root)
    echo "promtool.sh: fetching promtool from Debian's prometheus package into $cache" >&2
    if ! (cd "$tmp" && apt-get download "${opts[@]}" prometheus >/dev/null 2>&1); then
        # no or stale package lists (a fresh machine): refresh them, which needs root
        if [ "$(id -u)" -ne 0 ]; then
            command -v sudo >/dev/null 2>&1 || { echo "promtool.sh: run as root once (apt-get update)" >&2; exit 1; }
            sudo=sudo
        fi
        $sudo apt-get update -qq
        (cd "$tmp" && apt-get download "${opts[@]}" prometheus >/dev/null)
    fi
    dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
    mkdir -p "$cache"
    # rename, so a parallel run never sees half a file
    mv "$tmp/usr/bin/promtool" "$tool.$$" && mv -f "$tool.$$" "$tool"
    rm -rf "$tmp"
    trap - EXIT
}

if command -v promtool >/dev/null 2>&1; then
    tool=$(command -v promtool)
elif [ ! -x "$tool" ]; then
    fetch
fi
if [ "${1:-}" = "--fetch" ]; then
    exit 0
fi
exec "$tool" "$@"
