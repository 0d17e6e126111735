/* Photo analysis (src/vision) on real photos from Debian packages and edge cases derived from
 * them (scripts/test-photos.sh): format by bytes, damage, size limits, EXIF orientation, hashes,
 * faces (found on face photos, none on the others), quality verdicts, threads. The photo
 * directory and the face model come from AB_TEST_PHOTOS and AB_FACE_MODEL (set by CMake). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vision/face_detector.h"
#include "vision/internal.h"
#include "vision/vision.h"

static const char *g_dir;

typedef struct {
    unsigned char *data;
    size_t len;
} file_bytes;

static file_bytes load(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("missing test photo %s (run scripts/test-photos.sh)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    file_bytes b = {malloc(n > 0 ? (size_t)n : 1), (size_t)(n > 0 ? n : 0)};
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

static ab_vision_result analyse_bytes(const unsigned char *data, size_t len, bool require_face)
{
    ab_vision_options opt;
    ab_vision_options_default(&opt, require_face);
    ab_vision_result r;
    assert_int_equal(ab_vision_analyze(data, len, &opt, &r), AB_OK);
    return r;
}

static ab_vision_result analyse(const char *rel, bool require_face)
{
    file_bytes b = load(rel);
    ab_vision_result r = analyse_bytes(b.data, b.len, require_face);
    free(b.data);
    return r;
}

#define assert_verdict(r, expected, file)                                                          \
    do {                                                                                           \
        if ((r).verdict != (expected))                                                             \
            fail_msg("%s: verdict %s, expected %s (faces %d, quality %.2f)", file,                 \
                     ab_vision_verdict_name((r).verdict), ab_vision_verdict_name(expected),        \
                     (r).face_count, (r).quality);                                                 \
    } while (0)

static int setup(void **state)
{
    (void)state;
    g_dir = getenv("AB_TEST_PHOTOS");
    const char *model = getenv("AB_FACE_MODEL");
    if (!g_dir || !model) {
        fprintf(stderr, "AB_TEST_PHOTOS and AB_FACE_MODEL must be set\n");
        return -1;
    }
    return ab_vision_init(model) == AB_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ab_vision_shutdown();
    return 0;
}

/* ---- pure functions ------------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    static const char *const expected[] = {
        "ok",      "unsupported_format", "damaged",    "too_small", "too_large",
        "no_face", "many_faces",         "too_blurry", "too_dark",  "too_large_to_check"};
    assert_int_equal(AB_VISION__VERDICT_COUNT, sizeof expected / sizeof expected[0]);
    for (int v = 0; v < AB_VISION__VERDICT_COUNT; v++) {
        assert_string_equal(ab_vision_verdict_name((ab_vision_verdict)v), expected[v]);
        ab_vision_verdict back;
        assert_true(ab_vision_verdict_parse(expected[v], &back));
        assert_int_equal(back, v);
    }
    assert_string_equal(ab_vision_verdict_name((ab_vision_verdict)99), "unknown");
    assert_false(ab_vision_verdict_parse("blurry", NULL));
    assert_true(ab_vision_verdict_before_duplicate(AB_VISION_TOO_SMALL));
    assert_true(ab_vision_verdict_before_duplicate(AB_VISION_DAMAGED));
    assert_true(ab_vision_verdict_before_duplicate(AB_VISION_TOO_LARGE_TO_CHECK));
    assert_false(ab_vision_verdict_before_duplicate(AB_VISION_NO_FACE));
    assert_false(ab_vision_verdict_before_duplicate(AB_VISION_OK));
    assert_string_equal(ab_vision_format_name(AB_VISION_FORMAT_PNG), "png");
}

static void test_hamming(void **state)
{
    (void)state;
    assert_int_equal(ab_vision_hamming(0, 0), 0);
    assert_int_equal(ab_vision_hamming(0, ~0ULL), 64);
    assert_int_equal(ab_vision_hamming(0xF0ULL, 0x0FULL), 8);
    assert_int_equal(ab_vision_hamming(1ULL << 63, 1), 2);
}

static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    assert_int_equal(ab_vision_sha256_hex((const unsigned char *)"abc", 3, hex), AB_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* analysis of nothing: unsupported, but hashed */
    ab_vision_result r = analyse_bytes((const unsigned char *)"", 0, true);
    assert_verdict(r, AB_VISION_UNSUPPORTED_FORMAT, "empty");
    assert_string_equal(r.sha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* A 3x2 image whose pixels are numbered; each EXIF orientation must show them as the EXIF
 * specification draws it (stored row 0 is "1 2 3", row 1 is "4 5 6"). */
static void test_orientation_table(void **state)
{
    (void)state;
    unsigned char px[6 * 3];
    for (int i = 0; i < 6; i++)
        px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (unsigned char)(i + 1);
    ab_vision_image in = {3, 2, 3, px};
    static const struct {
        int o, w, h;
        unsigned char shown[6];
    } cases[] = {
        {1, 3, 2, {1, 2, 3, 4, 5, 6}}, {2, 3, 2, {3, 2, 1, 6, 5, 4}}, {3, 3, 2, {6, 5, 4, 3, 2, 1}},
        {4, 3, 2, {4, 5, 6, 1, 2, 3}}, {5, 2, 3, {1, 4, 2, 5, 3, 6}}, {6, 2, 3, {4, 1, 5, 2, 6, 3}},
        {7, 2, 3, {6, 3, 5, 2, 4, 1}}, {8, 2, 3, {3, 6, 2, 5, 1, 4}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ab_vision_image out;
        assert_int_equal(ab_vision_orient(&in, cases[c].o, &out), AB_OK);
        assert_int_equal(out.w, cases[c].w);
        assert_int_equal(out.h, cases[c].h);
        for (int i = 0; i < 6; i++)
            if (out.px[3 * i] != cases[c].shown[i])
                fail_msg("orientation %d: pixel %d is %d, expected %d", cases[c].o, i,
                         out.px[3 * i], cases[c].shown[i]);
        ab_vision_image_free(&out);
    }
}

static void test_resample(void **state)
{
    (void)state;
    /* 4x4 -> 2x2 is the mean of each 2x2 block */
    unsigned char px[16] = {0, 10, 100, 100, 20, 30, 100, 100, 7, 7, 255, 255, 7, 7, 255, 255};
    ab_vision_image in = {4, 4, 1, px}, out;
    assert_int_equal(ab_vision_resize(&in, 2, 2, &out), AB_OK);
    assert_int_equal(out.px[0], 15);
    assert_int_equal(out.px[1], 100);
    assert_int_equal(out.px[2], 7);
    assert_int_equal(out.px[3], 255);
    ab_vision_image_free(&out);
    /* 3 -> 2 columns weights the middle pixel half to each side; flat stays flat */
    unsigned char row[3] = {30, 60, 90};
    ab_vision_image r3 = {3, 1, 1, row};
    assert_int_equal(ab_vision_resize(&r3, 2, 1, &out), AB_OK);
    assert_int_equal(out.px[0], 40); /* (30 + 60 / 2) / 1.5 */
    assert_int_equal(out.px[1], 80);
    ab_vision_image_free(&out);
    unsigned char *flat = malloc(1001 * 777 * 3);
    assert_non_null(flat);
    memset(flat, 123, 1001 * 777 * 3);
    ab_vision_image big = {1001, 777, 3, flat};
    assert_int_equal(ab_vision_resize(&big, 97, 31, &out), AB_OK);
    for (int i = 0; i < 97 * 31 * 3; i++)
        assert_int_equal(out.px[i], 123);
    ab_vision_image_free(&out);
    free(flat);
    /* upscaling is refused */
    assert_int_equal(ab_vision_resize(&r3, 4, 1, &out), AB_ERR_INVALID);
}

/* Area mean of the input span [o * in / out, (o + 1) * in / out) of a 1-D signal, in doubles:
 * what ab_vision_resize approximates in fixed point. */
static double box_mean(const unsigned char *v, int in, int out, int o)
{
    double a = (double)o * in / out, b = (double)(o + 1) * in / out, sum = 0.0;
    for (int i = (int)a; i < in && i < b; i++) {
        double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
        sum += v[i] * (hi - lo);
    }
    return sum / (b - a);
}

/* Shrinks of any factor, on either axis, give the area mean (within rounding): the weights
 * used to wrap around 16 bits from a ~180x shrink on, and only 64 input rows were read per
 * output row (a 64x shrink): both made garbage. */
static void test_resample_big_factors(void **state)
{
    (void)state;
    static const int sizes[][2] = {{181, 1}, {400, 3}, {999, 2}, {5000, 7}, {20000, 9}, {65, 1}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const int in = sizes[i][0], n = sizes[i][1];
        unsigned char *v = malloc((size_t)in);
        assert_non_null(v);
        for (int k = 0; k < in; k++) /* a ramp with some texture */
            v[k] = (unsigned char)((k * 200) / in + (k % 7) * 5);
        /* the same signal along a row (in x 1) and down a column (1 x in) */
        ab_vision_image wide = {in, 1, 1, v}, tall = {1, in, 1, v}, a, b;
        assert_int_equal(ab_vision_resize(&wide, n, 1, &a), AB_OK);
        assert_int_equal(ab_vision_resize(&tall, 1, n, &b), AB_OK);
        for (int o = 0; o < n; o++) {
            double want = box_mean(v, in, n, o);
            if (fabs(a.px[o] - want) > 1.0 || fabs(b.px[o] - want) > 1.0)
                fail_msg("%d -> %d, pixel %d: %d across, %d down, expected %.1f", in, n, o, a.px[o],
                         b.px[o], want);
        }
        ab_vision_image_free(&a);
        ab_vision_image_free(&b);
        free(v);
    }
}

/* Shrinks under 2x of a luma image (the sharpness image's: 2 or 3 taps) give exactly what the
 * three-channel path (the same weights) gives for a grey image with the same values, and both
 * the area mean within rounding. */
static void test_resample_luma_exact(void **state)
{
    (void)state;
    srand(11);
    static const int sizes[][4] = {
        {9, 3, 5, 2},     {17, 4, 9, 3},     {33, 2, 32, 1},   {100, 5, 67, 4},  {640, 4, 512, 3},
        {800, 3, 512, 2}, {1001, 2, 999, 1}, {905, 6, 453, 5}, {451, 3, 450, 2}, {24, 2, 13, 1}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const int w = sizes[i][0], h = sizes[i][1], ow = sizes[i][2], oh = sizes[i][3];
        const size_t n = (size_t)w * (size_t)h;
        unsigned char *grey = malloc(n), *rgb = malloc(3 * n);
        assert_non_null(grey);
        assert_non_null(rgb);
        for (size_t k = 0; k < n; k++)
            grey[k] = rgb[3 * k] = rgb[3 * k + 1] = rgb[3 * k + 2] = (unsigned char)rand();
        ab_vision_image g = {w, h, 1, grey}, c = {w, h, 3, rgb}, go, co;
        assert_int_equal(ab_vision_resize(&g, ow, oh, &go), AB_OK);
        assert_int_equal(ab_vision_resize(&c, ow, oh, &co), AB_OK);
        for (int k = 0; k < ow * oh; k++)
            if (go.px[k] != co.px[3 * k])
                fail_msg("%dx%d -> %dx%d, pixel %d: %d, expected %d", w, h, ow, oh, k, go.px[k],
                         co.px[3 * k]);
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++) {
                double col[8] = {0}; /* the rows' means over the output's columns, then down */
                const double y0 = (double)y * h / oh, y1 = (double)(y + 1) * h / oh;
                const int j0 = (int)y0;
                for (int j = j0; j < h && j < y1 && j - j0 < 8; j++)
                    col[j - j0] = box_mean(grey + (size_t)j * w, w, ow, x);
                double sum = 0.0;
                for (int j = j0; j < h && j < y1 && j - j0 < 8; j++) {
                    const double lo = j > y0 ? j : y0, hi = j + 1 < y1 ? j + 1 : y1;
                    sum += col[j - j0] * (hi - lo);
                }
                const double want = sum / (y1 - y0);
                if (fabs(go.px[y * ow + x] - want) > 1.0)
                    fail_msg("%dx%d -> %dx%d, (%d, %d): %d, area mean %.2f", w, h, ow, oh, x, y,
                             go.px[y * ow + x], want);
            }
        ab_vision_image_free(&go);
        ab_vision_image_free(&co);
        free(grey);
        free(rgb);
    }
}

/* dHash of an image taller than 512 px sees all its rows: the lower half of each of the 8
 * bands of rows falls from left to right (a 1 bit per pair), the upper half is flat. */
static void test_dhash_tall(void **state)
{
    (void)state;
    enum { W = 9, H = 1024 };
    unsigned char *px = malloc(W * H);
    assert_non_null(px);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            px[y * W + x] = (unsigned char)(y % (H / 8) >= H / 16 ? 250 - 25 * x : 100);
    ab_vision_image img = {W, H, 1, px};
    assert_int_equal(ab_vision_dhash(&img), ~0ULL);
    free(px);
}

/* The pixel loops, which add in 32-bit slices, give exactly what the plain formulas give, on
 * odd sizes, random pixels and the extremes: bright, and a black and white checkerboard (the
 * largest Laplacians), over more than one slice (65,536 pixels of luma and mean, 2,048 columns
 * of Laplacian). */
static void test_pixel_loops_exact(void **state)
{
    (void)state;
    srand(8);
    enum { BRIGHT, RANDOM, CHECKER };
    static const int sizes[][3] = {{1, 1, BRIGHT},     {3, 3, RANDOM},     {17, 5, BRIGHT},
                                   {33, 19, RANDOM},   {640, 427, BRIGHT}, {451, 640, RANDOM},
                                   {4100, 3, CHECKER}, {70000, 1, RANDOM}, {300, 300, CHECKER},
                                   {2050, 70, RANDOM}, {66000, 3, CHECKER}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const int w = sizes[i][0], h = sizes[i][1];
        const size_t n = (size_t)w * (size_t)h;
        unsigned char *rgb = malloc(3 * n);
        assert_non_null(rgb);
        for (size_t k = 0; k < 3 * n; k++) {
            const size_t px = k / 3;
            rgb[k] = (unsigned char)(sizes[i][2] == RANDOM                   ? rand()
                                     : sizes[i][2] == BRIGHT                 ? 255 - (int)(k % 3)
                                     : (px % (size_t)w + px / (size_t)w) % 2 ? 255
                                                                             : 0);
        }
        ab_vision_image in = {w, h, 3, rgb}, luma;
        assert_int_equal(ab_vision_luma(&in, &luma), AB_OK);
        unsigned long long sum = 0;
        for (size_t k = 0; k < n; k++) {
            const unsigned char *p = rgb + 3 * k;
            unsigned y = (19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16;
            assert_int_equal(luma.px[k], y);
            sum += y;
        }
        assert_true(ab_vision_mean_luma(&luma, 0, 0, 0, 0) == (double)sum / ((double)n * 255.0));
        ab_vision_image again;
        uint64_t total = 0;
        assert_int_equal(ab_vision_luma_sum(&in, &again, &total), AB_OK);
        assert_int_equal(total, sum);
        assert_memory_equal(again.px, luma.px, n);
        assert_true(ab_vision_luma_sum_mean(total, w, h) == ab_vision_mean_luma(&luma, 0, 0, 0, 0));
        ab_vision_image_free(&again);
        if (w >= 3 && h >= 3) {
            double s = 0, s2 = 0;
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++) {
                    const unsigned char *c = luma.px + (size_t)y * w + x;
                    int v = c[-w] + c[w] + c[-1] + c[1] - 4 * c[0];
                    s += v;
                    s2 += (double)v * v;
                }
            double cnt = (double)(w - 2) * (h - 2), mean = s / cnt, var = s2 / cnt - mean * mean;
            assert_true(fabs(ab_vision_laplacian_variance(&luma) - (var > 0 ? var : 0)) <=
                        1e-9 * (var + 1));
        }
        ab_vision_image_free(&luma);
        free(rgb);
    }
}

/* ---- format and damage ----------------------------------------------------------------------- */

static void test_format_by_bytes(void **state)
{
    (void)state;
    ab_vision_result r = analyse("derived/png_named.jpg", true);
    assert_int_equal(r.format, AB_VISION_FORMAT_PNG);
    assert_verdict(r, AB_VISION_OK, "png_named.jpg");
    assert_int_equal(r.width, 512);

    r = analyse("matplotlib/grace_hopper.jpg", true);
    assert_int_equal(r.format, AB_VISION_FORMAT_JPEG);

    /* 16 bits per sample: scaled to 8, same picture */
    r = analyse("derived/rgb16.png", true);
    assert_verdict(r, AB_VISION_OK, "rgb16.png");
    assert_int_equal(r.format, AB_VISION_FORMAT_PNG);
    assert_true(ab_vision_hamming(r.dhash, analyse("skimage/astronaut.png", true).dhash) <= 2);

    /* Adam7-interlaced PNG: decoded whole, same picture */
    ab_vision_result plain = analyse("skimage/astronaut.png", true);
    r = analyse("derived/interlaced.png", true);
    assert_verdict(r, AB_VISION_OK, "interlaced.png");
    assert_int_equal(r.dhash, plain.dhash);
    assert_int_equal(r.face.x, plain.face.x);

    static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    r = analyse_bytes((const unsigned char *)gif, sizeof gif - 1, true);
    assert_verdict(r, AB_VISION_UNSUPPORTED_FORMAT, "gif");
    assert_int_equal(r.format, AB_VISION_FORMAT_UNKNOWN);
    static const unsigned char webp[] = "RIFF\x10\x00\x00\x00WEBPVP8 ";
    r = analyse_bytes(webp, sizeof webp - 1, true);
    assert_verdict(r, AB_VISION_UNSUPPORTED_FORMAT, "webp");
    static const unsigned char two[] = {0xFF, 0xD8};
    r = analyse_bytes(two, sizeof two, true);
    assert_verdict(r, AB_VISION_UNSUPPORTED_FORMAT, "2 bytes");
}

static void test_damaged(void **state)
{
    (void)state;
    ab_vision_result r = analyse("derived/truncated.jpg", true);
    assert_int_equal(r.format, AB_VISION_FORMAT_JPEG);
    assert_verdict(r, AB_VISION_DAMAGED, "truncated.jpg");
    assert_false(r.analysed);

    /* Cut anywhere (in the header, in the scan, just before the end marker): damaged. Bytes
     * after the end marker are normal. */
    file_bytes j = load("matplotlib/grace_hopper.jpg");
    size_t cuts[] = {3, 20, 200, j.len / 3, j.len - 100, j.len - 2};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        r = analyse_bytes(j.data, cuts[i], true);
        if (r.verdict != AB_VISION_DAMAGED)
            fail_msg("JPEG cut at %zu of %zu: %s", cuts[i], j.len,
                     ab_vision_verdict_name(r.verdict));
    }
    free(j.data);
    r = analyse("derived/trailing.jpg", true);
    assert_verdict(r, AB_VISION_OK, "trailing.jpg");

    file_bytes p = load("skimage/astronaut.png");
    size_t pcuts[] = {10, 40, p.len / 2, p.len - 30, p.len - 5};
    for (size_t i = 0; i < sizeof pcuts / sizeof pcuts[0]; i++) {
        r = analyse_bytes(p.data, pcuts[i], true);
        if (r.verdict != AB_VISION_DAMAGED)
            fail_msg("PNG cut at %zu of %zu: %s", pcuts[i], p.len,
                     ab_vision_verdict_name(r.verdict));
    }
    /* a flipped bit inside the image data fails the chunk CRC */
    unsigned char keep = p.data[p.len / 2];
    p.data[p.len / 2] ^= 0x10;
    r = analyse_bytes(p.data, p.len, true);
    assert_verdict(r, AB_VISION_DAMAGED, "PNG with a flipped bit");
    p.data[p.len / 2] = keep;
    /* trailing bytes after IEND are ignored */
    unsigned char *longer = malloc(p.len + 100);
    assert_non_null(longer);
    memcpy(longer, p.data, p.len);
    memset(longer + p.len, 0xAB, 100);
    r = analyse_bytes(longer, p.len + 100, true);
    assert_verdict(r, AB_VISION_OK, "PNG with trailing bytes");
    free(longer);
    free(p.data);
}

