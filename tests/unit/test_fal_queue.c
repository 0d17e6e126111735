/* The FAL queue client: its parsers on the answers FAL documents, progress from training logs,
 * and the four calls against a tiny in-process HTTP server answering canned responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fal/queue.h"

#define KEY "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab:deadbeefcafe0123456789"

/* ---- parse_submission ------------------------------------------------------------------ */

static void test_submission_docs_example(void **state)
{
    (void)state;
    /* the submit answer from FAL's queue docs, with the extra fields FAL adds */
    const char *body =
        "{\"status\":\"IN_QUEUE\",\"request_id\":\"80e732af-660e-45cd-bd63-580e4f2a94cc\","
        "\"gateway_request_id\":\"80e732af-660e-45cd-bd63-580e4f2a94cc\","
        "\"response_url\":\"https://queue.fal.run/fal-ai/fast-sdxl/requests/"
        "80e732af-660e-45cd-bd63-580e4f2a94cc\","
        "\"status_url\":\"https://queue.fal.run/fal-ai/fast-sdxl/requests/"
        "80e732af-660e-45cd-bd63-580e4f2a94cc/status\","
        "\"cancel_url\":\"https://queue.fal.run/fal-ai/fast-sdxl/requests/"
        "80e732af-660e-45cd-bd63-580e4f2a94cc/cancel\",\"queue_position\":0}";
    ab_fal_submission s;
    assert_int_equal(ab_fal_parse_submission(body, &s), AB_OK);
    assert_string_equal(s.request_id, "80e732af-660e-45cd-bd63-580e4f2a94cc");
    assert_string_equal(s.response_url, "https://queue.fal.run/fal-ai/fast-sdxl/requests/"
                                        "80e732af-660e-45cd-bd63-580e4f2a94cc");
    assert_string_equal(s.status_url, "https://queue.fal.run/fal-ai/fast-sdxl/requests/"
                                      "80e732af-660e-45cd-bd63-580e4f2a94cc/status");
    assert_string_equal(s.cancel_url, "https://queue.fal.run/fal-ai/fast-sdxl/requests/"
                                      "80e732af-660e-45cd-bd63-580e4f2a94cc/cancel");
}

static void expect_bad_submission(const char *body)
{
    ab_fal_submission s;
    memset(&s, 'x', sizeof s);
    assert_int_equal(ab_fal_parse_submission(body, &s), AB_ERR_INVALID);
    assert_string_equal(s.request_id, ""); /* zeroed */
    assert_string_equal(s.status_url, "");
}

static char *submission_with(const char *field, const char *json_value)
{
    const char *fields[] = {"request_id", "status_url", "response_url", "cancel_url"};
    const char *values[] = {"\"r1\"", "\"http://h/r1/status\"", "\"http://h/r1\"",
                            "\"http://h/r1/cancel\""};
    size_t cap = 4096 + (json_value ? strlen(json_value) : 0);
    char *out = malloc(cap);
    strcpy(out, "{");
    for (int i = 0; i < 4; i++) {
        const char *v = values[i];
        if (strcmp(fields[i], field) == 0) {
            if (!json_value)
                continue; /* missing */
            v = json_value;
        }
        if (out[1])
            strcat(out, ",");
        snprintf(out + strlen(out), cap - strlen(out), "\"%s\":%s", fields[i], v);
    }
    strcat(out, "}");
    return out;
}

static void test_submission_edge_cases(void **state)
{
    (void)state;
    char *ok = submission_with("none", NULL);
    ab_fal_submission s;
    assert_int_equal(ab_fal_parse_submission(ok, &s), AB_OK);
    assert_string_equal(s.status_url, "http://h/r1/status");
    free(ok);

    const char *fields[] = {"request_id", "status_url", "response_url", "cancel_url"};
    for (int i = 0; i < 4; i++) {
        const char *bad[] = {NULL, "null", "42", "[\"http://h/x\"]", "{}", "\"\"", "true"};
        for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) {
            char *body = submission_with(fields[i], bad[j]);
            expect_bad_submission(body);
            free(body);
        }
    }
    /* URLs that must never be called */
    const char *bad_urls[] = {
        "\"file:///etc/passwd\"", "\"ftp://h/x\"",      "\"javascript:alert(1)\"",
        "\"/relative/status\"",   "\"https://\"",       "\"http:///x\"",
        "\"http://h/a b\"",       "\"http://h/a\\nb\"", "\"http://h/x#frag\"",
        "\"gopher://h/x\"",       "\" http://h/x\""};
    for (size_t j = 0; j < sizeof bad_urls / sizeof *bad_urls; j++) {
        char *body = submission_with("status_url", bad_urls[j]);
        expect_bad_submission(body);
        free(body);
    }
    /* scheme case does not matter */
    char *upper = submission_with("cancel_url", "\"HTTPS://queue.fal.run/x/cancel\"");
    assert_int_equal(ab_fal_parse_submission(upper, &s), AB_OK);
    free(upper);
    /* request ids with spaces or control characters */
    char *sp = submission_with("request_id", "\"a b\"");
    expect_bad_submission(sp);
    free(sp);
    char *ctl = submission_with("request_id", "\"a\\u0001\"");
    expect_bad_submission(ctl);
    free(ctl);
    /* not an object, not JSON, nothing */
    expect_bad_submission("[]");
    expect_bad_submission("\"x\"");
    expect_bad_submission("<html>502 Bad Gateway</html>");
    expect_bad_submission("");
    expect_bad_submission(NULL);
}

