#!/usr/bin/env bash
# bench/dataset/run.sh — the training dataset ZIP (not a test): building the ZIP of an avatar's
# 50 photos against reading the same objects back from storage, ZIP overhead and peak RSS.
# Uses the test photos (scripts/test-photos.sh, cached in the build dir).
#
#   bench/dataset/run.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
cmake --build "$build" --target ab_dataset_bench >/dev/null
photos=$(grep -s '^AB_TEST_PHOTOS_DIR:' "$build/CMakeCache.txt" | cut -d= -f2- || true)
photos=${photos:-$build/test-photos}
bash "$root/scripts/test-photos.sh" "$photos"
# the portraits and photos users send: JPEGs of a few MB
mapfile -t files < <(find "$photos/gramps" "$photos/kphotoalbum" "$photos/mate" -name '*.jpg' \
                       -size -10M | sort | head -50)
exec "$build/ab_dataset_bench" --rounds 7 --copies 50 "${files[@]}"
