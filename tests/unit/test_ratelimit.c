/* Pacing: a chat's shared clock allows bursts of 3 then one message per interval; a global
 * ceiling shared by the replicas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "workers/ratelimit.h"

/* The clock is the database's (db/outbox.c moves it on by one interval per message sent);
 * here it is moved by hand as a sent message would. */
static void test_per_chat_burst_then_rate(void **state)
{
    (void)state;
    ab_ratelimit *rl = ab_ratelimit_new(30, 1);
    assert_true(ab_ratelimit_chat_interval(rl) == 1.0);
    double t = 100.0, tat = 0; /* a chat never seen */
    for (int i = 0; i < 3; i++) {
        assert_true(ab_ratelimit_take(rl, tat, t) == 0);
        tat = (tat > t ? tat : t) + 1.0;
    }
    double wait = ab_ratelimit_take(rl, tat, t); /* the fourth at once: one interval */
    assert_true(wait > 0.99 && wait <= 1.0);
    assert_true(ab_ratelimit_take(rl, 0, t) == 0); /* another chat is not held back */
    assert_true(ab_ratelimit_take(rl, tat, t + 1.0) == 0);
    ab_ratelimit_free(rl);
}

static void test_global_ceiling(void **state)
{
    (void)state;
    ab_ratelimit *rl = ab_ratelimit_new(5, 100);
    int sent = 0;
    for (int chat = 0; chat < 20; chat++)
        sent += ab_ratelimit_take(rl, 0, 50.0) == 0;
    assert_int_equal(sent, 5);
    assert_true(ab_ratelimit_take(rl, 0, 50.0) > 0);
    assert_true(ab_ratelimit_take(rl, 0, 50.2) == 0);
    ab_ratelimit_free(rl);
}

/* Two replicas alive: each takes half of the bot's rate (burst and refill), and gets it all
 * back when alone again. */
static void test_share_between_replicas(void **state)
{
    (void)state;
    ab_ratelimit *rl = ab_ratelimit_new(10, 100);
    ab_ratelimit_share(rl, 2);
    int sent = 0;
    for (int chat = 0; chat < 40; chat++)
        sent += ab_ratelimit_take(rl, 0, 10.0) == 0;
    assert_int_equal(sent, 5);
    sent = 0;
    for (int chat = 100; chat < 140; chat++) /* one second later: 5 more, not 10 */
        sent += ab_ratelimit_take(rl, 0, 11.0) == 0;
    assert_int_equal(sent, 5);
    ab_ratelimit_share(rl, 1);
    sent = 0;
    for (int chat = 200; chat < 240; chat++)
        sent += ab_ratelimit_take(rl, 0, 12.0) == 0;
    assert_int_equal(sent, 10);
    ab_ratelimit_share(rl, 0); /* nonsense counts as alone */
    ab_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_chat_burst_then_rate),
        cmocka_unit_test(test_global_ceiling),
        cmocka_unit_test(test_share_between_replicas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