static void test_submission_length_limits(void **state)
{
    (void)state;
    ab_fal_submission s;
    /* 1023 characters fit status_url[1024]; 1024 do not */
    for (size_t len = 1022; len <= 1025; len++) {
        char *url = malloc(len + 3);
        url[0] = '"';
        memcpy(url + 1, "https://queue.fal.run/", 22);
        memset(url + 23, 'a', len - 22);
        url[len + 1] = '"';
        url[len + 2] = '\0';
        char *body = submission_with("response_url", url);
        ab_err rc = ab_fal_parse_submission(body, &s);
        assert_int_equal(rc, len <= 1023 ? AB_OK : AB_ERR_INVALID);
        if (rc == AB_OK)
            assert_int_equal(strlen(s.response_url), len);
        free(body);
        free(url);
    }
    char id[140];
    id[0] = '"';
    memset(id + 1, 'r', 127);
    strcpy(id + 128, "\"");
    char *body = submission_with("request_id", id); /* 127 characters fit */
    assert_int_equal(ab_fal_parse_submission(body, &s), AB_OK);
    free(body);
    strcpy(id + 128, "r\""); /* 128 do not */
    body = submission_with("request_id", id);
    expect_bad_submission(body);
    free(body);
}

/* ---- parse_status ---------------------------------------------------------------------- */

static void test_status_in_queue(void **state)
{
    (void)state;
    ab_fal_status_info st;
    assert_int_equal(
        ab_fal_parse_status("{\"status\":\"IN_QUEUE\",\"queue_position\":3,\"response_url\":"
                            "\"https://queue.fal.run/fal-ai/fast-sdxl/requests/80e732af\"}",
                            &st),
        AB_OK);
    assert_int_equal(st.state, AB_FAL_IN_QUEUE);
    assert_int_equal(st.queue_position, 3);
    assert_int_equal(st.percent, -1);
    assert_string_equal(st.error, "");

    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_QUEUE\",\"queue_position\":0}", &st),
                     AB_OK);
    assert_int_equal(st.queue_position, 0);
    /* absent, negative, non-integer or huge positions */
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_QUEUE\"}", &st), AB_OK);
    assert_int_equal(st.queue_position, -1);
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_QUEUE\",\"queue_position\":-4}", &st),
                     AB_OK);
    assert_int_equal(st.queue_position, -1);
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_QUEUE\",\"queue_position\":\"2\"}", &st),
                     AB_OK);
    assert_int_equal(st.queue_position, -1);
    assert_int_equal(
        ab_fal_parse_status("{\"status\":\"IN_QUEUE\",\"queue_position\":99999999999}", &st),
        AB_OK);
    assert_int_equal(st.queue_position, 2147483647);
}

static void test_status_in_progress(void **state)
{
    (void)state;
    ab_fal_status_info st;
    const char *body =
        "{\"status\":\"IN_PROGRESS\",\"request_id\":\"r1\",\"response_url\":\"https://q/r1\","
        "\"status_url\":\"https://q/r1/status\",\"cancel_url\":\"https://q/r1/cancel\","
        "\"logs\":[{\"message\":\"Loading model\",\"level\":\"INFO\",\"source\":\"user\","
        "\"timestamp\":\"2024-05-01T10:00:00.000000\"},"
        "{\"message\":\"Training:  25%|##5       | 250/1000 [01:02<03:06,  4.01it/s]\","
        "\"level\":\"INFO\",\"source\":\"user\",\"timestamp\":\"2024-05-01T10:01:02.000000\"},"
        "{\"message\":\"Saving checkpoint\",\"level\":\"INFO\",\"source\":\"user\","
        "\"timestamp\":\"2024-05-01T10:01:03.000000\"}],\"metrics\":{}}";
    assert_int_equal(ab_fal_parse_status(body, &st), AB_OK);
    assert_int_equal(st.state, AB_FAL_IN_PROGRESS);
    assert_int_equal(st.queue_position, -1);
    assert_int_equal(st.percent, 25);
    assert_string_equal(st.error, "");

    /* logs not asked for, null or empty */
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_PROGRESS\"}", &st), AB_OK);
    assert_int_equal(st.percent, -1);
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_PROGRESS\",\"logs\":null}", &st), AB_OK);
    assert_int_equal(st.percent, -1);
    assert_int_equal(ab_fal_parse_status("{\"status\":\"IN_PROGRESS\",\"logs\":[]}", &st), AB_OK);
    assert_int_equal(st.percent, -1);
}