/* Random damage must end in a verdict, never a crash, a hang or a leak (run under ASan). */
static void test_mutations(void **state)
{
    (void)state;
    static const char *const files[] = {"matplotlib/grace_hopper.jpg", "skimage/astronaut.png",
                                        "derived/exif6_upright.jpg"};
    unsigned seed = 12345;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        file_bytes b = load(files[f]);
        unsigned char *copy = malloc(b.len);
        assert_non_null(copy);
        for (int i = 0; i < 60; i++) {
            memcpy(copy, b.data, b.len);
            size_t len = b.len;
            int flips = 1 + (int)(rand_r(&seed) % 8);
            for (int k = 0; k < flips; k++) {
                /* mostly in the first 2 KB, where the headers and tables are */
                size_t span = rand_r(&seed) % 2 ? (b.len < 2048 ? b.len : 2048) : b.len;
                copy[rand_r(&seed) % span] ^= (unsigned char)(1u << (rand_r(&seed) % 8));
            }
            if (i % 3 == 0)
                len = 8 + rand_r(&seed) % (b.len - 8);
            ab_vision_options opt;
            ab_vision_options_default(&opt, i % 2 == 0);
            ab_vision_result r;
            assert_int_equal(ab_vision_analyze(copy, len, &opt, &r), AB_OK);
            assert_true((unsigned)r.verdict < AB_VISION__VERDICT_COUNT);
            assert_int_equal(strlen(r.sha256), 64);
        }
        free(copy);
        free(b.data);
    }
}

