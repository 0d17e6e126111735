/* Update parsing on the shapes the Bot API really sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "fsm/event.h"
#include "telegram/wire_update.h"
#include "ui/buttons.h"

static ab_update parse_ok(const char *json)
{
    ab_update u;
    char why[200];
    assert_int_equal(ab_update_parse(json, strlen(json), &u, why, sizeof why), AB_OK);
    return u;
}

static void test_start_command(void **state)
{
    (void)state;
    ab_update u = parse_ok(
        "{\"update_id\":10000,\"message\":{\"message_id\":1,\"date\":1700000000,"
        "\"chat\":{\"id\":5000000001,\"type\":\"private\",\"first_name\":\"\\u0410\\u043d\"},"
        "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"\\u0410\\u043d\","
        "\"language_code\":\"ru\"},\"text\":\"/Start@AvatarBot deep\","
        "\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":16}]}}");
    assert_int_equal(u.update_id, 10000);
    assert_int_equal(u.kind, AB_UPD_MESSAGE);
    assert_true(u.chat_id == 5000000001LL); /* above 2^32 */
    assert_true(u.lane == 5000000001LL);
    assert_string_equal(u.command, "/start");
    assert_string_equal(u.command_args, "deep");
    assert_string_equal(u.language_code, "ru");
    assert_string_equal(u.first_name, "\xd0\x90\xd0\xbd"); /* \u escapes decoded to UTF-8 */
    int64_t arg;
    assert_int_equal(ab_event_from_update(&u, &arg), AB_EV_CMD_START);
    ab_update_free(&u);
}

static void test_update_id_last_and_zero(void **state)
{
    (void)state;
    ab_update u = parse_ok("{\"message\":{\"message_id\":2,\"chat\":{\"id\":-1001234567890123,"
                           "\"type\":\"supergroup\"},\"text\":\"hi\"},\"update_id\":0}");
    assert_int_equal(u.update_id, 0);
    assert_true(u.chat_id == -1001234567890123LL);
    assert_int_equal(u.user_id, 0);
    assert_string_equal(u.command, "");
    ab_update_free(&u);
}

static void test_callback_query(void **state)
{
    (void)state;
    ab_update u = parse_ok(
        "{\"update_id\":7,\"callback_query\":{\"id\":\"4382bfdwdsb323b2d9\","
        "\"from\":{\"id\":42,\"is_bot\":false,\"first_name\":\"A\",\"language_code\":\"en-US\"},"
        "\"message\":{\"message_id\":77,\"date\":1,\"chat\":{\"id\":42,\"type\":\"private\"},"
        "\"text\":\"menu\"},\"chat_instance\":\"-1\",\"data\":\"av:list:3\"}}");
    assert_int_equal(u.kind, AB_UPD_CALLBACK_QUERY);
    assert_int_equal(u.chat_id, 42);
    assert_int_equal(u.message_id, 77);
    assert_string_equal(u.callback_id, "4382bfdwdsb323b2d9");
    int64_t arg = -1;
    assert_int_equal(ab_event_from_update(&u, &arg), AB_EV_BTN_LIST);
    assert_int_equal(arg, 3);
    ab_update_free(&u);
}

static void test_optional_fields_odd_shapes(void **state)
{
    (void)state;
    /* null, {} and "" where optional fields would be; an unknown update kind */
    ab_update u = parse_ok("{\"update_id\":9,\"message\":{\"message_id\":1,\"chat\":{\"id\":1},"
                           "\"from\":{\"id\":1,\"language_code\":\"\"},\"text\":null,"
                           "\"photo\":{},\"document\":\"\"}}");
    assert_null(u.language_code);
    assert_null(u.text);
    assert_false(u.has_photo);
    assert_false(u.has_document);
    int64_t arg;
    assert_int_equal(ab_event_from_update(&u, &arg), AB_EV_OTHER_MESSAGE);
    ab_update_free(&u);

    u = parse_ok("{\"update_id\":11,\"message_reaction_count\":{\"chat\":{\"id\":-5},"
                 "\"message_id\":3,\"date\":1,\"reactions\":[]}}");
    assert_int_equal(u.kind, AB_UPD_OTHER);
    assert_string_equal(u.kind_name, "message_reaction_count");
    assert_true(u.lane == -5); /* a kind we do not know still serializes with its chat */
    assert_int_equal(ab_event_from_update(&u, &arg), AB_EV_IGNORED);
    ab_update_free(&u);
}

static void test_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "nope",
                         "[]",
                         "{}",
                         "{\"update_id\":\"5\"}",
                         "{\"update_id\":-1}",
                         "{\"update_id\":1.5}",
                         "{\"update_id\":1",
                         "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ab_update u;
        char why[200] = "";
        assert_int_equal(ab_update_parse(bad[i], strlen(bad[i]), &u, why, sizeof why),
                         AB_ERR_INVALID);
        assert_true(strlen(why) > 0);
        assert_null(u.root);
    }
}