static void test_status_completed(void **state)
{
    (void)state;
    ab_fal_status_info st;
    assert_int_equal(
        ab_fal_parse_status("{\"status\":\"COMPLETED\",\"logs\":[{\"message\":\"step 1000/1000\"}],"
                            "\"metrics\":{\"inference_time\":812.4},\"error\":null,"
                            "\"error_type\":null}",
                            &st),
        AB_OK);
    assert_int_equal(st.state, AB_FAL_COMPLETED);
    assert_int_equal(st.queue_position, -1);
    assert_int_equal(st.percent, 100);
    assert_string_equal(st.error, "");

    /* apps that report failure in the status */
    assert_int_equal(ab_fal_parse_status("{\"status\":\"COMPLETED\",\"logs\":[],\"error\":"
                                         "\"CUDA out of memory\",\"error_type\":\"runner_error\"}",
                                         &st),
                     AB_OK);
    assert_string_equal(st.error, "CUDA out of memory");
    assert_int_equal(
        ab_fal_parse_status(
            "{\"status\":\"COMPLETED\",\"error\":[{\"loc\":[\"body\",\"images_data_url\"],"
            "\"msg\":\"No faces found\",\"type\":\"value_error\"}]}",
            &st),
        AB_OK);
    assert_string_equal(st.error, "body.images_data_url: No faces found");
    assert_int_equal(
        ab_fal_parse_status("{\"status\":\"COMPLETED\",\"error_type\":\"request_timeout\"}", &st),
        AB_OK);
    assert_string_equal(st.error, "request_timeout");
    assert_int_equal(ab_fal_parse_status("{\"status\":\"COMPLETED\",\"error\":\"\"}", &st), AB_OK);
    assert_string_equal(st.error, "");
    /* control characters cleaned, overlong errors cut on a character boundary */
    assert_int_equal(
        ab_fal_parse_status("{\"status\":\"COMPLETED\",\"error\":\"line1\\nline2\"}", &st), AB_OK);
    assert_string_equal(st.error, "line1 line2");
    char body[2200];
    strcpy(body, "{\"status\":\"COMPLETED\",\"error\":\"");
    for (int i = 0; i < 600; i++)
        strcat(body, "\xd0\x96"); /* two-byte character */
    strcat(body, "\"}");
    assert_int_equal(ab_fal_parse_status(body, &st), AB_OK);
    assert_int_equal(strlen(st.error), 510);
}