/* ---- size -------------------------------------------------------------------------------------
 */

/* A valid 1x1 RGB PNG. */
static const unsigned char ONE_PIXEL_PNG[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0xf8, 0xdf, 0xc0, 0x00, 0x00, 0x04, 0x01, 0x01, 0x80, 0xc5, 0x2a, 0x18,
    0x5d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static void test_size_limits(void **state)
{
    (void)state;
    ab_vision_result one = analyse_bytes(ONE_PIXEL_PNG, sizeof ONE_PIXEL_PNG, true);
    assert_verdict(one, AB_VISION_TOO_SMALL, "1x1 PNG");
    assert_true(one.analysed && one.width == 1 && one.height == 1 && one.face_count == 0);
    one = analyse("derived/one_pixel.jpg", false);
    assert_verdict(one, AB_VISION_TOO_SMALL, "one_pixel.jpg");
    assert_true(one.analysed && one.width == 1);

    ab_vision_result r = analyse("derived/crop400.jpg", true);
    assert_verdict(r, AB_VISION_TOO_SMALL, "crop400.jpg");
    assert_int_equal(r.width, 400);
    assert_int_equal(r.height, 400);
    assert_true(r.analysed); /* still analysed: the face is there */
    assert_true(r.has_face);

    r = analyse("mate/Elephants_5640x3172.jpg", false);
    assert_true(r.bytes > AB_VISION_DEFAULT_MAX_BYTES);
    assert_verdict(r, AB_VISION_TOO_LARGE, "Elephants_5640x3172.jpg");
    assert_int_equal(r.width, 5640);
    assert_int_equal(r.height, 3172);
    assert_false(r.analysed);

    /* A header that claims 30000 x 30000 in a small file: refused before decoding. */
    file_bytes j = load("matplotlib/grace_hopper.jpg");
    size_t i = 2; /* walk the marker segments to the frame header (SOF0..SOF2) */
    while (i + 9 < j.len && j.data[i] == 0xFF && (j.data[i + 1] < 0xC0 || j.data[i + 1] > 0xC2))
        i += 2 + (((size_t)j.data[i + 2] << 8) | j.data[i + 3]);
    assert_true(i + 9 < j.len && j.data[i] == 0xFF);
    j.data[i + 5] = 30000 >> 8;
    j.data[i + 6] = 30000 & 0xFF;
    j.data[i + 7] = 30000 >> 8;
    j.data[i + 8] = 30000 & 0xFF;
    r = analyse_bytes(j.data, j.len, true);
    /* the user is told it is too large to check, not that the file is over 10 MB */
    assert_verdict(r, AB_VISION_TOO_LARGE_TO_CHECK, "30000x30000 header");
    free(j.data);
}

/* ---- orientation ----------------------------------------------------------------------------- */

static void test_exif_orientation(void **state)
{
    (void)state;
    ab_vision_result plain = analyse("matplotlib/grace_hopper.jpg", true);
    assert_int_equal(plain.orientation, 1);
    assert_int_equal(plain.width, 512);
    assert_int_equal(plain.height, 600);
    assert_true(plain.has_face);

    /* stored turned, tag 6: shown upright, so the face is where it is in the original */
    ab_vision_result up = analyse("derived/exif6_upright.jpg", true);
    assert_int_equal(up.orientation, 6);
    assert_int_equal(up.width, 512);
    assert_int_equal(up.height, 600);
    assert_verdict(up, AB_VISION_OK, "exif6_upright.jpg");
    assert_int_equal(up.face_rotation, 0);
    assert_true(abs(up.face.x - plain.face.x) <= 6 && abs(up.face.y - plain.face.y) <= 6);
    assert_true(ab_vision_hamming(up.dhash, plain.dhash) <= AB_VISION_DEFAULT_HAMMING_NEAR);

    /* the same in PNG, whose EXIF lives in an eXIf chunk */
    ab_vision_result png = analyse("skimage/astronaut.png", true);
    ab_vision_result png_up = analyse("derived/exif6_upright.png", true);
    assert_int_equal(png_up.orientation, 6);
    assert_verdict(png_up, AB_VISION_OK, "exif6_upright.png");
    assert_true(abs(png_up.face.x - png.face.x) <= 2 && abs(png_up.face.y - png.face.y) <= 2);
    assert_int_equal(png_up.dhash, png.dhash);

    /* upright pixels, tag 6 added: shown turned clockwise, 600 x 512, face lying on its side */
    ab_vision_result side = analyse("derived/exif6_sideways.jpg", true);
    assert_int_equal(side.orientation, 6);
    assert_int_equal(side.width, 600);
    assert_int_equal(side.height, 512);
    assert_true(side.has_face);
    /* the original face centre (x, y) is shown at (600 - y, x) */
    int cx = plain.face.x + plain.face.w / 2, cy = plain.face.y + plain.face.h / 2;
    int sx = side.face.x + side.face.w / 2, sy = side.face.y + side.face.h / 2;
    if (abs(sx - (600 - cy)) > 30 || abs(sy - cx) > 30)
        fail_msg("sideways face centre (%d,%d), expected near (%d,%d)", sx, sy, 600 - cy, cx);
}

/* ---- hashes -----------------------------------------------------------------------------------
 */

static void test_duplicates(void **state)
{
    (void)state;
    ab_vision_result a = analyse("matplotlib/grace_hopper.jpg", true);
    ab_vision_result again = analyse("matplotlib/grace_hopper.jpg", true);
    ab_vision_result near = analyse("derived/near_duplicate.jpg", true);
    ab_vision_result trailing = analyse("derived/trailing.jpg", true);
    assert_int_equal(strlen(a.sha256), 64);
    assert_string_equal(a.sha256, again.sha256); /* exact duplicate */
    assert_string_not_equal(a.sha256, near.sha256);
    assert_string_not_equal(a.sha256, trailing.sha256);
    assert_true(ab_vision_hamming(a.dhash, near.dhash) <= AB_VISION_DEFAULT_HAMMING_NEAR);
    assert_true(ab_vision_hamming(a.dhash, trailing.dhash) <= AB_VISION_DEFAULT_HAMMING_NEAR);
    ab_vision_result png = analyse("skimage/astronaut.png", true);
    ab_vision_result png_named = analyse("derived/png_named.jpg", true);
    assert_string_equal(png.sha256, png_named.sha256);
}

/* Every pair of different photos in the set is further apart than the near-duplicate bound. */
static const char *const ORIGINALS[] = {
    "matplotlib/grace_hopper.jpg",
    "skimage/astronaut.png",
    "skimage/camera.png",
    "skimage/coffee.png",
    "skimage/chelsea.png",
    "skimage/rocket.jpg",
    "gramps/654px-Aksel_Andersson.jpg",
    "gramps/E_W_Dahlgren.jpg",
    "gramps/Alimehemet.jpg",
    "gramps/O0.jpg",
    "gramps/O4.jpg",
    "gramps/scanned_microfilm.png",
    "kphotoalbum/bar55.jpg",
    "kphotoalbum/bar55_2.jpg",
    "kphotoalbum/jesper.jpg",
    "kphotoalbum/jesper_2.jpg",
    "kphotoalbum/donna.jpg",
    "kphotoalbum/donna_2.jpg",
    "kphotoalbum/grand_canyon_1.jpg",
    "kphotoalbum/grand_canyon_2.jpg",
    "kphotoalbum/grand_canyon_3.jpg",
    "kphotoalbum/skagen.jpg",
    "kphotoalbum/skagen_2.jpg",
    "kphotoalbum/sunset.jpg",
    "kphotoalbum/spiff.jpg",
    "kphotoalbum/spiff_2.jpg",
    "kphotoalbum/pool.jpg",
    "kphotoalbum/pool_2.jpg",
    "kphotoalbum/new_wave_1.jpg",
    "kphotoalbum/new_wave_2.jpg",
    "plasma/Astronaut.png",
    "plasma/Bulb.png",
    "plasma/Cat.png",
    "plasma/Dog.png",
    "plasma/Owl.png",
    "plasma/Sunflower.png",
    "mate/Dune.jpg",
    "mate/Wood.jpg",
    "mate/Storm.jpg",
    "mate/Aqua.jpg",
    "mate/GreenMeadow.jpg",
};

static void test_different_photos_far_apart(void **state)
{
    (void)state;
    enum { N = sizeof ORIGINALS / sizeof ORIGINALS[0] };
    uint64_t h[N];
    for (int i = 0; i < N; i++) {
        ab_vision_result r = analyse(ORIGINALS[i], false);
        assert_true(r.analysed);
        h[i] = r.dhash;
    }
    int closest = 64;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            int d = ab_vision_hamming(h[i], h[j]);
            if (d <= AB_VISION_DEFAULT_HAMMING_NEAR)
                fail_msg("%s and %s are %d bits apart", ORIGINALS[i], ORIGINALS[j], d);
            if (d < closest)
                closest = d;
        }
    print_message("closest pair of different photos: %d bits\n", closest);
}

