/* Credits for Stars, the pure part: BILLING_PACKS parsing (and its error at load), the invoice
 * payload, and the pre-checkout verdict on payload, currency, amount and buyer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/billing.h"
#include "core/config.h"
#include "ui/billing.h"

static void test_packs_parse(void **state)
{
    (void)state;
    ab_billing_pack p[AB_BILLING_PACKS_MAX];
    int n = -1;
    char why[160] = "";
    assert_true(ab_billing_packs_parse("100:50,500:200, 1500:500", p, &n, why, sizeof why));
    assert_int_equal(n, 3);
    assert_int_equal(p[0].credits, 100);
    assert_int_equal(p[0].stars, 50);
    assert_int_equal(p[2].credits, 1500);
    assert_int_equal(p[2].stars, 500);
    assert_true(ab_billing_packs_parse("7:1", p, &n, why, sizeof why));
    assert_int_equal(n, 1);

    static const char *const BAD[] = {
        "",
        "100",
        "100:",
        ":50",
        "100:50,",
        "100:0",
        "0:50",
        "-1:50",
        "100:50;20:5",
        "100:50x",
        "a:b",
        "100:99999999",
        "100:50,100:50",
        "1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        why[0] = '\0';
        if (ab_billing_packs_parse(BAD[i], p, &n, why, sizeof why))
            fail_msg("accepted \"%s\"", BAD[i]);
        assert_true(strlen(why) > 10);
    }
}

static void test_payload_round_trip(void **state)
{
    (void)state;
    char payload[AB_BILLING_PAYLOAD_MAX + 1];
    ab_billing_payload((ab_billing_pack){500, 200}, 5000000001LL, payload, sizeof payload);
    assert_string_equal(payload, "pack:500:200:5000000001");
    ab_billing_pack pack;
    int64_t user = 0;
    assert_true(ab_billing_payload_parse(payload, &pack, &user));
    assert_int_equal(pack.credits, 500);
    assert_int_equal(pack.stars, 200);
    assert_int_equal(user, 5000000001LL);
    assert_false(ab_billing_payload_parse("pack:500:200:", &pack, &user));
    assert_false(ab_billing_payload_parse("pack:500:200:7 ", &pack, &user));
    assert_false(ab_billing_payload_parse("other:500:200:7", &pack, &user));
    assert_false(ab_billing_payload_parse(NULL, &pack, &user));
}

#define PACKS "100:50,500:200"

static void test_precheckout(void **state)
{
    (void)state;
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:500:200:7", "XTR", 200, 7),
                     AB_PRECHECKOUT_OK);
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:500:200:7", "XTR", 199, 7),
                     AB_PRECHECKOUT_WRONG_AMOUNT);
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:500:200:7", "USD", 200, 7),
                     AB_PRECHECKOUT_WRONG_CURRENCY);
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:500:200:7", NULL, 200, 7),
                     AB_PRECHECKOUT_WRONG_CURRENCY);
    /* a package no longer (or never) on offer, and payloads that are not ours */
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:500:100:7", "XTR", 100, 7),
                     AB_PRECHECKOUT_UNKNOWN_PAYLOAD);
    assert_int_equal(ab_billing_precheckout(true, PACKS, "hello", "XTR", 50, 7),
                     AB_PRECHECKOUT_UNKNOWN_PAYLOAD);
    assert_int_equal(ab_billing_precheckout(true, PACKS, NULL, "XTR", 50, 7),
                     AB_PRECHECKOUT_UNKNOWN_PAYLOAD);
    assert_int_equal(ab_billing_precheckout(true, PACKS, "pack:100:50:7", "XTR", 50, 8),
                     AB_PRECHECKOUT_WRONG_USER);
    assert_int_equal(ab_billing_precheckout(false, PACKS, "pack:100:50:7", "XTR", 50, 7),
                     AB_PRECHECKOUT_OFF);
}

static const char *fake_getenv(const char *name, void *ctx)
{
    const char *const *env = ctx;
    size_t n = strlen(name);
    for (; *env; env++)
        if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

static void test_config(void **state)
{
    (void)state;
    const char *const defaults[] = {"DATABASE_URL=postgresql://u@h/db", NULL};
    ab_config cfg;
    char errs[1024] = "";
    FILE *f = fmemopen(errs, sizeof errs, "w");
    assert_int_equal(ab_config_load(&cfg, AB_CMD_MIGRATE, fake_getenv, (void *)defaults, f), 0);
    fclose(f);
    assert_false(ab_config_billing(&cfg));
    assert_string_equal(cfg.billing_packs, "100:50,500:200,1500:500");
    assert_int_equal(cfg.billing_price_training, 100);
    assert_int_equal(cfg.billing_price_image, 5);
    assert_int_equal(cfg.billing_welcome_credits, 0);
    ab_config_free(&cfg);

    const char *const bad[] = {"DATABASE_URL=postgresql://u@h/db", "BILLING=gold",
                               "BILLING_PACKS=100:50,abc", NULL};
    f = fmemopen(errs, sizeof errs, "w");
    assert_int_equal(ab_config_load(&cfg, AB_CMD_MIGRATE, fake_getenv, (void *)bad, f), 2);
    fclose(f);
    assert_non_null(strstr(errs, "config: BILLING: must be off or stars\n"));
    assert_non_null(strstr(errs, "config: BILLING_PACKS: package 2 must be CREDITS:STARS"));
    ab_config_free(&cfg);

    const char *const on[] = {"DATABASE_URL=postgresql://u@h/db", "BILLING=stars", NULL};
    f = fmemopen(errs, sizeof errs, "w");
    assert_int_equal(ab_config_load(&cfg, AB_CMD_MIGRATE, fake_getenv, (void *)on, f), 0);
    fclose(f);
    assert_true(ab_config_billing(&cfg));
    ab_config_free(&cfg);
}

/* The invoice of a package, field by field as the Bot API wants it for Telegram Stars. */
static void test_invoice(void **state)
{
    (void)state;
    ab_lang en;
    assert_true(ab_lang_find("en", &en));
    json_t *p = ab_ui_invoice(en, 5000000001LL, (ab_billing_pack){500, 200}, 5000000001LL);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "chat_id")), 5000000001LL);
    assert_string_equal(json_string_value(json_object_get(p, "currency")), "XTR");
    assert_string_equal(json_string_value(json_object_get(p, "provider_token")), "");
    assert_string_equal(json_string_value(json_object_get(p, "payload")),
                        "pack:500:200:5000000001");
    const char *title = json_string_value(json_object_get(p, "title"));
    assert_string_equal(title, "500 credits");
    size_t desc = strlen(json_string_value(json_object_get(p, "description")));
    assert_true(desc >= 1 && desc <= 255);
    json_t *prices = json_object_get(p, "prices");
    assert_int_equal(json_array_size(prices), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(prices, 0), "amount")), 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(prices, 0), "label")),
                        title);
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packs_parse), cmocka_unit_test(test_payload_round_trip),
        cmocka_unit_test(test_precheckout), cmocka_unit_test(test_config),
        cmocka_unit_test(test_invoice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
