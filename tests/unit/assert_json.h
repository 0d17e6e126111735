/* A cmocka assertion for the unit tests: a JSON value equals the one written as text (keys in
 * any order); on a mismatch it prints what it got. Include after <cmocka.h>. */
#ifndef AB_TESTS_ASSERT_JSON_H
#define AB_TESTS_ASSERT_JSON_H

#include <jansson.h>
#include <stdlib.h>

static inline void assert_json_eq(json_t *got, const char *want_text)
{
    json_t *want = json_loads(want_text, 0, NULL);
    assert_non_null(want);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS);
        print_error("got %s\n", g);
        free(g);
        fail();
    }
    json_decref(want);
}

#endif