/* ---- faces ------------------------------------------------------------------------------------
 */

typedef struct {
    const char *file;
    ab_vision_verdict portrait; /* verdict with require_face */
    int faces;                  /* faces found (>= 1 for face photos), -1: not checked */
    int rotation;
} face_case;

/* Clear faces: found, in portraits, profiles, old prints, group photos and photos whose
 * pixels are rotated 90 degrees with no EXIF tag. */
static const face_case FACE_PHOTOS[] = {
    {"matplotlib/grace_hopper.jpg", AB_VISION_OK, 1, 0},
    {"skimage/astronaut.png", AB_VISION_OK, 1, 0},
    {"skimage/camera.png", AB_VISION_OK, 1, 0}, /* in profile */
    {"gramps/654px-Aksel_Andersson.jpg", AB_VISION_OK, 1, 0},
    {"gramps/E_W_Dahlgren.jpg", AB_VISION_OK, 1, 0},
    {"gramps/Alimehemet.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"gramps/Gunnlaugur_Larusson_-_Yawn.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"gramps/O0.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"gramps/O3.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"gramps/O4.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"kphotoalbum/anne_helene.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"kphotoalbum/jesper.jpg", AB_VISION_OK, 1, 0},
    {"kphotoalbum/jesper_2.jpg", AB_VISION_OK, 1, 0},
    {"kphotoalbum/new_wave_2.jpg", AB_VISION_OK, 1, 0},
    {"kphotoalbum/new_wave_1.jpg", AB_VISION_OK, 1, -1}, /* pixels turned, no tag */
    {"kphotoalbum/bar55_2.jpg", AB_VISION_MANY_FACES, 2, 0},
    {"kphotoalbum/qt-logo.jpg", AB_VISION_MANY_FACES, 3, 0},
    {"derived/exif6_upright.jpg", AB_VISION_OK, 1, 0},
    {"derived/exif6_sideways.jpg", AB_VISION_OK, 1, -1},
    {"derived/near_duplicate.jpg", AB_VISION_OK, 1, 0},
    {"derived/crop400.jpg", AB_VISION_TOO_SMALL, 1, 0},
    {"derived/png_named.jpg", AB_VISION_OK, 1, 0},
};