static void test_status_bad(void **state)
{
    (void)state;
    ab_fal_status_info st;
    const char *bad[] = {"{}",
                         "{\"status\":null}",
                         "{\"status\":3}",
                         "{\"status\":\"in_queue\"}",
                         "{\"status\":\"FAILED\"}",
                         "{\"status\":\"\"}",
                         "[]",
                         "",
                         "not json",
                         "{\"detail\":\"Not Found\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(ab_fal_parse_status(bad[i], &st), AB_ERR_INVALID);
    assert_int_equal(ab_fal_parse_status(NULL, &st), AB_ERR_INVALID);
}

/* ---- progress_from_logs ---------------------------------------------------------------- */

static int progress_of(const char *const *messages, size_t n)
{
    json_t *logs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(logs, json_pack("{s:s,s:s,s:s}", "message", messages[i], "level",
                                              "INFO", "timestamp", "2024-05-01T10:00:00"));
    int pct = ab_fal_progress_from_logs(logs);
    json_decref(logs);
    return pct;
}

static int progress_one(const char *message)
{
    return progress_of(&message, 1);
}

static void test_progress_styles(void **state)
{
    (void)state;
    assert_int_equal(progress_one("step 150/1000"), 15);
    assert_int_equal(progress_one("Step 150 / 1000"), 15);
    assert_int_equal(progress_one("STEP 150/1000, loss=0.0312"), 15);
    assert_int_equal(progress_one("steps: 150/1000"), 15);
    assert_int_equal(progress_one("Steps = 150/1000"), 15);
    assert_int_equal(progress_one("global_step 150/1000 lr=1e-4"), 15);
    assert_int_equal(progress_one("Step 150 of 1000"), 15);
    assert_int_equal(progress_one("150/1000 [00:30<02:00, 5.00it/s]"), 15);
    assert_int_equal(progress_one("Training:  15%|#5        | 150/1000 [00:30<02:00,  5.00it/s]"),
                     15);
    assert_int_equal(progress_one("steps:  15%|\xe2\x96\x88\xe2\x96\x8c  | 150/1000 [00:30<02:00, "
                                  "5.00it/s, loss=0.1]"),
                     15);
    assert_int_equal(progress_one("[150/1000]"), 15);
    assert_int_equal(progress_one("[ 150 / 1000 ] loss 0.21"), 15);
    assert_int_equal(progress_one("2024-05-01 10:00:00 INFO [150/1000] loss=0.2"), 15);
    assert_int_equal(progress_one("step 0/1000"), 0);
    assert_int_equal(progress_one("step 1/3"), 33);
    assert_int_equal(progress_one("step 999/1000"), 99);
    /* a "step" count wins over other counts in the same line */
    assert_int_equal(progress_one("Epoch [1/10] step 150/1000"), 15);
    assert_int_equal(progress_one("step 150/1000 [2/10]"), 15);
    /* the last of the other counts otherwise */
    assert_int_equal(progress_one("Epoch [1/10] [150/1000]"), 15);
}

static void test_progress_never_100(void **state)
{
    (void)state;
    assert_int_equal(progress_one("step 1000/1000"), 99);
    assert_int_equal(progress_one("100%|##########| 1000/1000 [03:20<00:00, 5.00it/s]"), 99);
    assert_int_equal(progress_one("[7/7]"), 99);
}

static void test_progress_last_match(void **state)
{
    (void)state;
    const char *logs[] = {"step 100/1000",        "step 200/1000", "Saving checkpoint",
                          "validation loss 0.12", "step 300/1000", "uploading weights"};
    assert_int_equal(progress_of(logs, 6), 30);
    /* tqdm redraws with '\r' inside one message: its last line counts */
    assert_int_equal(progress_one("  1%|          | 10/1000 [00:02<03:20]\r  2%|2         | "
                                  "20/1000 [00:04<03:18]\r  3%|3         | 30/1000 [00:06<03:16]"),
                     3);
    assert_int_equal(progress_one("step 500/1000\nall good\n"), 50);
    const char *two[] = {"step 700/1000", "step 10/20\nnothing here"};
    assert_int_equal(progress_of(two, 2), 50);
    /* an invalid later count does not hide a valid earlier one */
    const char *over[] = {"step 400/1000", "step 1200/1000"};
    assert_int_equal(progress_of(over, 2), 40);
}

static void test_progress_none(void **state)
{
    (void)state;
    assert_int_equal(ab_fal_progress_from_logs(NULL), -1);
    json_t *empty = json_array();
    assert_int_equal(ab_fal_progress_from_logs(empty), -1);
    json_decref(empty);
    json_t *obj = json_object();
    assert_int_equal(ab_fal_progress_from_logs(obj), -1);
    json_decref(obj);
    json_t *odd = json_pack("[{s:i},{s:n},{},i,n]", "message", 3, "message", 7);
    assert_int_equal(ab_fal_progress_from_logs(odd), -1);
    json_decref(odd);
    /* plain string entries are accepted */
    json_t *strings = json_pack("[s,s]", "step 5/10", "done");
    assert_int_equal(ab_fal_progress_from_logs(strings), 50);
    json_decref(strings);

    const char *no_counts[] = {
        "Loading model weights",
        "Date 2024/05/01 12:00",             /* dates */
        "downloaded 3/4 of the images",      /* a bare ratio */
        "see https://fal.ai/models/1/2 [x]", /* URL path */
        "step 0/0",                          /* nothing to divide by */
        "step 1500/1000",                    /* more steps than the total */
        "step 1234567890/9999999999",        /* not a count */
        "step -5/10",
        "[1/2",
        "150/1000", /* no tqdm bracket */
        "v1.150/1000 [x]",
        "",
    };
    for (size_t i = 0; i < sizeof no_counts / sizeof *no_counts; i++) {
        int pct = progress_one(no_counts[i]);
        if (pct != -1)
            fail_msg("\"%s\" gave %d", no_counts[i], pct);
    }
}

/* ---- a tiny HTTP server with canned answers -------------------------------------------- */

#define SRV_MAX 4

typedef struct {
    int listen_fd;
    int port;
    pthread_t thread;
    int count;
    char *answers[SRV_MAX];
    char requests[SRV_MAX][16384];
} server;

static server srv;

static void srv_open(void)
{
    memset(&srv, 0, sizeof srv);
    srv.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(srv.listen_fd >= 0);
    int one = 1;
    setsockopt(srv.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(srv.listen_fd, 8), 0);
    socklen_t len = sizeof addr;
    getsockname(srv.listen_fd, (struct sockaddr *)&addr, &len);
    srv.port = ntohs(addr.sin_port);
}

static void srv_answer(long status, const char *body)
{
    assert_true(srv.count < SRV_MAX);
    size_t blen = strlen(body), cap = blen + 256;
    char *a = malloc(cap);
    snprintf(a, cap,
             "HTTP/1.1 %ld X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             status, blen, body);
    srv.answers[srv.count++] = a;
}

static void *srv_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < srv.count; i++) {
        int fd = accept(srv.listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        size_t got = 0, need = 0;
        char *req = srv.requests[i];
        for (;;) {
            ssize_t n = recv(fd, req + got, sizeof srv.requests[i] - 1 - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
            char *end = strstr(req, "\r\n\r\n");
            if (!end)
                continue;
            if (!need) {
                const char *cl = NULL;
                for (const char *h = req; h < end && !cl; h++)
                    if (strncasecmp(h, "\r\nContent-Length:", 17) == 0)
                        cl = h;
                need = (size_t)(end + 4 - req) + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
            }
            if (got >= need)
                break;
        }
        const char *a = srv.answers[i];
        size_t len = strlen(a), off = 0;
        while (off < len) {
            ssize_t n = send(fd, a + off, len - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        shutdown(fd, SHUT_WR);
        char sink[256];
        while (recv(fd, sink, sizeof sink, 0) > 0) {
        }
        close(fd);
    }
    return NULL;
}

static void srv_start(void)
{
    assert_int_equal(pthread_create(&srv.thread, NULL, srv_main, NULL), 0);
}

static void srv_finish(void)
{
    pthread_join(srv.thread, NULL);
    close(srv.listen_fd);
    for (int i = 0; i < srv.count; i++)
        free(srv.answers[i]);
}

static char *srv_url(const char *path)
{
    char *u = malloc(strlen(path) + 64);
    sprintf(u, "http://127.0.0.1:%d%s", srv.port, path);
    return u;
}

static int setup_curl(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown_curl(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

/* ---- the calls ------------------------------------------------------------------------- */

static void test_submit_ok(void **state)
{
    (void)state;
    srv_open();
    char body[1024];
    snprintf(
        body, sizeof body,
        "{\"request_id\":\"r-42\",\"gateway_request_id\":\"r-42\","
        "\"status_url\":\"http://127.0.0.1:%d/fal-ai/flux-lora-fast-training/requests/r-42/"
        "status\","
        "\"response_url\":\"http://127.0.0.1:%d/fal-ai/flux-lora-fast-training/requests/r-42\","
        "\"cancel_url\":\"http://127.0.0.1:%d/fal-ai/flux-lora-fast-training/requests/r-42/"
        "cancel\","
        "\"queue_position\":0}",
        srv.port, srv.port, srv.port);
    srv_answer(200, body);
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *base = srv_url("/"); /* trailing slash tolerated */
    json_t *input = json_pack("{s:s,s:i}", "images_data_url", "https://s3/x.zip", "steps", 1000);
    ab_fal_submission sub;
    ab_fal_error err;
    ab_err rc =
        ab_fal_submit(c, base, KEY, "fal-ai/flux-lora-fast-training",
                      "https://bot.example/fal/webhook?job=7&sig=a%2Bb", input, 0, &sub, &err);
    srv_finish();
    assert_int_equal(rc, AB_OK);
    assert_string_equal(sub.request_id, "r-42");
    assert_int_equal(err.http_status, 0);
    assert_string_equal(err.detail, "");
    const char *req = srv.requests[0];
    assert_non_null(strstr(req,
                           "POST /fal-ai/flux-lora-fast-training?fal_webhook="
                           "https%3A%2F%2Fbot.example%2Ffal%2Fwebhook%3Fjob%3D7%26sig%3Da%252Bb "
                           "HTTP/1.1\r\n"));
    assert_non_null(strstr(req, "\r\nAuthorization: Key " KEY "\r\n"));
    assert_non_null(strstr(req, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(
        strstr(req, "\r\n\r\n{\"images_data_url\":\"https://s3/x.zip\",\"steps\":1000}"));
    json_decref(input);
    free(base);
    ab_http_client_free(c);
}

static void test_submit_without_webhook_and_foreign_urls(void **state)
{
    (void)state;
    srv_open();
    /* the answer points elsewhere: the key must not follow it */
    srv_answer(200, "{\"request_id\":\"r1\",\"status_url\":\"https://evil.example/r1/status\","
                    "\"response_url\":\"https://evil.example/r1\","
                    "\"cancel_url\":\"https://evil.example/r1/cancel\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *base = srv_url("");
    json_t *input = json_object();
    ab_fal_submission sub;
    ab_fal_error err;
    ab_err rc = ab_fal_submit(c, base, KEY, "fal-ai/flux-lora", NULL, input, 0, &sub, &err);
    srv_finish();
    assert_int_equal(rc, AB_ERR_INVALID);
    assert_true(err.maybe_accepted); /* a 2xx we cannot use: FAL may well have queued it */
    assert_string_equal(sub.status_url, "");
    assert_non_null(strstr(srv.requests[0], "POST /fal-ai/flux-lora HTTP/1.1\r\n"));
    assert_null(strstr(srv.requests[0], "fal_webhook"));
    json_decref(input);
    free(base);
    ab_http_client_free(c);
}

static void test_submit_errors(void **state)
{
    (void)state;
    srv_open();
    srv_answer(422,
               "{\"detail\":[{\"loc\":[\"body\",\"images_data_url\"],\"msg\":\"field required\","
               "\"type\":\"value_error.missing\"}]}");
    srv_answer(401, "{\"detail\":\"Invalid key " KEY "\"}");
    srv_answer(503, "{\"detail\":\"No runner could be allocated\",\"error_type\":"
                    "\"runner_scheduling_failure\"}");
    srv_answer(429, "<html><body>Too Many Requests</body></html>");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *base = srv_url("");
    json_t *input = json_object();
    ab_fal_submission sub;
    ab_fal_error err;

    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 422);
    assert_string_equal(err.detail, "body.images_data_url: field required");
    assert_false(err.maybe_accepted); /* FAL's definite answer: nothing queued */

    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.detail, "Invalid key [REDACTED]");

    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_HTTP);
    assert_int_equal(err.http_status, 503);
    assert_string_equal(err.detail, "No runner could be allocated [runner_scheduling_failure]");
    assert_false(err.maybe_accepted);

    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_HTTP);
    assert_int_equal(err.http_status, 429);
    assert_string_equal(err.detail, "HTTP 429");
    assert_false(err.maybe_accepted);
    srv_finish();
    json_decref(input);
    free(base);
    ab_http_client_free(c);
}

/* Answers that leave open whether FAL queued the submit, and one that does not. */
static void test_submit_maybe_accepted(void **state)
{
    (void)state;
    srv_open();
    srv_answer(502, "<html><body><center><h1>502 Bad Gateway</h1></center></body></html>");
    srv_answer(504, "{\"detail\":\"Request timed out\",\"error_type\":\"request_timeout\"}");
    srv_answer(200, "{\"request_id\":\"r-1\",\"status_url\":\"http:/");
    srv_answer(409, "{\"detail\":\"Conflict\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *base = srv_url("");
    json_t *input = json_object();
    ab_fal_submission sub;
    ab_fal_error err;
    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_HTTP);
    assert_true(err.maybe_accepted); /* a proxy's 502: the queue may have it */
    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_HTTP);
    assert_true(err.maybe_accepted);
    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_INVALID);
    assert_true(err.maybe_accepted); /* a 2xx cut short */
    assert_int_equal(ab_fal_submit(c, base, KEY, "fal-ai/x", NULL, input, 0, &sub, &err),
                     AB_ERR_REMOTE);
    assert_false(err.maybe_accepted);
    srv_finish();
    json_decref(input);
    free(base);
    ab_http_client_free(c);
}

/* FAL's request listing: pages followed by cursor, inputs kept, odd items skipped. */
static void test_list_requests(void **state)
{
    (void)state;
    srv_open();
    srv_answer(200, "{\"items\":[{\"request_id\":\"r-2\",\"endpoint_id\":\"fal-ai/t\","
                    "\"sent_at\":\"2026-01-01T00:00:02Z\",\"ended_at\":null,"
                    "\"json_input\":{\"data_url\":\"https://s3/a.zip\"}},"
                    "{\"request_id\":\"bad/id\"},{\"endpoint_id\":\"no id\"}],"
                    "\"next_cursor\":\"MQ==\",\"has_more\":true}");
    srv_answer(200, "{\"items\":[{\"request_id\":\"r-1\",\"sent_at\":\"2026-01-01T00:00:01Z\","
                    "\"ended_at\":\"2026-01-01T00:09:00Z\",\"status_code\":200}],"
                    "\"next_cursor\":null,\"has_more\":false}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *base = srv_url("/v1");
    ab_fal_listed *items = NULL;
    size_t n = 0;
    ab_fal_error err;
    ab_err rc =
        ab_fal_list_requests(c, base, KEY, "fal-ai/t", "2026-01-01T00:00:00Z", 5, &items, &n, &err);
    srv_finish();
    assert_int_equal(rc, AB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].request_id, "r-2");
    assert_false(items[0].ended);
    assert_string_equal(json_string_value(json_object_get(items[0].input, "data_url")),
                        "https://s3/a.zip");
    assert_string_equal(items[1].request_id, "r-1");
    assert_true(items[1].ended);
    assert_null(items[1].input);
    assert_string_equal(items[1].sent_at, "2026-01-01T00:00:01Z");
    assert_non_null(strstr(srv.requests[0], "GET /v1/models/requests/by-endpoint?endpoint_id="
                                            "fal-ai%2Ft&start=2026-01-01T00%3A00%3A00Z&expand="
                                            "payloads&limit=100 HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.requests[1], "&cursor=MQ%3D%3D HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.requests[1], "\r\nAuthorization: Key " KEY "\r\n"));
    ab_fal_listed_free(items, n);
    free(base);
    ab_http_client_free(c);
}

/* An adopted request's URLs: owner/name of the app without its subpath, as FAL answers them. */
static void test_request_urls(void **state)
{
    (void)state;
    ab_fal_submission u;
    assert_int_equal(
        ab_fal_request_urls("https://queue.fal.run/", "fal-ai/flux-pro/v1.1-ultra", "r-1", &u),
        AB_OK);
    assert_string_equal(u.request_id, "r-1");
    assert_string_equal(u.response_url, "https://queue.fal.run/fal-ai/flux-pro/requests/r-1");
    assert_string_equal(u.status_url, "https://queue.fal.run/fal-ai/flux-pro/requests/r-1/status");
    assert_string_equal(u.cancel_url, "https://queue.fal.run/fal-ai/flux-pro/requests/r-1/cancel");
    const char *bad[] = {"", "a/b", "a?b", "a b", "a#b", "a%2F", "\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ab_fal_request_urls("https://q", "fal-ai/x", bad[i], &u), AB_ERR_INVALID);
    assert_int_equal(ab_fal_request_urls("ftp://q", "fal-ai/x", "r", &u), AB_ERR_INVALID);
    assert_int_equal(ab_fal_request_urls("https://q", "../x", "r", &u), AB_ERR_INVALID);
}

static void test_submit_unreachable(void **state)
{
    (void)state;
    ab_http_client *c = ab_http_client_new();
    json_t *input = json_pack("{s:s}", "prompt", "x");
    ab_fal_submission sub;
    ab_fal_error err;
    ab_err rc = ab_fal_submit(c, "http://127.0.0.1:1", KEY, "fal-ai/flux-lora", "https://h/w",
                              input, 0, &sub, &err);
    assert_int_equal(rc, AB_ERR_HTTP);
    assert_int_equal(err.http_status, 0);
    assert_false(err.maybe_accepted); /* refused connection: the request never left */
    assert_true(err.detail[0] != '\0');
    assert_null(strstr(err.detail, KEY));
    assert_null(strstr(err.detail, "deadbeef"));
    json_decref(input);
    ab_http_client_free(c);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    ab_http_client *c = ab_http_client_new();
    json_t *input = json_object();
    json_t *arr = json_array();
    ab_fal_submission sub;
    ab_fal_error err;
    /* no network is touched: port 1 would fail differently */
    const char *base = "http://127.0.0.1:1";
    assert_int_equal(ab_fal_submit(c, "file:///tmp", KEY, "a/b", NULL, input, 0, &sub, &err),
                     AB_ERR_INVALID);
    assert_int_equal(ab_fal_submit(c, base, "k\r\nX-Evil: 1", "a/b", NULL, input, 0, &sub, &err),
                     AB_ERR_INVALID);
    assert_null(strstr(err.detail, "X-Evil"));
    assert_int_equal(ab_fal_submit(c, base, "", "a/b", NULL, input, 0, &sub, &err), AB_ERR_INVALID);
    const char *bad_ids[] = {"", "/a/b", "a/b/", "a//b", "../etc", "a/b?x=1", "a/b c", "a/b#x"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++)
        assert_int_equal(ab_fal_submit(c, base, KEY, bad_ids[i], NULL, input, 0, &sub, &err),
                         AB_ERR_INVALID);
    assert_int_equal(ab_fal_submit(c, base, KEY, "a/b", "ftp://h/w", input, 0, &sub, &err),
                     AB_ERR_INVALID);
    assert_int_equal(ab_fal_submit(c, base, KEY, "a/b", NULL, arr, 0, &sub, &err), AB_ERR_INVALID);

    ab_fal_status_info st;
    assert_int_equal(ab_fal_status(c, KEY, "file:///etc/passwd", &st, &err), AB_ERR_INVALID);
    assert_int_equal(st.queue_position, -1);
    json_t *out = (json_t *)1;
    assert_int_equal(ab_fal_result(c, KEY, "gopher://h/x", &out, &err), AB_ERR_INVALID);
    assert_null(out);
    ab_fal_cancel_outcome oc;
    assert_int_equal(ab_fal_cancel(c, KEY, "/relative", &oc, &err), AB_ERR_INVALID);
    json_decref(input);
    json_decref(arr);
    ab_http_client_free(c);
}

static void test_status_call(void **state)
{
    (void)state;
    srv_open();
    srv_answer(202, "{\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"step 640/800\","
                    "\"level\":\"INFO\",\"timestamp\":\"2024-05-01T10:00:00\"}]}");
    srv_answer(200, "{\"status\":\"COMPLETED\",\"logs\":[],\"metrics\":{\"inference_time\":3.2}}");
    srv_answer(404, "{\"detail\":\"Request not found\"}");
    srv_answer(200, "{\"status\":\"SOMETHING_NEW\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *with_query = srv_url("/fal-ai/x/requests/r1/status?fal_app=1");
    char *plain = srv_url("/fal-ai/x/requests/r1/status");
    ab_fal_status_info st;
    ab_fal_error err;
    assert_int_equal(ab_fal_status(c, KEY, with_query, &st, &err), AB_OK);
    assert_int_equal(st.state, AB_FAL_IN_PROGRESS);
    assert_int_equal(st.percent, 80);
    assert_int_equal(ab_fal_status(c, KEY, plain, &st, &err), AB_OK);
    assert_int_equal(st.state, AB_FAL_COMPLETED);
    assert_int_equal(ab_fal_status(c, KEY, plain, &st, &err), AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.detail, "Request not found");
    assert_int_equal(ab_fal_status(c, KEY, plain, &st, &err), AB_ERR_INVALID);
    assert_int_equal(err.http_status, 200);
    srv_finish();
    assert_non_null(strstr(srv.requests[0], "GET /fal-ai/x/requests/r1/status?fal_app=1&logs=1 "));
    assert_non_null(strstr(srv.requests[0], "\r\nAuthorization: Key " KEY "\r\n"));
    assert_non_null(strstr(srv.requests[1], "GET /fal-ai/x/requests/r1/status?logs=1 "));
    free(with_query);
    free(plain);
    ab_http_client_free(c);
}

static void test_status_logs_too_large(void **state)
{
    (void)state;
    srv_open();
    /* a training whose logs passed the 2 MiB cap: asked again without logs */
    size_t big = (2u << 20) + 1000;
    char *body = malloc(big + 100);
    strcpy(body, "{\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"");
    size_t n = strlen(body);
    memset(body + n, 'x', big);
    strcpy(body + n + big, "\"}]}");
    srv_answer(202, body);
    free(body);
    srv_answer(202, "{\"status\":\"IN_PROGRESS\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *url = srv_url("/a/b/requests/r1/status");
    ab_fal_status_info st;
    ab_fal_error err;
    assert_int_equal(ab_fal_status(c, KEY, url, &st, &err), AB_OK);
    assert_int_equal(st.state, AB_FAL_IN_PROGRESS);
    assert_int_equal(st.percent, -1);
    srv_finish();
    assert_non_null(strstr(srv.requests[0], "GET /a/b/requests/r1/status?logs=1 "));
    assert_non_null(strstr(srv.requests[1], "GET /a/b/requests/r1/status HTTP/1.1\r\n"));
    free(url);
    ab_http_client_free(c);
}

static void test_result_call(void **state)
{
    (void)state;
    srv_open();
    srv_answer(
        200, "{\"diffusers_lora_file\":{\"url\":\"https://v3.fal.media/files/x/lora.safetensors\","
             "\"content_type\":\"application/octet-stream\",\"file_size\":89745224},"
             "\"config_file\":{\"url\":\"https://v3.fal.media/files/x/config.json\"}}");
    srv_answer(400, "{\"detail\":\"Request is still in progress\"}");
    srv_answer(422, "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"No faces detected in the images\","
                    "\"type\":\"value_error\"}]}");
    srv_answer(500, "{\"detail\":\"Training failed: CUDA out of memory\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *url = srv_url("/fal-ai/x/requests/r1");
    json_t *out;
    ab_fal_error err;
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(out, "diffusers_lora_file"), "url")),
        "https://v3.fal.media/files/x/lora.safetensors");
    json_decref(out);
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_CONFLICT);
    assert_null(out);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 422);
    assert_string_equal(err.detail, "body: No faces detected in the images");
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_HTTP);
    assert_int_equal(err.http_status, 500);
    assert_string_equal(err.detail, "Training failed: CUDA out of memory");
    srv_finish();
    assert_non_null(strstr(srv.requests[0], "GET /fal-ai/x/requests/r1 HTTP/1.1\r\n"));
    free(url);
    ab_http_client_free(c);
}

static void test_result_odd(void **state)
{
    (void)state;
    srv_open();
    srv_answer(202, "{\"status\":\"IN_QUEUE\",\"queue_position\":1}");
    srv_answer(200, "[1,2,3]");
    srv_answer(302, "");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *url = srv_url("/fal-ai/x/requests/r1");
    json_t *out;
    ab_fal_error err;
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_CONFLICT);
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_INVALID);
    assert_null(out);
    assert_int_equal(ab_fal_result(c, KEY, url, &out, &err), AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 302);
    srv_finish();
    free(url);
    ab_http_client_free(c);
}

