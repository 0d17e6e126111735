#!/usr/bin/env bash
# @brief Validates deploy/kubernetes against the Kubernetes schemas and the service's contract
# (tests/lint/k8s_validate.mjs). Usage: tests/lint/k8s_lint.sh BUILD_DIR AVATARBOT_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
binary="${2:-$build/avatarbot}"
# shellcheck source=tests/lint/npm_tools.sh
source "$here/npm_tools.sh"
help="$(mktemp)"
trap 'rm -f "$help"' EXIT
"$binary" --help >"$help"
cp "$here/k8s_validate.mjs" "$tools/k8s_validate.mjs"  # resolve packages from the tools dir
node "$tools/k8s_validate.mjs" "$root/deploy/kubernetes" "$help"
