#!/usr/bin/env bash
# @brief Installs the S3 stand-in's pinned npm dependencies (the AWS SDK's SigV4 signer) into
# the build tree, and prints the directory to pass to server.js as --deps.
#
# Usage: tests/support/s3_standin/install.sh [BUILD_DIR]
#   BUILD_DIR  build tree (default: <repo>/build). Dependencies go to BUILD_DIR/s3-standin-deps
#              with `npm ci` from package-lock.json; later runs reuse them and need no network.
#              They are reinstalled only when package.json or package-lock.json change.
# Idempotent, safe to run concurrently, quick when present (scripts/npm-pinned.sh).
# Exit status: 0 and the directory on stdout, or non-zero with the reason on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
build="${1:-$root/build}"

# The same pinned installer as the lint tools; this checks only that the signer is there.
deps="$(bash "$root/scripts/npm-pinned.sh" "$here" "$build" s3-standin-deps)"
if [[ ! -d "$deps/node_modules/@smithy/signature-v4" ]]; then
    echo "s3_standin/install.sh: @smithy/signature-v4 missing from $deps" >&2
    exit 1
fi
echo "$deps"