/* People too small in the frame for a clear face (under ~15% of the long side, which is also
 * below what BlazeFace short-range finds): no face is counted, so a portrait avatar refuses
 * them. Pinned so that a change in the detector shows up here. */
static const face_case SMALL_FACES[] = {
    {"kphotoalbum/bar55.jpg", AB_VISION_NO_FACE, 0, 0},
    {"kphotoalbum/cold_water.jpg", AB_VISION_NO_FACE, 0, 0},
    {"kphotoalbum/grand_canyon_1.jpg", AB_VISION_NO_FACE, 0, 0}, /* also upside down */
    {"kphotoalbum/grand_canyon_2.jpg", AB_VISION_NO_FACE, 0, 0},
    {"kphotoalbum/pool.jpg", AB_VISION_NO_FACE, 0, 0},
    {"kphotoalbum/pool_2.jpg", AB_VISION_NO_FACE, 0, 0}, /* turned and dark */
    {"kphotoalbum/wayne.jpg", AB_VISION_NO_FACE, 0, 0},  /* turned */
    {"gramps/1897_expeditionsmannschaft_rio_a.jpg", AB_VISION_TOO_SMALL, 0, 0},
    {"gramps/O1.jpg", AB_VISION_TOO_SMALL, 0, 0},
    {"gramps/O2.jpg", AB_VISION_TOO_SMALL, 0, 0},
    {"gramps/O5.jpg", AB_VISION_TOO_SMALL, 0, 0},
    {"gramps/AntoineClaudet.png", AB_VISION_TOO_SMALL, 0, 0},
};

