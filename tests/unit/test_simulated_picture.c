/* Simulated pictures: a real JPEG of each aspect ratio's size, different for another seed,
 * refused for an unknown aspect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jpeglib.h>

#include "fal/simulated_picture.h"

static void decoded_size(const unsigned char *jpeg, size_t len, int *w, int *h)
{
    struct jpeg_decompress_struct di;
    struct jpeg_error_mgr err;
    di.err = jpeg_std_error(&err);
    jpeg_create_decompress(&di);
    jpeg_mem_src(&di, jpeg, (unsigned long)len);
    assert_int_equal(jpeg_read_header(&di, TRUE), JPEG_HEADER_OK);
    *w = (int)di.image_width;
    *h = (int)di.image_height;
    jpeg_destroy_decompress(&di);
}

static void test_each_aspect_is_a_jpeg_of_its_size(void **state)
{
    (void)state;
    const char *aspects[] = {"1:1", "3:4", "4:3", "9:16", "16:9"};
    for (size_t i = 0; i < sizeof aspects / sizeof aspects[0]; i++) {
        unsigned char *jpeg = NULL;
        size_t len = 0;
        assert_int_equal(ab_simulated_picture(aspects[i], 42, &jpeg, &len), AB_OK);
        int want_w, want_h, w, h;
        ab_simulated_picture_size(aspects[i], &want_w, &want_h);
        decoded_size(jpeg, len, &w, &h);
        assert_int_equal(w, want_w);
        assert_int_equal(h, want_h);
        int a, b;
        assert_int_equal(sscanf(aspects[i], "%d:%d", &a, &b), 2);
        assert_int_equal(w * b, h * a); /* the ratio the user picked */
        free(jpeg);
    }
}

static void test_seed_changes_the_picture(void **state)
{
    (void)state;
    unsigned char *one = NULL, *two = NULL, *again = NULL;
    size_t n1, n2, n3;
    assert_int_equal(ab_simulated_picture("1:1", 1, &one, &n1), AB_OK);
    assert_int_equal(ab_simulated_picture("1:1", 200, &two, &n2), AB_OK);
    assert_int_equal(ab_simulated_picture("1:1", 1, &again, &n3), AB_OK);
    assert_true(n1 != n2 || memcmp(one, two, n1) != 0);
    assert_true(n1 == n3 && memcmp(one, again, n1) == 0);
    free(one);
    free(two);
    free(again);
}

static void test_unknown_aspect(void **state)
{
    (void)state;
    unsigned char *jpeg = (unsigned char *)"x";
    size_t len = 1;
    assert_int_equal(ab_simulated_picture("2:1", 1, &jpeg, &len), AB_ERR_INVALID);
    assert_null(jpeg);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_aspect_is_a_jpeg_of_its_size),
        cmocka_unit_test(test_seed_changes_the_picture),
        cmocka_unit_test(test_unknown_aspect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
