/* Upload payloads: private keys kept from Telegram, form values, the upload list and its
 * limits, URL refusals, and the rewrite that turns URLs into uploads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assert_json.h"
#include "telegram/wire_upload.h"

static json_t *load(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    assert_non_null(v);
    return v;
}

static void test_private_keys_never_reach_telegram(void **state)
{
    (void)state;
    json_t *p = load("{\"chat_id\":1,\"photo\":\"https://x.test/a.jpg\",\"caption\":\"c\","
                     "\"_fallback_upload\":{\"photo\":{\"key\":\"k\"}},\"_note\":2}");
    assert_true(ab_tg_has_private(p));
    json_t *pub = ab_tg_public_payload(p);
    assert_json_eq(pub, "{\"chat_id\":1,\"photo\":\"https://x.test/a.jpg\",\"caption\":\"c\"}");
    assert_false(ab_tg_has_private(pub));
    json_decref(pub);
    json_decref(p);
}

static void test_form_values(void **state)
{
    (void)state;
    json_t *p = load("{\"s\":\"Привет \\\"x\\\"\",\"i\":-1001234567890123,\"t\":true,\"f\":false,"
                     "\"n\":null,\"o\":{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":"
                     "\"b\"}]]},\"a\":[{\"type\":\"photo\",\"media\":\"attach://p0\"}]}");
    struct {
        const char *key, *want;
    } cases[] = {
        {"s", "Привет \"x\""},
        {"i", "-1001234567890123"},
        {"t", "true"},
        {"f", "false"},
        {"o", "{\"inline_keyboard\":[[{\"text\":\"a\",\"callback_data\":\"b\"}]]}"},
        {"a", "[{\"type\":\"photo\",\"media\":\"attach://p0\"}]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ab_tg_form_value(json_object_get(p, cases[i].key));
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    assert_null(ab_tg_form_value(json_object_get(p, "n")));
    json_decref(p);
}

static void test_uploads_of_a_photo_and_an_album(void **state)
{
    (void)state;
    char why[160];
    ab_tg_upload u[AB_TG_UPLOADS_MAX];
    json_t *photo = load("{\"chat_id\":1,\"caption\":\"c\",\"_upload\":{\"photo\":{\"key\":"
                         "\"generations/7/1.jpg\",\"filename\":\"picture_1.jpg\","
                         "\"content_type\":\"image/jpeg\"}}}");
    assert_int_equal(ab_tg_uploads(photo, u, why, sizeof why), 1);
    assert_string_equal(u[0].field, "photo");
    assert_string_equal(u[0].key, "generations/7/1.jpg");
    assert_string_equal(u[0].filename, "picture_1.jpg");
    assert_string_equal(u[0].content_type, "image/jpeg");
    assert_true(u[0].limit == AB_TG_UPLOAD_PHOTO_MAX);
    json_decref(photo);

    /* an album names its files in its items; a document in an album gets a file's limit;
     * filename and type default to the key's last segment and octet-stream */
    json_t *album =
        load("{\"chat_id\":1,\"media\":[{\"type\":\"photo\",\"media\":\"attach://p0\"},"
             "{\"type\":\"document\",\"media\":\"attach://p1\"}],"
             "\"_upload\":{\"p0\":{\"key\":\"g/1.jpg\"},\"p1\":{\"key\":\"g/2.png\"}}}");
    assert_int_equal(ab_tg_uploads(album, u, why, sizeof why), 2);
    assert_string_equal(u[0].field, "p0");
    assert_true(u[0].limit == AB_TG_UPLOAD_PHOTO_MAX);
    assert_string_equal(u[0].filename, "1.jpg");
    assert_string_equal(u[0].content_type, "application/octet-stream");
    assert_string_equal(u[1].field, "p1");
    assert_true(u[1].limit == AB_TG_UPLOAD_FILE_MAX);
    json_decref(album);

    json_t *doc = load("{\"chat_id\":1,\"_upload\":{\"document\":{\"key\":\"g/a.zip\"}}}");
    assert_int_equal(ab_tg_uploads(doc, u, why, sizeof why), 1);
    assert_true(u[0].limit == AB_TG_UPLOAD_FILE_MAX);
    json_decref(doc);

    json_t *none = load("{\"chat_id\":1,\"text\":\"t\"}");
    assert_int_equal(ab_tg_uploads(none, u, why, sizeof why), 0);
    json_decref(none);
}

static void test_malformed_uploads_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"_upload\":[]}",
        "{\"_upload\":{\"photo\":{}}}",
        "{\"_upload\":{\"photo\":{\"key\":\"\"}}}",
        "{\"_upload\":{\"photo\":\"g/1.jpg\"}}",
        "{\"_upload\":{\"_x\":{\"key\":\"g/1.jpg\"}}}",
        "{\"_upload\":{\"\":{\"key\":\"g/1.jpg\"}}}",
        "{\"_upload\":{\"a\":{\"key\":\"k\"},\"b\":{\"key\":\"k\"},\"c\":{\"key\":\"k\"},"
        "\"d\":{\"key\":\"k\"},\"e\":{\"key\":\"k\"},\"f\":{\"key\":\"k\"},\"g\":{\"key\":\"k\"},"
        "\"h\":{\"key\":\"k\"},\"i\":{\"key\":\"k\"},\"j\":{\"key\":\"k\"},\"k\":{\"key\":\"k\"}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *p = load(bad[i]);
        ab_tg_upload u[AB_TG_UPLOADS_MAX];
        char why[160] = "";
        assert_int_equal(ab_tg_uploads(p, u, why, sizeof why), -1);
        assert_true(strlen(why) > 0);
        json_decref(p);
    }
}

