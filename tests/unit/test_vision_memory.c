/* The memory budget of one photo analysis (issue 15): small files that declare large images
 * (made here, never committed) are refused as too large to check from their headers, with the
 * process's peak RSS barely moving, while the same images in the formats that decode row by
 * row are analysed within the budget; the budget is a setting. Peak RSS is VmHWM, reset before
 * each analysis through /proc/self/clear_refs. AB_FACE_MODEL is set by CMake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "big_photos.h"
#include "vision/vision.h"

#define MIB (1024.0 * 1024.0)
#define SIDE 7000 /* 49 MP: under the 50 MP pixel limit */

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

/* Analyses with a budget of max_memory bytes; *grew_mb is how far the peak RSS rose above the
 * RSS before the analysis. */
static ab_vision_result analyse(const ab_big_photo *p, size_t max_memory, double *grew_mb)
{
    ab_vision_options opt;
    ab_vision_options_default(&opt, false);
    opt.max_memory = max_memory;
    FILE *f = fopen("/proc/self/clear_refs", "w"); /* "5": VmHWM := VmRSS */
    assert_non_null(f);
    assert_true(fputs("5", f) >= 0);
    assert_int_equal(fclose(f), 0);
    long before = status_kb("VmRSS");
    ab_vision_result r;
    assert_int_equal(ab_vision_analyze(p->data, p->len, &opt, &r), AB_OK);
    *grew_mb = (double)(status_kb("VmHWM") - before) / 1024.0;
    return r;
}

static int setup(void **state)
{
    (void)state;
    const char *model = getenv("AB_FACE_MODEL");
    if (!model) {
        fprintf(stderr, "AB_FACE_MODEL must be set\n");
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

/* The two files of the issue: a progressive JPEG needs every DCT coefficient of the image
 * (~150 MB at 4:2:0), an interlaced PNG the whole image (147 MB). Both are refused before
 * anything that size is allocated; with no budget, the same analysis does take it. */
static void test_large_images_that_need_whole_buffers_are_refused(void **state)
{
    (void)state;
    ab_big_photo files[2];
    assert_true(ab_big_jpeg(SIDE, SIDE, true, &files[0]));
    assert_true(ab_big_png(SIDE, SIDE, true, &files[1]));
    static const char *const names[2] = {"progressive JPEG", "interlaced PNG"};
    for (int i = 0; i < 2; i++) {
        assert_true(files[i].len < 1024 * 1024); /* passes the 10 MB and 50 MP checks */
        double grew, unbounded;
        ab_vision_result r = analyse(&files[i], AB_VISION_DEFAULT_MAX_MEMORY, &grew);
        ab_vision_result all = analyse(&files[i], SIZE_MAX, &unbounded);
        printf("%s %dx%d, %zu KB: %s, peak RSS +%.1f MB (with no budget: %s, +%.1f MB)\n", names[i],
               SIDE, SIDE, files[i].len / 1024, ab_vision_verdict_name(r.verdict), grew,
               ab_vision_verdict_name(all.verdict), unbounded);
        assert_int_equal(r.verdict, AB_VISION_TOO_LARGE_TO_CHECK);
        assert_false(r.analysed);
        assert_int_equal(r.width, SIDE);
        assert_int_equal(r.height, SIDE);
        assert_int_equal(strlen(r.sha256), 64);
        assert_true(ab_vision_verdict_before_duplicate(r.verdict));
        assert_true(grew < 8.0);
        /* what the budget saved: the measurement does see a whole-image buffer */
        assert_true(all.analysed);
        assert_true(unbounded > 100.0);
        free(files[i].data);
    }
}

/* The same 49 MP image as a baseline JPEG (DCT-scaled, one MCU row at a time) or a plain PNG
 * (one row at a time) is analysed, and its peak stays inside the budget. */
static void test_the_same_images_decoded_row_by_row_are_analysed(void **state)
{
    (void)state;
    ab_big_photo files[2];
    assert_true(ab_big_jpeg(SIDE, SIDE, false, &files[0]));
    assert_true(ab_big_png(SIDE, SIDE, false, &files[1]));
    static const char *const names[2] = {"baseline JPEG", "plain PNG"};
    for (int i = 0; i < 2; i++) {
        double grew;
        ab_vision_result r = analyse(&files[i], AB_VISION_DEFAULT_MAX_MEMORY, &grew);
        printf("%s %dx%d, %zu KB: %s, peak RSS +%.1f MB\n", names[i], SIDE, SIDE,
               files[i].len / 1024, ab_vision_verdict_name(r.verdict), grew);
        assert_true(r.analysed);
        assert_int_not_equal(r.verdict, AB_VISION_TOO_LARGE_TO_CHECK);
        assert_int_equal(r.width, SIDE);
        assert_true(r.brightness > 0.45 && r.brightness < 0.55); /* grey 128 */
        assert_true(grew < AB_VISION_DEFAULT_MAX_MEMORY / MIB);
        free(files[i].data);
    }
}

/* The budget decides, from the header: a 2000 x 1500 progressive JPEG needs ~9 MB of
 * coefficients (6 MB of luma blocks, 1.5 MB for each chroma plane at 4:2:0) and the interlaced
 * PNG 9 MB of pixels; neither fits 8 MiB, both fit 12 MiB. The baseline JPEG and the plain PNG
 * need only their rows and the analysis image (under 1 and 4 MiB), and analysed within a small
 * budget they measure exactly as with the default one. */
static void test_the_budget_is_a_setting(void **state)
{
    (void)state;
    ab_big_photo whole[2], rows[2];
    assert_true(ab_big_jpeg(2000, 1500, true, &whole[0]));
    assert_true(ab_big_png(2000, 1500, true, &whole[1]));
    assert_true(ab_big_jpeg(2000, 1500, false, &rows[0]));
    assert_true(ab_big_png(2000, 1500, false, &rows[1]));
    double grew;
    for (int i = 0; i < 2; i++) {
        ab_vision_result small = analyse(&whole[i], (size_t)(8 * MIB), &grew);
        assert_int_equal(small.verdict, AB_VISION_TOO_LARGE_TO_CHECK);
        ab_vision_result enough = analyse(&whole[i], (size_t)(12 * MIB), &grew);
        assert_true(enough.analysed);
        assert_int_not_equal(enough.verdict, AB_VISION_TOO_LARGE_TO_CHECK);
        ab_vision_result tight = analyse(&rows[i], (size_t)((i == 0 ? 1 : 4) * MIB), &grew);
        ab_vision_result usual = analyse(&rows[i], AB_VISION_DEFAULT_MAX_MEMORY, &grew);
        assert_true(tight.analysed && usual.analysed);
        assert_int_equal(tight.verdict, usual.verdict);
        assert_true(tight.dhash == usual.dhash);
        assert_true(tight.sharpness == usual.sharpness && tight.brightness == usual.brightness);
        assert_true(tight.quality == usual.quality);
        free(whole[i].data);
        free(rows[i].data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_images_that_need_whole_buffers_are_refused),
        cmocka_unit_test(test_the_same_images_decoded_row_by_row_are_analysed),
        cmocka_unit_test(test_the_budget_is_a_setting),
    };
    return cmocka_run_group_tests_name("vision_memory", tests, setup, teardown);
}