static void test_cancel_call(void **state)
{
    (void)state;
    srv_open();
    srv_answer(202, "{\"status\":\"CANCELLATION_REQUESTED\"}");
    srv_answer(400, "{\"status\":\"ALREADY_COMPLETED\"}");
    srv_answer(404, "{\"status\":\"NOT_FOUND\"}");
    srv_answer(401, "{\"detail\":\"Unauthorized\"}");
    srv_start();
    ab_http_client *c = ab_http_client_new();
    char *url = srv_url("/fal-ai/x/requests/r1/cancel");
    ab_fal_cancel_outcome oc;
    ab_fal_error err;
    assert_int_equal(ab_fal_cancel(c, KEY, url, &oc, &err), AB_OK);
    assert_int_equal(oc, AB_FAL_CANCEL_REQUESTED);
    assert_int_equal(ab_fal_cancel(c, KEY, url, &oc, &err), AB_OK);
    assert_int_equal(oc, AB_FAL_CANCEL_TOO_LATE);
    assert_int_equal(ab_fal_cancel(c, KEY, url, &oc, &err), AB_OK);
    assert_int_equal(oc, AB_FAL_CANCEL_NOT_FOUND);
    assert_int_equal(ab_fal_cancel(c, KEY, url, &oc, &err), AB_ERR_REMOTE);
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.detail, "Unauthorized");
    srv_finish();
    assert_non_null(strstr(srv.requests[0], "PUT /fal-ai/x/requests/r1/cancel HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.requests[0], "\r\nAuthorization: Key " KEY "\r\n"));
    free(url);
    ab_http_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submission_docs_example),
        cmocka_unit_test(test_submission_edge_cases),
        cmocka_unit_test(test_submission_length_limits),
        cmocka_unit_test(test_status_in_queue),
        cmocka_unit_test(test_status_in_progress),
        cmocka_unit_test(test_status_completed),
        cmocka_unit_test(test_status_bad),
        cmocka_unit_test(test_progress_styles),
        cmocka_unit_test(test_progress_never_100),
        cmocka_unit_test(test_progress_last_match),
        cmocka_unit_test(test_progress_none),
        cmocka_unit_test(test_submit_ok),
        cmocka_unit_test(test_submit_without_webhook_and_foreign_urls),
        cmocka_unit_test(test_submit_errors),
        cmocka_unit_test(test_submit_unreachable),
        cmocka_unit_test(test_request_urls),
        cmocka_unit_test(test_list_requests),
        cmocka_unit_test(test_submit_maybe_accepted),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_status_call),
        cmocka_unit_test(test_status_logs_too_large),
        cmocka_unit_test(test_result_call),
        cmocka_unit_test(test_result_odd),
        cmocka_unit_test(test_cancel_call),
    };
    return cmocka_run_group_tests(tests, setup_curl, teardown_curl);
}
