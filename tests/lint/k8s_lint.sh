#!/usr/bin/env bash
# @brief Renders deploy/kubernetes with Kustomize (kubectl kustomize, or kustomize build) and
# validates the output against the Kubernetes schemas and the service's contract
# (tests/lint/k8s_validate.mjs): the base, each overlay, and two releases of each (tags 1.0.0
# and 1.1.0, plus 1.0.0 with a config change) to prove that applying the next one changes
# nothing Kubernetes cannot change. Exits 77 (skipped) when no Kustomize is installed.
# Usage: tests/lint/k8s_lint.sh BUILD_DIR AVATARBOT_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
binary="${2:-$build/avatarbot}"
deploy="$root/deploy/kubernetes"

if command -v kubectl >/dev/null 2>&1; then
    kustomize() { kubectl kustomize "$1"; }
elif command -v kustomize >/dev/null 2>&1; then
    kustomize() { command kustomize build "$1"; }
else
    echo "k8s_manifests: skipped: neither kubectl nor kustomize is installed" >&2
    exit 77
fi

# shellcheck source=tests/lint/npm_tools.sh
source "$here/npm_tools.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$binary" --help >"$work/help.txt"
mkdir "$work/render"

# A copy of the deploy tree as an operator would prepare release TAG: the tag set in the
# base's `images`, optionally one setting of config.env changed.
release() { # NAME TAG [KEY=VALUE]
    cp -r "$deploy" "$work/$1"
    sed -i "s/^    newTag: .*/    newTag: $2/" "$work/$1/base/kustomization.yaml"
    grep -q "^    newTag: $2\$" "$work/$1/base/kustomization.yaml"
    if [ $# -gt 2 ]; then
        sed -i "s/^${3%%=*}=.*/$3/" "$work/$1/base/config.env"
        grep -qx "$3" "$work/$1/base/config.env"
    fi
    kustomize "$work/$1/base" >"$work/render/$1.base.yaml"
    kustomize "$work/$1/overlays/migrate-job" >"$work/render/$1.migrate-job.yaml"
}

kustomize "$deploy/base" >"$work/render/base.yaml"
for overlay in "$deploy"/overlays/*/; do
    kustomize "$overlay" >"$work/render/overlay.$(basename "$overlay").yaml"
done
release a 1.0.0
release b 1.1.0
release a-config 1.0.0 LOG_LEVEL=debug

cp "$here/k8s_validate.mjs" "$tools/k8s_validate.mjs" # resolve packages from the tools dir
node "$tools/k8s_validate.mjs" "$deploy" "$work/help.txt" "$work/render"
