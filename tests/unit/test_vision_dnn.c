/* The face detector's stand-in OpenCV layers (src/vision/dnn_standins.cpp): on this machine
 * they are switched on by the load-time check, they do compute layers, and the network gives
 * the same bits with them as without on random inputs. The face model comes from
 * AB_FACE_MODEL (set by CMake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vision/face_detector.h"

static int setup(void **state)
{
    (void)state;
    const char *model = getenv("AB_FACE_MODEL");
    if (!model) {
        fprintf(stderr, "AB_FACE_MODEL must be set\n");
        return -1;
    }
    return ab_vision_faces_init(model) == AB_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ab_vision_faces_shutdown();
    return 0;
}

static void test_standins_same_bits(void **state)
{
    (void)state;
    static const unsigned seeds[] = {1, 2, 77, 4242, 0xbeef};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        bool same = false, active = false;
        unsigned long long runs = 0;
        assert_int_equal(ab_vision_faces_standins_check(seeds[i], 2, &same, &active, &runs), AB_OK);
        if (!same)
            fail_msg("seed %u: outputs differ with the stand-in layers", seeds[i]);
        assert_true(active);
        /* two passes with them on, each through many stand-in layers */
        if (runs < 2 * 10)
            fail_msg("seed %u: the stand-ins computed only %llu layers", seeds[i], runs);
    }
}

/* The stand-ins are on right after loading (the x86-64 machines this runs on have AVX2 and
 * OpenCV 4.6): without them the detector is ~40% slower and bench/vision misses its target. */
static void test_standins_active_after_load(void **state)
{
    (void)state;
    const char *model = getenv("AB_FACE_MODEL");
    assert_int_equal(ab_vision_faces_init(model), AB_OK); /* a fresh load and its check */
    bool same = false, active = false;
    unsigned long long runs = 0;
    assert_int_equal(ab_vision_faces_standins_check(9, 1, &same, &active, &runs), AB_OK);
    assert_true(same);
    assert_true(active);
    assert_true(runs > 0);
}

static void test_not_ready(void **state)
{
    (void)state;
    bool same, active;
    unsigned long long runs;
    ab_vision_faces_shutdown();
    assert_int_equal(ab_vision_faces_standins_check(1, 1, &same, &active, &runs), AB_ERR_INTERNAL);
    assert_int_equal(ab_vision_faces_init(getenv("AB_FACE_MODEL")), AB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standins_active_after_load),
        cmocka_unit_test(test_standins_same_bits),
        cmocka_unit_test(test_not_ready),
    };
    return cmocka_run_group_tests_name("vision_dnn", tests, setup, teardown);
}