static void test_url_refusals(void **state)
{
    (void)state;
    const char *refused[] = {
        "Bad Request: wrong file identifier/HTTP URL specified",
        "Bad Request: failed to get HTTP URL content",
        "Bad Request: wrong type of the web page content",
        "Bad Request: WEBPAGE_CURL_FAILED",
        "Bad Request: WEBPAGE_MEDIA_EMPTY",
        ("Bad Request: failed to send message #1 with the error message \"Wrong file "
         "identifier/HTTP URL specified\""),
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_true(ab_tg_url_refused(refused[i]));
    assert_false(ab_tg_url_refused("Bad Request: message text is empty"));
    assert_false(ab_tg_url_refused("Bad Request: chat not found"));
    assert_false(ab_tg_url_refused(""));
    assert_false(ab_tg_url_refused(NULL));
}

static void test_fallback_of_a_photo(void **state)
{
    (void)state;
    char why[160];
    json_t *p = load("{\"chat_id\":1,\"photo\":\"https://fal.test/1.jpg\",\"caption\":\"c\","
                     "\"_fallback_upload\":{\"photo\":{\"key\":\"g/1.jpg\",\"filename\":"
                     "\"picture_1.jpg\",\"content_type\":\"image/jpeg\"}}}");
    assert_true(ab_tg_use_fallback_upload(p, why, sizeof why));
    assert_json_eq(p, "{\"chat_id\":1,\"caption\":\"c\",\"_upload\":{\"photo\":{\"key\":"
                      "\"g/1.jpg\",\"filename\":\"picture_1.jpg\",\"content_type\":"
                      "\"image/jpeg\"}}}");
    /* no second rewrite */
    assert_false(ab_tg_use_fallback_upload(p, why, sizeof why));
    json_decref(p);
}

static void test_fallback_of_an_album(void **state)
{
    (void)state;
    char why[160];
    /* the fallback names p1 only: p0 stays a URL (or a file_id) */
    json_t *p =
        load("{\"chat_id\":1,\"media\":[{\"type\":\"photo\",\"media\":\"AgACfileid\","
             "\"caption\":\"c\"},{\"type\":\"photo\",\"media\":\"https://fal.test/2.jpg\"}],"
             "\"_fallback_upload\":{\"p1\":{\"key\":\"g/2.jpg\"}}}");
    assert_true(ab_tg_use_fallback_upload(p, why, sizeof why));
    assert_json_eq(p, "{\"chat_id\":1,\"media\":[{\"type\":\"photo\",\"media\":\"AgACfileid\","
                      "\"caption\":\"c\"},{\"type\":\"photo\",\"media\":\"attach://p1\"}],"
                      "\"_upload\":{\"p1\":{\"key\":\"g/2.jpg\"}}}");
    ab_tg_upload u[AB_TG_UPLOADS_MAX];
    assert_int_equal(ab_tg_uploads(p, u, why, sizeof why), 1);
    assert_true(u[0].limit == AB_TG_UPLOAD_PHOTO_MAX);
    json_decref(p);
}

static void test_unusable_fallbacks_change_nothing(void **state)
{
    (void)state;
    const char *cases[] = {
        "{\"chat_id\":1,\"photo\":\"https://fal.test/1.jpg\"}",
        "{\"chat_id\":1,\"photo\":\"https://fal.test/1.jpg\",\"_fallback_upload\":{}}",
        /* p2 names no item */
        "{\"chat_id\":1,\"media\":[{\"type\":\"photo\",\"media\":\"https://a.test/1.jpg\"},"
        "{\"type\":\"photo\",\"media\":\"https://a.test/2.jpg\"}],"
        "\"_fallback_upload\":{\"p0\":{\"key\":\"g/1.jpg\"},\"p2\":{\"key\":\"g/3.jpg\"}}}",
        /* already uploading */
        ("{\"chat_id\":1,\"_upload\":{\"photo\":{\"key\":\"g/1.jpg\"}},"
         "\"_fallback_upload\":{\"photo\":{\"key\":\"g/1.jpg\"}}}"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *p = load(cases[i]);
        json_t *before = json_deep_copy(p);
        char why[160] = "";
        assert_false(ab_tg_use_fallback_upload(p, why, sizeof why));
        assert_true(strlen(why) > 0);
        assert_true(json_equal(p, before));
        json_decref(before);
        json_decref(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_keys_never_reach_telegram),
        cmocka_unit_test(test_form_values),
        cmocka_unit_test(test_uploads_of_a_photo_and_an_album),
        cmocka_unit_test(test_malformed_uploads_are_refused),
        cmocka_unit_test(test_url_refusals),
        cmocka_unit_test(test_fallback_of_a_photo),
        cmocka_unit_test(test_fallback_of_an_album),
        cmocka_unit_test(test_unusable_fallbacks_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