static void check_faces(const face_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const face_case *c = &cases[i];
        ab_vision_result r = analyse(c->file, true);
        assert_verdict(r, c->portrait, c->file);
        if (c->faces >= 0 && r.face_count != c->faces)
            fail_msg("%s: %d faces, expected %d", c->file, r.face_count, c->faces);
        if (c->faces > 0) {
            assert_true(r.has_face);
            assert_true(r.face_score >= AB_VISION_DEFAULT_MIN_FACE_SCORE && r.face_score <= 1.0f);
            /* the box is in original pixels, after orientation, inside the frame */
            assert_true(r.face.w > 0 && r.face.h > 0);
            assert_true(r.face.x >= 0 && r.face.y >= 0);
            assert_true(r.face.x + r.face.w <= r.width && r.face.y + r.face.h <= r.height);
            if (c->rotation >= 0 && r.face_rotation != c->rotation)
                fail_msg("%s: face found turned %d, expected %d", c->file, r.face_rotation,
                         c->rotation);
        }
        /* STYLE records the same faces but does not require them */
        ab_vision_result s = analyse(c->file, false);
        assert_int_equal(s.face_count, r.face_count);
        if (r.verdict == AB_VISION_NO_FACE || r.verdict == AB_VISION_MANY_FACES)
            assert_verdict(s, AB_VISION_OK, c->file);
    }
}

