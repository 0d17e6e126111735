/* The storage key layout (src/storage/keys.c): the keys the service writes, that every one of
 * them is a valid storage key inside its avatar's prefix, and which prefixes and keys the
 * clean-up jobs accept (an avatar's own folder, never the bucket or a user's whole tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "storage/keys.h"
#include "storage/storage.h"

static void test_layout(void **state)
{
    (void)state;
    char prefix[AB_KEY_MAX], photo[AB_KEY_MAX], png[AB_KEY_MAX], dataset[AB_KEY_MAX];
    assert_true(ab_key_avatar_prefix(prefix, sizeof prefix, 7, 12));
    assert_string_equal(prefix, "avatars/7/12/");
    assert_true(ab_key_photo(photo, sizeof photo, 7, 12, 345, false));
    assert_string_equal(photo, "avatars/7/12/345.jpg");
    assert_true(ab_key_photo(png, sizeof png, 7, 12, 346, true));
    assert_string_equal(png, "avatars/7/12/346.png");
    assert_true(ab_key_dataset(dataset, sizeof dataset, 7, 12, 9));
    assert_string_equal(dataset, "avatars/7/12/dataset-9.zip");
    /* everything of an avatar is under its prefix, so deleting the prefix deletes it all */
    const char *keys[] = {photo, png, dataset};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(strncmp(keys[i], prefix, strlen(prefix)), 0);
        assert_int_equal(ab_storage_check_key(keys[i]), AB_OK);
        assert_true(ab_key_is_avatar_object(keys[i]));
    }
    assert_true(ab_key_is_avatar_prefix(prefix));
    /* the largest ids fit */
    assert_true(ab_key_dataset(dataset, sizeof dataset, INT64_MAX, INT64_MAX, INT64_MAX));
}

static void test_too_small(void **state)
{
    (void)state;
    char small[12];
    assert_false(ab_key_avatar_prefix(small, sizeof small, 7, 12)); /* needs 14 */
    assert_false(ab_key_photo(small, sizeof small, 7, 12, 1, false));
    assert_false(ab_key_dataset(small, sizeof small, 7, 12, 1));
    char exact[14];
    assert_true(ab_key_avatar_prefix(exact, sizeof exact, 7, 12));
}

static void test_what_clean_up_accepts(void **state)
{
    (void)state;
    const char *bad_prefixes[] = {NULL,
                                  "",
                                  "avatars/",
                                  "avatars/7/",
                                  "avatars/7/12",
                                  "avatars/7/12/345.jpg",
                                  "avatars/../12/",
                                  "avatars/x/12/",
                                  "datasets/7/12/",
                                  "avatars//12/"};
    for (size_t i = 0; i < sizeof bad_prefixes / sizeof bad_prefixes[0]; i++)
        if (ab_key_is_avatar_prefix(bad_prefixes[i]))
            fail_msg("accepted prefix %s", bad_prefixes[i] ? bad_prefixes[i] : "(null)");
    const char *bad_keys[] = {
        NULL, "", "avatars/7/12/", "avatars/7/", "avatars/x/1/a.jpg", "other/7/12/1.jpg"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++)
        if (ab_key_is_avatar_object(bad_keys[i]))
            fail_msg("accepted key %s", bad_keys[i] ? bad_keys[i] : "(null)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_what_clean_up_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
