/* Metrics text: Prometheus exposition format with HELP/TYPE, labels and histogram buckets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/metrics.h"

static void test_counter_and_labels(void **state)
{
    (void)state;
    ab_metrics_reset();
    ab_metrics_add(AB_M_HTTP_REQUESTS, "endpoint=\"/healthz\",code=\"200\"", 1);
    ab_metrics_add(AB_M_HTTP_REQUESTS, "endpoint=\"/healthz\",code=\"200\"", 2);
    ab_metrics_add(AB_M_HTTP_REQUESTS, "endpoint=\"/telegram/webhook\",code=\"401\"", 1);
    char *text = ab_metrics_render();
    assert_non_null(strstr(text, "# HELP avatarbot_http_requests_total "));
    assert_non_null(strstr(text, "# TYPE avatarbot_http_requests_total counter\n"));
    assert_non_null(
        strstr(text, "avatarbot_http_requests_total{endpoint=\"/healthz\",code=\"200\"} 3\n"));
    assert_non_null(strstr(
        text, "avatarbot_http_requests_total{endpoint=\"/telegram/webhook\",code=\"401\"} 1\n"));
    /* a gauge without a sample is unknown: described, but no series (not a made-up 0) */
    assert_non_null(strstr(text, "# TYPE avatarbot_inbox_pending gauge\n"));
    assert_null(strstr(text, "\navatarbot_inbox_pending "));
    free(text);
}

static void test_histogram(void **state)
{
    (void)state;
    ab_metrics_reset();
    ab_metrics_observe(AB_M_WEBHOOK_SECONDS, "", 0.0007);
    ab_metrics_observe(AB_M_WEBHOOK_SECONDS, "", 0.003);
    ab_metrics_observe(AB_M_WEBHOOK_SECONDS, "", 5);
    char *text = ab_metrics_render();
    assert_non_null(strstr(text, "# TYPE avatarbot_webhook_ack_seconds histogram\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_bucket{le=\"0.0005\"} 0\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_bucket{le=\"0.001\"} 1\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_bucket{le=\"0.005\"} 2\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_bucket{le=\"1\"} 2\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_bucket{le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_count 3\n"));
    assert_non_null(strstr(text, "avatarbot_webhook_ack_seconds_sum 5.0037"));
    assert_true(ab_metrics_value(AB_M_WEBHOOK_SECONDS, "") == 3);
    free(text);
}

static void test_every_line_is_well_formed(void **state)
{
    (void)state;
    ab_metrics_reset();
    ab_metrics_add(AB_M_OUTBOX_SENT, "method=\"sendMessage\"", 1);
    ab_metrics_set(AB_M_INBOX_LAG_SECONDS, "", 1.5);
    char *text = ab_metrics_render();
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') {
            /* ours, or Prometheus' standard process_* figures */
            assert_true(strncmp(line, "# HELP avatarbot_", 17) == 0 ||
                        strncmp(line, "# TYPE avatarbot_", 17) == 0 ||
                        strncmp(line, "# HELP process_", 15) == 0 ||
                        strncmp(line, "# TYPE process_", 15) == 0);
            continue;
        }
        assert_true(strncmp(line, "avatarbot_", 10) == 0 || strncmp(line, "process_", 8) == 0);
        const char *space = strrchr(line, ' ');
        assert_non_null(space);
        char *end;
        strtod(space + 1, &end);
        assert_true(*end == '\0');
    }
    free(text);
}

/* A cleared gauge is absent from the page, not 0: a figure nobody knows is not a zero. */
static void test_cleared_gauge_is_absent(void **state)
{
    (void)state;
    ab_metrics_reset();
    ab_metrics_set(AB_M_INBOX_PENDING, "", 7);
    char *text = ab_metrics_render();
    assert_non_null(strstr(text, "\navatarbot_inbox_pending 7\n"));
    free(text);
    ab_metrics_clear(AB_M_INBOX_PENDING);
    text = ab_metrics_render();
    assert_null(strstr(text, "\navatarbot_inbox_pending "));
    assert_non_null(strstr(text, "# TYPE avatarbot_inbox_pending gauge"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_labels),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_every_line_is_well_formed),
        cmocka_unit_test(test_cleared_gauge_is_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