static void test_face_photos(void **state)
{
    (void)state;
    check_faces(FACE_PHOTOS, sizeof FACE_PHOTOS / sizeof FACE_PHOTOS[0]);
    /* the face box of a known photo, in original pixels */
    ab_vision_result r = analyse("matplotlib/grace_hopper.jpg", true);
    assert_true(r.face.x > 140 && r.face.x < 200 && r.face.y > 110 && r.face.y < 180);
    assert_true(r.face.w > 150 && r.face.w < 260);
}

/* Photos whose pixels are turned 90 degrees with no EXIF tag: each face photo turned both ways
 * must still show its face. Some sideways faces already pass on the upright pass; the others
 * need the turned passes, which must then say which way the photo had to be turned. */
static void test_turned_faces(void **state)
{
    (void)state;
    static const char *const files[] = {
        "matplotlib/grace_hopper.jpg", "skimage/astronaut.png",  "gramps/654px-Aksel_Andersson.jpg",
        "gramps/E_W_Dahlgren.jpg",     "gramps/O0.jpg",          "gramps/O3.jpg",
        "kphotoalbum/anne_helene.jpg", "kphotoalbum/jesper.jpg", "kphotoalbum/jesper_2.jpg",
        "kphotoalbum/new_wave_2.jpg",
    };
    int needed_search = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        file_bytes b = load(files[i]);
        ab_vision_image img, turned;
        int warnings = 0;
        assert_int_equal(ab_vision_decode(b.data, b.len, ab_vision_sniff(b.data, b.len),
                                          AB_VISION_ANALYSIS_SIDE, AB_VISION_DEFAULT_MAX_MEMORY,
                                          &img, &warnings),
                         AB_VISION_DECODE_OK);
        /* orientation 6 turns clockwise (the fix is 270), 8 counter-clockwise (the fix is 90) */
        static const int how[2][2] = {{6, 270}, {8, 90}};
        for (int k = 0; k < 2; k++) {
            assert_int_equal(ab_vision_orient(&img, how[k][0], &turned), AB_OK);
            ab_vision_face faces[4];
            int n = 0, rot = -1, n_plain = 0, rot_plain = -1;
            assert_int_equal(ab_vision_faces_detect(turned.px, turned.w, turned.h,
                                                    AB_VISION_DEFAULT_MIN_FACE_SCORE, true, faces,
                                                    4, &n, &rot),
                             AB_OK);
            if (n < 1)
                fail_msg("%s turned by orientation %d: no face", files[i], how[k][0]);
            assert_int_equal(ab_vision_faces_detect(turned.px, turned.w, turned.h,
                                                    AB_VISION_DEFAULT_MIN_FACE_SCORE, false, faces,
                                                    4, &n_plain, &rot_plain),
                             AB_OK);
            assert_int_equal(rot_plain, 0);
            if (n_plain == 0) {
                needed_search++;
                if (rot != how[k][1])
                    fail_msg("%s turned by orientation %d: found turned %d, expected %d", files[i],
                             how[k][0], rot, how[k][1]);
            }
            ab_vision_image_free(&turned);
        }
        ab_vision_image_free(&img);
        free(b.data);
    }
    print_message("%d of %zu turned photos needed the turned passes\n", needed_search,
                  2 * (sizeof files / sizeof files[0]));
    assert_true(needed_search > 0);
}

static void test_small_faces(void **state)
{
    (void)state;
    check_faces(SMALL_FACES, sizeof SMALL_FACES / sizeof SMALL_FACES[0]);
}

/* No false faces: animals (cats, dogs, an owl, a parrot, a fish, rabbits), objects,
 * landscapes, a helmeted astronaut with a mirrored visor, a rocket, handwriting. */
static const char *const NON_FACES[] = {
    "plasma/Air_Balloon.png",  "plasma/Astronaut.png",
    "plasma/Books.png",        "plasma/Brushes.png",
    "plasma/Bulb.png",         "plasma/Car.png",
    "plasma/Cat.png",          "plasma/Chameleon.png",
    "plasma/Cocktail.png",     "plasma/Dog.png",
    "plasma/Fish.png",         "plasma/Gamepad.png",
    "plasma/Owl.png",          "plasma/Pancakes.png",
    "plasma/Parrot.png",       "plasma/Pencils.png",
    "plasma/Shuttle.png",      "plasma/Soccer.png",
    "plasma/Sunflower.png",    "plasma/Sushi.png",
    "mate/Aqua.jpg",           "mate/Blinds.jpg",
    "mate/Dune.jpg",           "mate/FreshFlower.jpg",
    "mate/Garden.jpg",         "mate/GreenMeadow.jpg",
    "mate/LadyBird.jpg",       "mate/RainDrops.jpg",
    "mate/Storm.jpg",          "mate/TwoWings.jpg",
    "mate/Wood.jpg",           "mate/YellowFlower.jpg",
    "kphotoalbum/blackie.jpg", "kphotoalbum/donna.jpg",
    "kphotoalbum/donna_2.jpg", "kphotoalbum/grand_canyon_3.jpg",
    "kphotoalbum/skagen.jpg",  "kphotoalbum/skagen_2.jpg",
    "kphotoalbum/snow.jpg",    "kphotoalbum/spiff.jpg",
    "kphotoalbum/spiff_2.jpg", "kphotoalbum/sunset.jpg",
    "skimage/chelsea.png",     "skimage/coffee.png",
    "skimage/rocket.jpg",      "gramps/scanned_microfilm.png",
};

static void test_no_false_faces(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof NON_FACES / sizeof NON_FACES[0]; i++) {
        ab_vision_result r = analyse(NON_FACES[i], true);
        assert_true(r.analysed);
        if (r.face_count != 0)
            fail_msg("%s: %d false faces (score %.2f, turned %d)", NON_FACES[i], r.face_count,
                     r.face_score, r.face_rotation);
        assert_false(r.has_face);
        assert_true(r.verdict == AB_VISION_NO_FACE || r.verdict == AB_VISION_TOO_SMALL);
    }
}

