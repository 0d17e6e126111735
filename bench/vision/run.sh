#!/usr/bin/env bash
# bench/vision/run.sh — photo validation benchmark (not a test): time per analysis stage against
# plain full-size decoding of the same photos, per format, the 12 MP budget, photos/s on worker
# threads, peak RSS. Uses the test photo set (scripts/test-photos.sh, cached in the build dir)
# without the derived edge cases, and the face model of the build.
#
#   bench/vision/run.sh [BUILD_DIR] [-- extra ab_vision_bench options, e.g. -v --threads 4]
#
# Run it on a quiet machine: the numbers are medians of a few runs but share the CPU.
#
# Issue 16's target is a budget: the median analysis of a 12 MP JPEG within 30 ms on one core,
# shown next to a plain full-size decode of the same file in the same run, and the peak memory of
# one analysis within the memory budget (ab_vision_options.max_memory). The benchmark uses a
# 12 MP JPEG among the photos given, else makes one in memory (the middle 4000x3000 of the
# largest JPEG, quality 92, 4:2:0; --save-12mp FILE writes it) and judges on the thread's CPU
# time, which a shared machine inflates less than the wall time (both are printed). --strict
# makes a missed budget exit 1. Per format (JPEG, PNG) it prints the median and mean decode and
# analysis over the photo set.
#
# Issue 16 made the analysis portable (plain OpenCV dnn, one C version of each pixel loop, no
# AVX2 stand-ins or SIMD copies). On the 2-core shared dev machine, 3 runs alternating with the
# build before it, medians of the runs, before -> after:
#   12 MP JPEG (the middle of mate/Elephants_5640x3172.jpg, 4.68 MB): analysis 36.6 -> 38.5 ms
#   CPU against a 64.9 ms plain decode: over the 30 ms budget before and after. libjpeg-turbo's
#   entropy decoding alone, at the 1/8 DCT scale the analysis uses, takes 31.4 ms CPU of it
#   (28.9 ms for the same image at quality 85, 3.9 MB, analysed in 35.6 ms): the budget needs a
#   machine whose plain decode of such a file takes at most ~50 ms (the analysis is ~0.6 of it).
#   Peak memory of one analysis: +0.8 MiB RSS (budget 64 MiB; a plain decode: +34.4 MiB).
#   Per format, the median photo: JPEG (51) 3.6 -> 6.4 ms against a 1.2 ms plain decode, PNG
#   (27) 8.1 -> 10.3 ms against 5.2 ms; means JPEG 10.4 -> 13.4 ms, PNG 9.1 -> 13.7 ms. Nearly
#   all of it is the face detector on OpenCV's own layers (faces stage 2.8 -> 5.3 ms, one
#   network pass ~1.5 -> ~3.2 ms); the plain C luma, Laplacian and resampling add ~0.35 ms.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

cmake --build "$build" --target ab_vision_bench ab_vision_model >/dev/null
# The baseline is the system's optimised libjpeg-turbo / libpng; the analysis is this build's code:
# an unoptimised (Debug, -O0) or sanitizer build makes the comparison meaningless.
btype=$(grep -s '^CMAKE_BUILD_TYPE:' "$build/CMakeCache.txt" | cut -d= -f2- || true)
case "$btype" in
    Release | RelWithDebInfo | MinSizeRel) ;;
    *) echo "bench/vision/run.sh: warning: $build is a '${btype:-unset}' build, not optimised;" \
        "configure one with -DCMAKE_BUILD_TYPE=RelWithDebInfo for numbers that mean something" >&2 ;;
esac
if grep -qs '^AB_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "bench/vision/run.sh: warning: $build is built with sanitizers" >&2
fi
photos=$(grep -s '^AB_TEST_PHOTOS_DIR:' "$build/CMakeCache.txt" | cut -d= -f2- || true)
photos=${photos:-$build/test-photos}
bash "$root/scripts/test-photos.sh" "$photos" # compiles its own derive tool when needed

exec "$build/ab_vision_bench" --model "$build/models/blazeface_short_128.onnx" --threads 2 "$@" \
    "$photos/matplotlib" "$photos/skimage" "$photos/gramps" "$photos/kphotoalbum" \
    "$photos/plasma" "$photos/mate"
