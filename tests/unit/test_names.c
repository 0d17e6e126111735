/* Avatar name rules: trimming, length in characters (not bytes), letters of any script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fsm/names.h"

static void test_valid_names(void **state)
{
    (void)state;
    char out[AB_NAME_BUF];
    assert_int_equal(ab_name_check("  Анна  ", out), AB_NAME_OK);
    assert_string_equal(out, "Анна");
    assert_int_equal(ab_name_check("Me_in  the-mountains 2", out), AB_NAME_OK);
    assert_string_equal(out, "Me_in the-mountains 2"); /* inner runs of spaces folded */
    assert_int_equal(ab_name_check("Zoë Ærø", out), AB_NAME_OK);
    /* exactly 40 Cyrillic characters (80 bytes) is fine */
    char forty[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(forty, "я");
    assert_int_equal(ab_name_check(forty, out), AB_NAME_OK);
}

static void test_invalid_names(void **state)
{
    (void)state;
    char out[AB_NAME_BUF];
    assert_int_equal(ab_name_check("", out), AB_NAME_EMPTY);
    assert_int_equal(ab_name_check("   ", out), AB_NAME_EMPTY);
    assert_int_equal(ab_name_check(NULL, out), AB_NAME_EMPTY);
    char long41[200] = "";
    for (int i = 0; i < 41; i++)
        strcat(long41, "я");
    assert_int_equal(ab_name_check(long41, out), AB_NAME_TOO_LONG);
    const char *bad[] = {"Анна!",    "a/b",      "😀 smile", "tab\there", "line\nbreak",
                         "<b>x</b>", "\xff\xfe", "a.b",     NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(ab_name_check(bad[i], out), AB_NAME_BAD_CHARS);
}

static void test_equal_ignores_case_in_any_script(void **state)
{
    (void)state;
    assert_true(ab_name_equal("Анна", "аННа"));
    assert_true(ab_name_equal("Max", "MAX"));
    assert_false(ab_name_equal("Max", "Maxi"));
    assert_false(ab_name_equal("Анна", "Анне"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_names),
        cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_equal_ignores_case_in_any_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
