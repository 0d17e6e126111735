#!/usr/bin/env bash
# bench/vision/run.sh — photo validation benchmark (not a test): time per analysis stage against
# plain full-size decoding of the same photos, photos/s on worker threads, peak RSS. Uses the
# test photo set (scripts/test-photos.sh, cached in the build dir) without the derived edge
# cases, and the face model of the build.
#
#   bench/vision/run.sh [BUILD_DIR] [-- extra ab_vision_bench options, e.g. -v --threads 4]
#
# Run it on a quiet machine: the numbers are medians of a few runs but share the CPU.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

cmake --build "$build" --target ab_vision_bench ab_vision_model >/dev/null
photos=$(grep -s '^AB_TEST_PHOTOS_DIR:' "$build/CMakeCache.txt" | cut -d= -f2- || true)
photos=${photos:-$build/test-photos}
bash "$root/scripts/test-photos.sh" "$photos" # compiles its own derive tool when needed

exec "$build/ab_vision_bench" --model "$build/models/blazeface_short_128.onnx" --threads 2 "$@" \
    "$photos/matplotlib" "$photos/skimage" "$photos/gramps" "$photos/kphotoalbum" \
    "$photos/plasma" "$photos/mate"