/* ---- quality ----------------------------------------------------------------------------------
 */

static void test_quality(void **state)
{
    (void)state;
    ab_vision_result sharp = analyse("matplotlib/grace_hopper.jpg", true);
    ab_vision_result blurred = analyse("derived/blurred.jpg", true);
    ab_vision_result dark = analyse("derived/dark.jpg", true);
    assert_verdict(sharp, AB_VISION_OK, "grace_hopper.jpg");
    assert_true(sharp.quality >= 0.8);
    assert_verdict(blurred, AB_VISION_TOO_BLURRY, "blurred.jpg");
    assert_true(blurred.has_face); /* the face is still there: it is the sharpness */
    assert_true(blurred.sharpness < sharp.sharpness / 20);
    assert_true(blurred.quality < AB_VISION_DEFAULT_MIN_QUALITY);
    assert_verdict(dark, AB_VISION_TOO_DARK, "dark.jpg");
    assert_true(dark.has_face);
    assert_true(dark.brightness < 0.1 && dark.face_brightness < 0.12);
    assert_true(dark.quality < AB_VISION_DEFAULT_MIN_QUALITY);
    /* the same reasons without a required face (STYLE) */
    assert_verdict(analyse("derived/blurred.jpg", false), AB_VISION_TOO_BLURRY, "blurred.jpg");
    assert_verdict(analyse("derived/dark.jpg", false), AB_VISION_TOO_DARK, "dark.jpg");
    /* a soft but fine portrait and a face lit in a dark bar pass */
    assert_verdict(analyse("kphotoalbum/jesper.jpg", true), AB_VISION_OK, "jesper.jpg");
    ab_vision_result bar = analyse("kphotoalbum/bar55_2.jpg", false);
    assert_verdict(bar, AB_VISION_OK, "bar55_2.jpg");
    assert_true(bar.brightness < 0.3 && bar.face_brightness > 0.4);
    /* every analysed photo's parts are in range */
    for (size_t i = 0; i < sizeof ORIGINALS / sizeof ORIGINALS[0]; i++) {
        ab_vision_result r = analyse(ORIGINALS[i], false);
        assert_true(r.quality >= 0.0 && r.quality <= 1.0);
        assert_true(r.brightness >= 0.0 && r.brightness <= 1.0);
        assert_true(r.sharpness >= 0.0);
    }
}

/* ---- threads and lifecycle ------------------------------------------------------------------- */

typedef struct {
    file_bytes photos[4];
    ab_vision_result expected[4];
    int failures;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    ab_vision_options opt;
    ab_vision_options_default(&opt, true);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 4; i++) {
            ab_vision_result r;
            if (ab_vision_analyze(job->photos[i].data, job->photos[i].len, &opt, &r) != AB_OK ||
                r.verdict != job->expected[i].verdict || r.dhash != job->expected[i].dhash ||
                r.face_count != job->expected[i].face_count || r.face.x != job->expected[i].face.x)
                __atomic_add_fetch(&job->failures, 1, __ATOMIC_RELAXED);
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static const char *const files[4] = {"matplotlib/grace_hopper.jpg", "plasma/Cat.png",
                                         "kphotoalbum/new_wave_1.jpg", "kphotoalbum/qt-logo.jpg"};
    thread_job job = {.failures = 0};
    for (int i = 0; i < 4; i++) {
        job.photos[i] = load(files[i]);
        job.expected[i] = analyse_bytes(job.photos[i].data, job.photos[i].len, true);
    }
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &job), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(job.failures, 0);
    for (int i = 0; i < 4; i++)
        free(job.photos[i].data);
}

static void test_lifecycle(void **state)
{
    (void)state;
    const char *model = getenv("AB_FACE_MODEL");
    char path[4096];
    snprintf(path, sizeof path, "%s/matplotlib/grace_hopper.jpg", g_dir);
    assert_int_equal(ab_vision_init("/nonexistent/model.onnx"), AB_ERR_NOT_FOUND);
    assert_int_equal(ab_vision_init(path), AB_ERR_INVALID); /* not a model */
    assert_int_equal(ab_vision_init(NULL), AB_ERR_INVALID);
    /* a failed init keeps the detector that was there */
    assert_true(analyse("matplotlib/grace_hopper.jpg", true).has_face);
    ab_vision_shutdown();
    ab_vision_result r;
    unsigned char byte = 0;
    assert_int_equal(ab_vision_analyze(&byte, 1, NULL, &r), AB_ERR_INTERNAL);
    ab_vision_shutdown(); /* twice is fine */
    assert_int_equal(ab_vision_init(model), AB_OK);
    assert_int_equal(ab_vision_init(model), AB_OK); /* again: replaces */
    assert_int_equal(ab_vision_analyze(NULL, 0, NULL, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_vision_analyze(NULL, 5, NULL, &r), AB_ERR_INVALID);
    /* NULL options are the PORTRAIT defaults */
    file_bytes b = load("plasma/Cat.png");
    assert_int_equal(ab_vision_analyze(b.data, b.len, NULL, &r), AB_OK);
    assert_verdict(r, AB_VISION_NO_FACE, "Cat.png");
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_hamming),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_orientation_table),
        cmocka_unit_test(test_resample),
        cmocka_unit_test(test_resample_big_factors),
        cmocka_unit_test(test_resample_luma_exact),
        cmocka_unit_test(test_dhash_tall),
        cmocka_unit_test(test_pixel_loops_exact),
        cmocka_unit_test(test_format_by_bytes),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_exif_orientation),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_different_photos_far_apart),
        cmocka_unit_test(test_face_photos),
        cmocka_unit_test(test_turned_faces),
        cmocka_unit_test(test_small_faces),
        cmocka_unit_test(test_no_false_faces),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_lifecycle),
    };
    return cmocka_run_group_tests_name("vision", tests, setup, teardown);
}
