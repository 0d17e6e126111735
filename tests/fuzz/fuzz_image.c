/* libFuzzer target: the photo validator on untrusted upload bytes. Every input goes through the
 * module's entry point (ab_vision_module_api.analyze, i.e. ab_vision_analyze): format sniffing,
 * header and EXIF orientation (libjpeg-turbo markers, PNG eXIf, libexif), the size and
 * decompression-bomb guards, the full decode (JPEG with DCT scaling and "premature end"
 * detection, PNG with libpng), orientation, luma, dHash, sharpness, brightness and the quality
 * score. Any input must give a verdict with a consistent result, never a crash, a leak or
 * undefined behaviour. Run by tests/fuzz/run.sh (ctest: fuzz).
 *
 * The face detector (face_detector.cpp: OpenCV dnn and a model file) is left out: this file
 * stands in for it with a stub that "finds" 0..3 faces (sometimes more than the caller's
 * array holds) derived from the pixels, shaped like the real detector's answers (boxes clipped
 * to the image, largest first), so the face, MANY_FACES and quality paths of vision.c run too.
 * The stub only reads the pixels it is given, so out-of-bounds analysis images still show.
 *
 * The same bytes also feed the pixel helpers directly on a tiny synthetic image (1-channel and
 * 3-channel orient, resize, luma, dHash, sharpness, clipped mean luma), and the EXIF parser when
 * they are an APP1-style block ("Exif\0\0" ...). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/face_detector.h"
#include "vision/internal.h"
#include "vision/module_api.h"
#include "vision/vision.h"

extern const ab_vision_api ab_vision_module_api;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* ---- stub face detector (replaces face_detector.cpp) ------------------------------------- */

ab_err ab_vision_faces_init(const char *model_path)
{
    (void)model_path;
    return AB_OK;
}

void ab_vision_faces_shutdown(void)
{
}

bool ab_vision_faces_ready(void)
{
    return true;
}

void ab_vision_faces_tune(int max_nets, int cv_threads)
{
    (void)max_nets;
    (void)cv_threads;
}

static uint32_t mix(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x01000193u; /* FNV-1a */
    return h;
}

ab_err ab_vision_faces_detect(const unsigned char *rgb, int w, int h, float min_score,
                              bool search_rotated, ab_vision_face *faces, int max_faces, int *count,
                              int *rotation)
{
    (void)search_rotated;
    if (count)
        *count = 0;
    if (rotation)
        *rotation = 0;
    if (!rgb || w <= 0 || h <= 0 || !count || !rotation || (max_faces > 0 && !faces))
        return AB_ERR_INVALID;
    /* Touch the corners and the centre the way a network reading the whole image would, and
     * derive the answer from them. */
    size_t row = (size_t)w * 3;
    const size_t probes[5] = {0, row - 3, row * (size_t)(h - 1), row * (size_t)h - 3,
                              row * (size_t)(h / 2) + (size_t)(w / 2) * 3};
    uint32_t s = 0x811c9dc5u;
    for (int i = 0; i < 5; i++)
        for (int c = 0; c < 3; c++)
            s = mix(s, rgb[probes[i] + (size_t)c]);
    int pick = (int)(s % 5u);
    int n = pick == 4 ? 20 : pick; /* 20: more faces than the caller's array holds */
    float prev_area = INFINITY;
    int written = 0;
    for (int i = 0; i < n; i++) {
        s = mix(s, (uint32_t)i + 1u);
        float fw = 1.0f + (float)(s % (uint32_t)w);
        s = mix(s, 0x55u);
        float fh = 1.0f + (float)(s % (uint32_t)h);
        if (fw > (float)w)
            fw = (float)w;
        if (fh > (float)h)
            fh = (float)h;
        /* largest first, as the detector sorts them */
        float area = fw * fh;
        if (area > prev_area) {
            float k = sqrtf(prev_area / area);
            fw = fw * k > 1.0f ? fw * k : 1.0f;
            fh = fh * k > 1.0f ? fh * k : 1.0f;
        }
        prev_area = fw * fh;
        s = mix(s, 0xAAu);
        float fx = (float)(s % (uint32_t)(w - (int)fw + 1));
        s = mix(s, 0x33u);
        float fy = (float)(s % (uint32_t)(h - (int)fh + 1));
        if (fx + fw > (float)w)
            fw = (float)w - fx;
        if (fy + fh > (float)h)
            fh = (float)h - fy;
        float score = min_score + (1.0f - min_score) * (float)(s % 1000u) / 1000.0f;
        if (written < max_faces)
            faces[written] = (ab_vision_face){fx, fy, fw, fh, score};
        written++;
    }
    *count = n;
    static const int TURNS[3] = {0, 90, 270};
    *rotation = n > 0 ? TURNS[s % 3u] : 0;
    return AB_OK;
}

/* ---- checks of a result -------------------------------------------------------------------- */

static bool in01(double v)
{
    return v >= 0.0 && v <= 1.0; /* false for NaN */
}

