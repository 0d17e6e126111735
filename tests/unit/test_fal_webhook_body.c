/* FAL's webhook body reader (src/fal/webhook_body.c): the bodies FAL sends (OK with the
 * model's output, ERROR with its detail, OK whose payload could not be serialized) and the
 * ones refused (another request's, an unknown status, not an object, cut short). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "fal/webhook_body.h"

static json_t *finish_of(const ab_fal_webhook_body *b)
{
    json_t *f = json_loads(b->finish, 0, NULL);
    assert_non_null(f);
    return f;
}

static ab_err parse(const char *text, const char *signed_id, ab_fal_webhook_body *b)
{
    return ab_fal_webhook_parse(text, strlen(text), signed_id, b);
}

static void test_ok_with_output(void **state)
{
    (void)state;
    ab_fal_webhook_body b;
    assert_int_equal(parse("{\"error\":null,\"gateway_request_id\":\"r1\",\"payload\":"
                           "{\"diffusers_lora_file\":{\"url\":\"https://f/l\"}},"
                           "\"request_id\":\"r1\",\"status\":\"OK\"}",
                           "r1", &b),
                     AB_OK);
    assert_string_equal(b.request_id, "r1");
    assert_string_equal(b.status, "OK");
    json_t *f = finish_of(&b);
    assert_string_equal(json_string_value(json_object_get(f, "request_id")), "r1");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(f, "payload"), "diffusers_lora_file"), "url")),
        "https://f/l");
    assert_true(json_is_null(json_object_get(f, "error")));
    json_t *e = json_loads(b.event, 0, NULL);
    assert_true(json_equal(e, b.body));
    json_decref(e);
    json_decref(f);
    ab_fal_webhook_body_free(&b);
    assert_null(b.body);
    ab_fal_webhook_body_free(&b); /* twice is fine */
}

static void test_error_and_missing_payload(void **state)
{
    (void)state;
    ab_fal_webhook_body b;
    assert_int_equal(parse("{\"error\":\"Invalid status code: 422\",\"payload\":{\"detail\":"
                           "\"no faces\"},\"request_id\":\"r2\",\"status\":\"ERROR\"}",
                           "r2", &b),
                     AB_OK);
    json_t *f = finish_of(&b);
    assert_string_equal(json_string_value(json_object_get(f, "error")), "Invalid status code: 422");
    json_decref(f);
    ab_fal_webhook_body_free(&b);
    /* OK whose payload FAL could not serialize: no payload in the finish job */
    assert_int_equal(parse("{\"payload\":null,\"payload_error\":\"x\",\"request_id\":\"r3\","
                           "\"status\":\"OK\"}",
                           "r3", &b),
                     AB_OK);
    f = finish_of(&b);
    assert_false(json_is_object(json_object_get(f, "payload")));
    json_decref(f);
    ab_fal_webhook_body_free(&b);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const BAD[] = {
        "{\"request_id\":\"r9\",\"status\":\"OK\"}",          /* not the signed request */
        "{\"request_id\":\"r1\",\"status\":\"IN_PROGRESS\"}", /* not an end */
        "{\"request_id\":\"r1\"}",
        "{\"status\":\"OK\"}",
        "{\"request_id\":\"\",\"status\":\"OK\"}",
        "{\"request_id\":1,\"status\":\"OK\"}",
        "[{\"request_id\":\"r1\",\"status\":\"OK\"}]",
        "{\"request_id\":\"r1\",\"status\":\"OK\"",
        "{\"request_id\":\"r1\",\"status\":\"OK\",\"payload\":\"\\u0000\"}", /* jsonb cannot */
        "",
    };
    ab_fal_webhook_body b;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(parse(BAD[i], "r1", &b), AB_ERR_INVALID);
        assert_null(b.body);
        assert_null(b.finish);
    }
    assert_int_equal(parse("{\"request_id\":\"r1\",\"status\":\"OK\"}", NULL, &b), AB_ERR_INVALID);
    assert_int_equal(ab_fal_webhook_parse(NULL, 0, "r1", &b), AB_ERR_INVALID);
}

static void test_finish_detail(void **state)
{
    (void)state;
    char out[256];
    json_t *f = json_pack("{s:s,s:s,s:{s:[{s:s}]}}", "request_id", "r", "error",
                          "Invalid status code: 422", "payload", "detail", "msg", "bad prompt");
    ab_fal_finish_detail(f, out, sizeof out);
    assert_string_equal(out, "Invalid status code: 422: [{\"msg\":\"bad prompt\"}]");
    json_decref(f);
    f = json_pack("{s:s,s:n}", "request_id", "r", "error");
    ab_fal_finish_detail(f, out, sizeof out);
    assert_string_equal(out, "ERROR");
    json_decref(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_with_output),
        cmocka_unit_test(test_error_and_missing_payload),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_finish_detail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
