#!/usr/bin/env bash
# @brief The pinned Node tools of tests/lint (package.json + package-lock.json), installed into
# BUILD_DIR/npm-tools by scripts/npm-pinned.sh. Sourced by the lint scripts after they set
# `here` (this folder), `root` and `build`; sets `tools`.
# shellcheck disable=SC2034,SC2154  # sourced: root/here/build come from the caller, tools goes back to it
tools="$(bash "$root/scripts/npm-pinned.sh" "$here" "$build" npm-tools)"