static void check_result(const unsigned char *data, size_t size, const ab_vision_result *r)
{
    CHECK((unsigned)r->verdict < AB_VISION__VERDICT_COUNT);
    const char *name = ab_vision_module_api.verdict_name(r->verdict);
    ab_vision_verdict back;
    CHECK(ab_vision_verdict_parse(name, &back) && back == r->verdict);
    (void)ab_vision_module_api.verdict_before_duplicate(r->verdict);
    (void)ab_vision_module_api.format_name(r->format);
    CHECK(strlen(r->sha256) == 64);
    CHECK(r->bytes == size);
    CHECK(r->orientation >= 1 && r->orientation <= 8);
    CHECK(r->format == ab_vision_sniff(data, size));
    CHECK((r->format == AB_VISION_FORMAT_UNKNOWN) == (r->verdict == AB_VISION_UNSUPPORTED_FORMAT));
    if (!r->analysed) {
        /* only these stop before the pixels are looked at */
        CHECK(r->verdict == AB_VISION_UNSUPPORTED_FORMAT || r->verdict == AB_VISION_DAMAGED ||
              r->verdict == AB_VISION_TOO_LARGE || r->verdict == AB_VISION_TOO_LARGE_TO_CHECK);
        return;
    }
    CHECK(r->verdict != AB_VISION_UNSUPPORTED_FORMAT && r->verdict != AB_VISION_DAMAGED &&
          r->verdict != AB_VISION_TOO_LARGE && r->verdict != AB_VISION_TOO_LARGE_TO_CHECK);
    CHECK(r->width > 0 && r->height > 0);
    CHECK(in01(r->quality) && in01(r->brightness) && in01(r->face_brightness));
    CHECK(r->sharpness >= 0.0 && isfinite(r->sharpness));
    CHECK(r->decode_warnings >= 0);
    (void)ab_vision_hamming(r->dhash, 0);
    if (r->has_face) {
        CHECK(r->face_count >= 1 && r->similar_faces >= 1 && r->similar_faces <= r->face_count);
        CHECK(r->face.x >= 0 && r->face.y >= 0 && r->face.w >= 0 && r->face.h >= 0);
        CHECK(r->face.x + r->face.w <= r->width && r->face.y + r->face.h <= r->height);
        CHECK(r->face_rotation == 0 || r->face_rotation == 90 || r->face_rotation == 270);
        CHECK(in01(r->face_score));
    } else {
        CHECK(r->face_count == 0);
    }
}

/* ---- the pixel helpers on a tiny image made of the input bytes ----------------------------- */

static void helpers(const uint8_t *data, size_t size)
{
    if (size < 8)
        return;
    const int w = 1 + data[0] % 23, h = 1 + data[1] % 19, ch = data[2] & 1 ? 3 : 1;
    size_t n = (size_t)w * (size_t)h * (size_t)ch;
    ab_vision_image img = {w, h, ch, malloc(n)};
    if (!img.px)
        return;
    for (size_t i = 0; i < n; i++)
        img.px[i] = data[(i + 8) % size];
    int orientation = 1 + data[3] % 8;
    ab_vision_image turned, luma = {0}, small;
    if (ab_vision_orient(&img, orientation, &turned) == AB_OK) {
        CHECK(turned.w == (orientation >= 5 ? h : w) && turned.h == (orientation >= 5 ? w : h));
        if (ch == 3) {
            CHECK(ab_vision_luma(&turned, &luma) == AB_OK);
        } else {
            luma = turned;
            memset(&turned, 0, sizeof turned);
        }
        (void)ab_vision_dhash(&luma);
        CHECK(ab_vision_laplacian_variance(&luma) >= 0.0);
        /* rectangles a face box can give: clipped, possibly empty */
        int x = (int)(data[4] % 64) - 16, y = (int)(data[5] % 64) - 16;
        CHECK(in01(ab_vision_mean_luma(&luma, x, y, data[6] % 48, data[7] % 48)));
        int ow = 1 + data[6] % luma.w, oh = 1 + data[7] % luma.h;
        if (ab_vision_resize(&luma, ow, oh, &small) == AB_OK) {
            CHECK(small.w == ow && small.h == oh && small.channels == 1);
            ab_vision_image_free(&small);
        }
        int fw, fh;
        ab_vision_fit(luma.w, luma.h, 1 + data[4] % 16, &fw, &fh);
        CHECK(fw >= 1 && fh >= 1 && fw <= luma.w && fh <= luma.h);
        if (ab_vision_resize(&luma, fw, fh, &small) == AB_OK)
            ab_vision_image_free(&small);
    }
    ab_vision_image_free(&turned);
    ab_vision_image_free(&luma);
    ab_vision_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The service's options, with a few variations picked by the length so that the face and
     * size verdicts all get their turn. */
    ab_vision_options opt;
    ab_vision_module_api.options_default(&opt, size % 3 != 0);
    if (size % 2) {
        opt.min_width = opt.min_height = 1;
        opt.search_rotated = false;
    }
    if (size % 5 == 0)
        opt.max_memory = 256 * 1024; /* the memory budget refuses some that fit the default */
    ab_vision_result r;
    ab_err err = ab_vision_module_api.analyze(data, size, &opt, &r);
    CHECK(err == AB_OK || err == AB_ERR_NOMEM);
    if (err == AB_OK)
        check_result(data, size, &r);

    int o = ab_vision_exif_orientation(data, size);
    CHECK(o >= 1 && o <= 8);
    helpers(data, size);
    return 0;
}
