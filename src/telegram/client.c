/* The Bot API call and the decoding of its envelope. The URL carries the token, so it is built
 * here and never handed to anything that logs. */
#include "telegram/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/http_client.h"
#include "core/json.h"
#include "core/metrics.h"
#include "telegram/wire_upload.h"

struct ab_tg_client {
    ab_http_client *http;
    char *base;
    char *token;
    int timeout_s;
};

ab_tg_client *ab_tg_client_new(const char *api_base, const char *token, int timeout_s)
{
    ab_tg_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->http = ab_http_client_new();
    c->base = strdup(api_base);
    c->token = strdup(token);
    c->timeout_s = timeout_s;
    if (!c->http || !c->base || !c->token) {
        ab_tg_client_free(c);
        return NULL;
    }
    /* tolerate a trailing slash in TELEGRAM_API_BASE */
    size_t n = strlen(c->base);
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    return c;
}

void ab_tg_client_free(ab_tg_client *c)
{
    if (!c)
        return;
    ab_http_client_free(c->http);
    free(c->base);
    free(c->token);
    free(c);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The request to method (body or parts filled in by the caller) and Telegram's answer. */
static ab_err call(ab_tg_client *c, const char *method, ab_http_request *req, ab_tg_response *resp)
{
    memset(resp, 0, sizeof *resp);
    size_t url_len = strlen(c->base) + strlen(c->token) + strlen(method) + 8;
    char *url = malloc(url_len);
    if (!url)
        return AB_ERR_NOMEM;
    snprintf(url, url_len, "%s/bot%s/%s", c->base, c->token, method);
    req->method = "POST";
    req->url = url;
    req->timeout_s = c->timeout_s;
    req->max_response = 4u << 20;
    ab_http_response http;
    double started = now_s();
    ab_err err = ab_http_perform(c->http, req, &http);
    ab_metrics_observe(AB_M_TELEGRAM_API_SECONDS, "", now_s() - started);
    free(url);
    resp->http_status = http.status;
    if (err != AB_OK) {
        snprintf(resp->description, sizeof resp->description, "%s", http.error);
        ab_http_response_free(&http);
        return err;
    }

    json_error_t jerr;
    json_t *root = json_loadb(http.body, http.body_len, 0, &jerr);
    ab_http_response_free(&http);
    if (!json_is_object(root)) {
        /* a proxy's HTML error page, or nothing: treat by HTTP status */
        json_decref(root);
        resp->error_code = (int)resp->http_status;
        snprintf(resp->description, sizeof resp->description, "HTTP %ld without a Bot API answer",
                 resp->http_status);
        return resp->http_status >= 500 || resp->http_status == 0 ? AB_ERR_HTTP : AB_OK;
    }
    resp->ok = ab_json_bool(root, "ok", false);
    if (resp->ok) {
        resp->result = json_incref(json_object_get(root, "result"));
    } else {
        int64_t code = resp->http_status, retry = 0;
        ab_json_i64(root, "error_code", &code);
        ab_json_i64(root, "parameters.retry_after", &retry);
        resp->error_code = (int)code;
        resp->retry_after = retry > 0 ? (int)(retry > 86400 ? 86400 : retry) : 0;
        const char *desc = ab_json_str(root, "description");
        snprintf(resp->description, sizeof resp->description, "%s", desc ? desc : "");
    }
    json_decref(root);
    return AB_OK;
}

ab_err ab_tg_call(ab_tg_client *c, const char *method, const char *json_body, ab_tg_response *resp)
{
    static const char *const HEADERS[] = {"Content-Type: application/json", NULL};
    ab_http_request req = {.headers = HEADERS, .body = json_body, .body_len = strlen(json_body)};
    return call(c, method, &req, resp);
}

static bool replaced_by_file(const char *field, const ab_tg_file *files, size_t n_files)
{
    for (size_t i = 0; i < n_files; i++)
        if (strcmp(files[i].field, field) == 0)
            return true;
    return false;
}

ab_err ab_tg_call_multipart(ab_tg_client *c, const char *method, const json_t *payload,
                            const ab_tg_file *files, size_t n_files, ab_tg_response *resp)
{
    memset(resp, 0, sizeof *resp);
    size_t cap = json_object_size(payload) + n_files, n = 0;
    ab_http_part *parts = calloc(cap ? cap : 1, sizeof *parts);
    char **values = calloc(cap ? cap : 1, sizeof *values);
    ab_err err = parts && values ? AB_OK : AB_ERR_NOMEM;
    const char *field;
    json_t *value;
    json_object_foreach((json_t *)payload, field, value)
    {
        if (err != AB_OK || field[0] == '_' || replaced_by_file(field, files, n_files) ||
            json_is_null(value))
            continue;
        char *text = ab_tg_form_value(value);
        if (!text) {
            err = AB_ERR_NOMEM;
            break;
        }
        values[n] = text;
        parts[n++] = (ab_http_part){.name = field, .data = text, .len = strlen(text)};
    }
    for (size_t i = 0; i < n_files && err == AB_OK; i++)
        parts[n++] = (ab_http_part){.name = files[i].field,
                                    .data = (const char *)files[i].data,
                                    .len = files[i].len,
                                    .filename = files[i].filename,
                                    .content_type = files[i].content_type};
    if (err == AB_OK) {
        ab_http_request req = {.parts = parts, .n_parts = n};
        err = call(c, method, &req, resp);
    } else {
        snprintf(resp->description, sizeof resp->description, "out of memory");
    }
    for (size_t i = 0; values && i < cap; i++)
        free(values[i]);
    free(values);
    free(parts);
    return err;
}

ab_err ab_tg_download(ab_tg_client *c, const char *file_path, size_t max_bytes,
                      unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!file_path || strstr(file_path, "..") || file_path[0] == '/')
        return AB_ERR_INVALID;
    size_t url_len = strlen(c->base) + strlen(c->token) + strlen(file_path) + 16;
    char *url = malloc(url_len);
    if (!url)
        return AB_ERR_NOMEM;
    snprintf(url, url_len, "%s/file/bot%s/%s", c->base, c->token, file_path);
    ab_http_request req = {
        .method = "GET", .url = url, .timeout_s = c->timeout_s, .max_response = max_bytes};
    ab_http_response http;
    ab_err err = ab_http_perform(c->http, &req, &http);
    free(url);
    if (err != AB_OK) {
        if (http.too_large)
            err = AB_ERR_LIMIT;
        ab_http_response_free(&http);
        return err;
    }
    if (http.status != 200) {
        long status = http.status;
        ab_http_response_free(&http);
        return status == 404                    ? AB_ERR_NOT_FOUND
               : status >= 500 || status == 429 ? AB_ERR_HTTP
                                                : AB_ERR_REMOTE;
    }
    *data = (unsigned char *)http.body; /* ownership passes to the caller */
    *len = http.body_len;
    return AB_OK;
}

void ab_tg_response_free(ab_tg_response *resp)
{
    json_decref(resp->result);
    resp->result = NULL;
}
