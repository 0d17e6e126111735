#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a short while on
# its corpus in the repo (tests/fuzz/corpus/<target>), as Taler keeps its AFL corpora.
# New inputs go to a scratch copy, never into the repo.
#
#   run.sh BUILD_DIR [SECONDS [TARGET...]]
#
# SECONDS is per target (default 20); TARGET is update, image, s3xml or fal_webhook (default:
# all).
#   update  Telegram update parsing and event derivation (fuzz_update.c)
#   image   the photo validator on upload bytes, with a stub face detector (fuzz_image.c)
#   s3xml   the reader of S3's answers: listings, multipart results, errors (fuzz_s3xml.c)
#   fal_webhook  the reader of FAL's webhook bodies (fuzz_fal_webhook.c)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$1"
seconds="${2:-20}"
shift $(($# < 2 ? $# : 2))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(update image s3xml fal_webhook)
out="$build/fuzz"
mkdir -p "$out"
# shellcheck disable=SC2054  # the commas belong to -fsanitize=
cflags=(-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/src" -I"$root/include")

build_update() {
    # shellcheck disable=SC2046  # pkg-config output is meant to split into flags
    clang "${cflags[@]}" -o "$out/fuzz_update" "$here/fuzz_update.c" \
        "$root/src/telegram/wire_update.c" "$root/src/core/json.c" "$root/src/fsm/event.c" \
        "$root/src/fsm/state.c" "$root/src/ui/buttons.c" "$root/src/ui/messages.c" \
        "$root/src/ui/messages_source.c" "$build/generated/catalogs.c" \
        $(pkg-config --cflags --libs jansson)
}

# The codecs (libjpeg-turbo, libpng, libexif) are the system's, not instrumented: coverage
# guidance stops at their API, but ASan still sees their heap use through malloc and free.
build_image() {
    # shellcheck disable=SC2046
    clang "${cflags[@]}" -o "$out/fuzz_image" "$here/fuzz_image.c" \
        "$root/src/vision/vision.c" "$root/src/vision/decode.c" "$root/src/vision/image.c" \
        "$root/src/vision/module.c" \
        $(pkg-config --cflags --libs libjpeg libpng libexif libcrypto) -lm
}

# s3_xml.c and the key list it fills (storage.c, which brings the backends along).
build_s3xml() {
    # shellcheck disable=SC2046
    clang "${cflags[@]}" -o "$out/fuzz_s3xml" "$here/fuzz_s3xml.c" "$root"/src/storage/*.c \
        "$root/src/core/http_client.c" "$root/src/core/log.c" "$root/src/core/error.c" \
        "$root/src/core/storage_url.c" \
        $(pkg-config --cflags --libs jansson libcurl libcrypto)
}

build_fal_webhook() {
    # shellcheck disable=SC2046
    clang "${cflags[@]}" -o "$out/fuzz_fal_webhook" "$here/fuzz_fal_webhook.c" \
        "$root/src/fal/webhook_body.c" "$root/src/core/json.c" $(pkg-config --cflags --libs jansson)
}

run() { # target max_len
    local scratch="$out/corpus-$1"
    rm -rf "$scratch"
    mkdir -p "$scratch"
    ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_$1" -max_total_time="$seconds" -max_len="$2" \
        -timeout=5 -print_final_stats=1 -artifact_prefix="$out/$1-" "$scratch" "$here/corpus/$1"
}

for t in "${targets[@]}"; do
    case "$t" in
    update) build_update; run update 8192 ;;
    image) build_image; run image 65536 ;;
    s3xml) build_s3xml; run s3xml 16384 ;;
    fal_webhook) build_fal_webhook; run fal_webhook 8192 ;;
    *) echo "run.sh: unknown target $t (update, image, s3xml, fal_webhook)" >&2; exit 2 ;;
    esac
done