static void test_callback_data_strict(void **state)
{
    (void)state;
    int64_t arg;
    assert_int_equal(ab_event_from_callback("av:new", &arg), AB_EV_BTN_CREATE);
    assert_int_equal(ab_event_from_callback("av:list:0", &arg), AB_EV_BTN_LIST);
    const char *forged[] = {
        "av:new:1",   "av:list", "av:list:", "av:list:-1", "av:list:01",
        "av:list:1x", "av:newx", "AV:NEW",   "",           "av:list:1234567890123456789",
        "menu:main ", NULL};
    for (int i = 0; forged[i]; i++)
        assert_int_equal(ab_event_from_callback(forged[i], &arg), AB_EV_BTN_INVALID);
    assert_int_equal(ab_event_from_callback(NULL, &arg), AB_EV_BTN_INVALID);
    char data[65];
    assert_string_equal(ab_button_data(AB_BTN_LIST, 12, data), "av:list:12");
}

static void test_blocked(void **state)
{
    (void)state;
    ab_update u = parse_ok("{\"update_id\":12,\"my_chat_member\":{\"chat\":{\"id\":8,\"type\":"
                           "\"private\"},\"from\":{\"id\":8},\"date\":1,\"old_chat_member\":"
                           "{\"status\":\"member\"},\"new_chat_member\":{\"status\":\"kicked\","
                           "\"until_date\":0}}}");
    int64_t arg;
    assert_int_equal(ab_event_from_update(&u, &arg), AB_EV_BOT_BLOCKED);
    ab_update_free(&u);
}

/* Payments in Telegram Stars: the pre_checkout_query (its own kind, lane of the buyer) and a
 * message's successful_payment (the event that credits it). */
static void test_payments(void **state)
{
    (void)state;
    ab_update q =
        parse_ok("{\"update_id\":20000,\"pre_checkout_query\":{\"id\":\"4021773910000001\","
                 "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"A\","
                 "\"language_code\":\"en\"},\"currency\":\"XTR\",\"total_amount\":200,"
                 "\"invoice_payload\":\"pack:500:200:5000000001\"}}");
    assert_int_equal(q.kind, AB_UPD_PRE_CHECKOUT_QUERY);
    assert_string_equal(q.kind_name, "pre_checkout_query");
    assert_string_equal(q.payment.precheckout_id, "4021773910000001");
    assert_string_equal(q.payment.currency, "XTR");
    assert_string_equal(q.payment.payload, "pack:500:200:5000000001");
    assert_int_equal(q.payment.total_amount, 200);
    assert_true(q.user_id == 5000000001LL);
    assert_true(q.lane == 5000000001LL);
    assert_null(q.payment.charge_id);
    int64_t arg;
    assert_int_equal(ab_event_from_update(&q, &arg), AB_EV_IGNORED);
    ab_update_free(&q);

    ab_update m = parse_ok(
        "{\"update_id\":20001,\"message\":{\"message_id\":7,\"date\":1700000000,"
        "\"chat\":{\"id\":5000000001,\"type\":\"private\"},"
        "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"A\"},"
        "\"successful_payment\":{\"currency\":\"XTR\",\"total_amount\":200,"
        "\"invoice_payload\":\"pack:500:200:5000000001\","
        "\"telegram_payment_charge_id\":\"stxABC\",\"provider_payment_charge_id\":\"\"}}}");
    assert_int_equal(m.kind, AB_UPD_MESSAGE);
    assert_string_equal(m.payment.charge_id, "stxABC");
    assert_null(m.payment.provider_charge_id); /* "" is absent */
    assert_null(m.payment.precheckout_id);
    assert_int_equal(m.payment.total_amount, 200);
    assert_int_equal(ab_event_from_update(&m, &arg), AB_EV_PAYMENT);
    ab_update_free(&m);

    /* a message without one, and a successful_payment without its charge id, credit nothing */
    ab_update t = parse_ok("{\"update_id\":20002,\"message\":{\"message_id\":8,"
                           "\"chat\":{\"id\":1,\"type\":\"private\"},\"from\":{\"id\":1},"
                           "\"text\":\"/balance\",\"successful_payment\":{}}}");
    assert_null(t.payment.charge_id);
    assert_int_equal(ab_event_from_update(&t, &arg), AB_EV_CMD_BALANCE);
    ab_update_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_command),  cmocka_unit_test(test_update_id_last_and_zero),
        cmocka_unit_test(test_callback_query), cmocka_unit_test(test_optional_fields_odd_shapes),
        cmocka_unit_test(test_rejects),        cmocka_unit_test(test_callback_data_strict),
        cmocka_unit_test(test_blocked),        cmocka_unit_test(test_payments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
