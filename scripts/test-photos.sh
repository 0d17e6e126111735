#!/usr/bin/env bash
# test-photos.sh — puts the photos the vision tests and benchmark use into DIR, taken from
# Debian packages at test time (never committed), then derives the edge cases from them.
# Cached: a package already unpacked (DIR/.<package>.done) is not fetched again, and the
# derived set is only remade when its recipe version changes.
#
#   scripts/test-photos.sh DIR
#
# DIR/matplotlib  grace_hopper.jpg                         (python-matplotlib-data)
# DIR/skimage     astronaut.png camera.png chelsea.png coffee.png rocket.jpg (python3-skimage)
# DIR/gramps      portraits of the Gramps example tree      (gramps)
# DIR/kphotoalbum demo photos, some rotated 90° in pixels    (kphotoalbum)
# DIR/plasma      512x512 CC0 photos of animals and objects  (plasma-workspace-data)
# DIR/mate        nature photos, large artwork (one over 10 MB) (mate-backgrounds)
# DIR/derived     edge cases made by tests/vision/derive_photos.c
#
# The derive tool: $AB_PHOTO_DERIVE if set (CMake passes its build), else compiled here with cc
# and pkg-config (libjpeg-dev, libpng-dev, libexif-dev). apt-get download needs package
# lists: when it fails, this runs apt-get update once (as root) and tries again.
set -euo pipefail

dir=${1:?usage: $0 DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
derive_version=3 # bump when tests/vision/derive_photos.c changes what it makes
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
trap 'rm -rf "$dir"/.fetch.*' EXIT # what an interrupted run left half-unpacked

updated=0
download() {
    local pkg=$1 into=$2
    if (cd "$into" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null 2>&1); then
        return 0
    fi
    if [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then
        updated=1
        echo "test-photos.sh: apt-get update" >&2
        apt-get update -qq >/dev/null
        (cd "$into" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null) && return 0
    fi
    echo "test-photos.sh: cannot download $pkg" >&2
    return 1
}

# fetch PACKAGE SUBDIR PATTERN... — unpacks PACKAGE and copies the files matching the globs
# (relative to the package root) into DIR/SUBDIR, spaces in names turned into underscores.
fetch() {
    local pkg=$1 sub=$2
    shift 2
    [ -f "$dir/.$pkg.done" ] && return 0
    local tmp
    tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
    download "$pkg" "$tmp"
    dpkg-deb -x "$tmp"/*.deb "$tmp/root"
    mkdir -p "$dir/$sub"
    local n=0 pattern f base
    shopt -s nullglob
    for pattern in "$@"; do
        for f in "$tmp"/root/$pattern; do
            base=$(basename "$f")
            cp "$f" "$dir/$sub/${base// /_}"
            n=$((n + 1))
        done
    done
    shopt -u nullglob
    rm -rf "$tmp"
    if [ "$n" = 0 ]; then
        echo "test-photos.sh: no photos found in $pkg" >&2
        return 1
    fi
    touch "$dir/.$pkg.done"
    echo "test-photos.sh: $pkg: $n files" >&2
}

fetch python-matplotlib-data matplotlib usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
fetch python3-skimage skimage \
    usr/lib/python3/dist-packages/skimage/data/{astronaut,camera,chelsea,coffee}.png \
    usr/lib/python3/dist-packages/skimage/data/rocket.jpg
fetch gramps gramps 'usr/share/doc/gramps/example/gramps/*.jpg' \
    'usr/share/doc/gramps/example/gramps/*.png'
fetch kphotoalbum kphotoalbum 'usr/share/kphotoalbum/demo/*.jpg'
fetch plasma-workspace-data plasma 'usr/share/plasma/avatars/photos/*.png'
fetch mate-backgrounds mate 'usr/share/backgrounds/mate/nature/*.jpg' \
    usr/share/backgrounds/mate/abstract/Elephants{,_3840x2160,_5640x3172}.jpg \
    usr/share/backgrounds/mate/desktop/Float-into-MATE.png

if [ ! -f "$dir/.derived.v$derive_version" ]; then
    tool=${AB_PHOTO_DERIVE:-}
    if [ -z "$tool" ]; then
        tool="$dir/.derive_photos"
        # shellcheck disable=SC2046
        cc -std=c11 -O2 -o "$tool" "$here/tests/vision/derive_photos.c" \
            $(pkg-config --cflags --libs libjpeg libpng libexif)
    fi
    rm -rf "$dir/derived" "$dir"/.derived.v*
    "$tool" "$dir"
    touch "$dir/.derived.v$derive_version"
    echo "test-photos.sh: derived $(find "$dir/derived" -type f | wc -l) edge cases" >&2
fi
