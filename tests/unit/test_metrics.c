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
    /* gauges without samples still render as 0 so dashboards have a series */
    assert_non_null(strstr(text, "avatarbot_inbox_pending 0\n"));
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
            assert_true(strncmp(line, "# HELP avatarbot_", 17) == 0 ||
                        strncmp(line, "# TYPE avatarbot_", 17) == 0);
            continue;
        }
        assert_true(strncmp(line, "avatarbot_", 10) == 0);
        const char *space = strrchr(line, ' ');
        assert_non_null(space);
        char *end;
        strtod(space + 1, &end);
        assert_true(*end == '\0');
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_labels),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_every_line_is_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
