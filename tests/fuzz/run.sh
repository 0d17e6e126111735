#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a short while on
# its corpus in the repo (tests/fuzz/corpus/<target>), as Taler keeps its AFL corpora.
# New inputs go to a scratch copy, never into the repo. Usage: run.sh BUILD_DIR [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$1"
seconds="${2:-20}"
out="$build/fuzz"
mkdir -p "$out"
cflags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/src" -I"$root/include")
clang "${cflags[@]}" -o "$out/fuzz_update" "$here/fuzz_update.c" \
    "$root/src/telegram/update.c" "$root/src/core/json.c" "$root/src/fsm/event.c" \
    "$root/src/fsm/state.c" $(pkg-config --cflags --libs jansson)
scratch="$out/corpus-update"
rm -rf "$scratch"
mkdir -p "$scratch"
ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_update" -max_total_time="$seconds" -max_len=8192 \
    -timeout=5 -print_final_stats=1 "$scratch" "$here/corpus/update"
