/* FAL queue client: four HTTP calls over the shared HTTP client wrapper and the parsers of their
 * answers. The key lives only in a heap buffer holding the Authorization header, wiped after
 * each call; URLs are checked before use (http(s) only, printable ASCII, same origin as the base
 * for the ones FAL hands back), and error details are cleaned (valid UTF-8, no control
 * characters, the key scrubbed) so callers may log them or show them as they are. */
#include "fal/queue.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

enum {
    FAL_TIMEOUT_S = 30,
    FAL_SMALL_MAX = 256u << 10, /* submit, cancel, status without logs */
    FAL_STATUS_MAX = 2u << 20,  /* status with every log line of a training */
    FAL_RESULT_MAX = 1u << 20,  /* the model output */
};

/* ---- text helpers ---------------------------------------------------------------------- */

/* Copies src into dst (size > 0) with control characters turned into spaces, cut at a UTF-8
 * character boundary when it does not fit. src must be valid UTF-8 (jansson strings are). */
static void copy_clean(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src[n] && n + 1 < size; n++)
        dst[n] = ((unsigned char)src[n] < 0x20 || src[n] == 0x7f) ? ' ' : src[n];
    if (src[n]) /* truncated: do not leave half a multi-byte character */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    dst[n] = '\0';
}

/* Drops an incomplete multi-byte character at the end of text (left by a byte-wise cut). */
static void fix_utf8_tail(char *text)
{
    size_t n = strlen(text), start = n;
    while (start > 0 && ((unsigned char)text[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0 || (unsigned char)text[start - 1] < 0xC0)
        return;
    unsigned char lead = (unsigned char)text[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (start - 1) < need)
        text[start - 1] = '\0';
}

/* Replaces every occurrence of key in text (of capacity size) by "[REDACTED]". */
static void scrub_key(char *text, size_t size, const char *key)
{
    static const char MARK[] = "[REDACTED]";
    size_t klen = key ? strlen(key) : 0;
    if (klen == 0)
        return;
    char *hit;
    size_t from = 0;
    while ((hit = strstr(text + from, key)) != NULL) {
        size_t pos = (size_t)(hit - text), tail = strlen(hit + klen);
        size_t mlen = sizeof MARK - 1;
        if (pos + mlen >= size) { /* no room for the mark: cut the text here */
            text[pos] = '\0';
            return;
        }
        if (pos + mlen + tail >= size)
            tail = size - 1 - pos - mlen;
        memmove(text + pos + mlen, hit + klen, tail);
        memcpy(text + pos, MARK, mlen);
        text[pos + mlen + tail] = '\0';
        from = pos + mlen;
    }
    fix_utf8_tail(text); /* a cut tail may end inside a multi-byte character */
}

static void err_reset(ab_fal_error *err)
{
    err->http_status = 0;
    err->detail[0] = '\0';
    err->maybe_accepted = false;
}

static void err_set(ab_fal_error *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_set(ab_fal_error *err, const char *key, const char *fmt, ...)
{
    char raw[sizeof err->detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    fix_utf8_tail(raw); /* vsnprintf may cut inside a character */
    copy_clean(err->detail, sizeof err->detail, raw);
    scrub_key(err->detail, sizeof err->detail, key);
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* An absolute http(s) URL of printable ASCII without spaces or a fragment. */
static bool url_ok(const char *url)
{
    const char *host;
    if (has_prefix_ci(url, "http://"))
        host = url + 7;
    else if (has_prefix_ci(url, "https://"))
        host = url + 8;
    else
        return false;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '#')
            return false;
    return true;
}

/* Length of "scheme://authority" at the start of an url_ok() URL. */
static size_t origin_len(const char *url)
{
    const char *auth = strstr(url, "://") + 3;
    return (size_t)(auth - url) + strcspn(auth, "/?#");
}

static bool same_origin(const char *a, const char *b)
{
    size_t la = origin_len(a), lb = origin_len(b);
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* FAL model ids: "owner/app[/path]" of letters, digits and . _ - ~, no empty or ".." segment. */
static bool app_id_ok(const char *id)
{
    if (!*id || *id == '/' || id[strlen(id) - 1] == '/' || strstr(id, "//") || strstr(id, ".."))
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-~/", *p))
            return false;
    return true;
}

static bool key_ok(const char *key)
{
    if (!key || !*key)
        return false;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* ---- FAL error bodies ------------------------------------------------------------------ */

/* "loc: msg" of one FastAPI validation item ({"loc":["body","prompt"],"msg":"field required"}). */
static void format_item(const json_t *item, char *out, size_t size)
{
    const char *msg = ab_json_str(item, "msg");
    if (!msg)
        msg = ab_json_str(item, "message");
    char loc[160] = "";
    const json_t *locs = json_object_get(item, "loc");
    size_t i;
    const json_t *part;
    json_array_foreach(locs, i, part)
    {
        size_t used = strlen(loc);
        if (json_is_string(part))
            snprintf(loc + used, sizeof loc - used, "%s%s", used ? "." : "",
                     json_string_value(part));
        else if (json_is_integer(part))
            snprintf(loc + used, sizeof loc - used, "%s%" JSON_INTEGER_FORMAT, used ? "." : "",
                     json_integer_value(part));
    }
    fix_utf8_tail(loc);
    if (msg && loc[0])
        snprintf(out, size, "%s: %s", loc, msg);
    else if (msg)
        snprintf(out, size, "%s", msg);
    else if (json_is_string(item))
        snprintf(out, size, "%s", json_string_value(item));
    else {
        char *dump = ab_json_dump(item);
        snprintf(out, size, "%s", dump ? dump : "");
        free(dump);
    }
}

/* The human-readable part of a value FAL puts in "detail" or "error". */
static void format_detail(const json_t *v, char *out, size_t size)
{
    out[0] = '\0';
    if (json_is_string(v))
        snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_array(v) && json_array_size(v) > 0)
        format_item(json_array_get(v, 0), out, size);
    else if (json_is_object(v))
        format_item(v, out, size);
    else if (v && !json_is_null(v) && !json_is_array(v)) {
        char *dump = ab_json_dump(v);
        snprintf(out, size, "%s", dump ? dump : "");
        free(dump);
    }
}

/* Fills err->detail from an error answer's body. */
static void detail_from_body(const char *body, size_t len, const char *key, ab_fal_error *err)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    char text[sizeof err->detail] = "";
    if (json_is_object(root)) {
        const json_t *d = json_object_get(root, "detail");
        if (!d || json_is_null(d))
            d = json_object_get(root, "error");
        if (!d || json_is_null(d))
            d = json_object_get(root, "message");
        format_detail(d, text, sizeof text);
        const char *type = ab_json_nonempty(root, "error_type");
        if (type) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, "%s[%s]", used ? " " : "", type);
        }
    } else if (!root && len > 0 && body[0] != '<') {
        /* short plain-text answers ("Unauthorized"); HTML error pages say nothing useful */
        size_t n = 0;
        for (; n < len && n + 1 < 200; n++)
            text[n] = (unsigned char)body[n] >= 0x80 ? '?' : body[n];
        text[n] = '\0';
    }
    json_decref(root);
    if (!text[0])
        snprintf(text, sizeof text, "HTTP %ld", err->http_status);
    err_set(err, key, "%s", text);
}

/* ---- HTTP ------------------------------------------------------------------------------ */

static ab_err classify_status(long status)
{
    if (status >= 200 && status < 300)
        return AB_OK;
    if (status >= 500 || status == 429)
        return AB_ERR_HTTP;
    if (status == 408)
        return AB_ERR_TIMEOUT;
    return AB_ERR_REMOTE;
}

/* One call with the key in the Authorization header. On a transport failure err is filled and
 * the error returned; otherwise AB_OK with resp to inspect (always to be freed). */
static ab_err fal_perform_t(ab_http_client *c, const char *key, const char *method, const char *url,
                            const char *body, size_t max, int timeout_s, ab_http_response *resp,
                            ab_fal_error *err)
{
    size_t hlen = strlen(key) + 32;
    char *auth = malloc(hlen);
    if (!auth) {
        memset(resp, 0, sizeof *resp);
        return AB_ERR_NOMEM;
    }
    snprintf(auth, hlen, "Authorization: Key %s", key);
    const char *headers[] = {auth, "Accept: application/json",
                             body ? "Content-Type: application/json" : NULL, NULL};
    ab_http_request req = {.method = method,
                           .url = url,
                           .headers = headers,
                           .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .timeout_s = timeout_s > 0 ? timeout_s : FAL_TIMEOUT_S,
                           .max_response = max,
                           /* a submit goes out at most once: never on a reused connection */
                           .fresh_connection = strcmp(method, "POST") == 0};
    ab_err rc = ab_http_perform(c, &req, resp);
    explicit_bzero(auth, hlen);
    free(auth);
    if (rc != AB_OK) {
        err->http_status = resp->too_large ? resp->status : 0;
        err_set(err, key, "%s", resp->error[0] ? resp->error : ab_err_name(rc));
    }
    return rc;
}

static ab_err fal_perform(ab_http_client *c, const char *key, const char *method, const char *url,
                          const char *body, size_t max, ab_http_response *resp, ab_fal_error *err)
{
    return fal_perform_t(c, key, method, url, body, max, FAL_TIMEOUT_S, resp, err);
}

/* Non-2xx answer: err filled, the error code returned. */
static ab_err http_failure(const ab_http_response *resp, const char *key, ab_fal_error *err)
{
    err->http_status = resp->status;
    detail_from_body(resp->body, resp->body_len, key, err);
    if (resp->status < 200 || (resp->status >= 300 && resp->status < 400))
        err_set(err, key, "unexpected HTTP %ld", resp->status);
    return classify_status(resp->status);
}

/* ---- parsers --------------------------------------------------------------------------- */

static bool copy_field(const json_t *root, const char *name, char *dst, size_t size, bool is_url)
{
    const char *s = ab_json_str(root, name);
    if (!s || !*s || strlen(s) >= size)
        return false;
    if (is_url) {
        if (!url_ok(s))
            return false;
    } else {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p <= 0x20 || *p >= 0x7f)
                return false;
    }
    memcpy(dst, s, strlen(s) + 1);
    return true;
}

ab_err ab_fal_parse_submission(const char *body, ab_fal_submission *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    bool ok = json_is_object(root) &&
              copy_field(root, "request_id", out->request_id, sizeof out->request_id, false) &&
              copy_field(root, "status_url", out->status_url, sizeof out->status_url, true) &&
              copy_field(root, "response_url", out->response_url, sizeof out->response_url, true) &&
              copy_field(root, "cancel_url", out->cancel_url, sizeof out->cancel_url, true);
    json_decref(root);
    if (!ok) {
        memset(out, 0, sizeof *out);
        return AB_ERR_INVALID;
    }
    return AB_OK;
}

ab_err ab_fal_parse_status(const char *body, ab_fal_status_info *out)
{
    memset(out, 0, sizeof *out);
    out->queue_position = -1;
    out->percent = -1;
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    const char *status = json_is_object(root) ? ab_json_str(root, "status") : NULL;
    if (!status) {
        json_decref(root);
        return AB_ERR_INVALID;
    }
    if (strcmp(status, "IN_QUEUE") == 0) {
        out->state = AB_FAL_IN_QUEUE;
        int64_t pos;
        if (ab_json_i64(root, "queue_position", &pos) && pos >= 0)
            out->queue_position = pos > INT_MAX ? INT_MAX : (int)pos;
    } else if (strcmp(status, "IN_PROGRESS") == 0) {
        out->state = AB_FAL_IN_PROGRESS;
    } else if (strcmp(status, "COMPLETED") == 0) {
        out->state = AB_FAL_COMPLETED;
    } else {
        json_decref(root);
        return AB_ERR_INVALID;
    }
    if (out->state == AB_FAL_COMPLETED) {
        out->percent = 100;
        char text[sizeof out->error] = "";
        format_detail(json_object_get(root, "error"), text, sizeof text);
        if (!text[0]) {
            const char *type = ab_json_nonempty(root, "error_type");
            snprintf(text, sizeof text, "%s", type ? type : "");
        }
        fix_utf8_tail(text);
        copy_clean(out->error, sizeof out->error, text);
    } else {
        out->percent = ab_fal_progress_from_logs(json_object_get(root, "logs"));
    }
    json_decref(root);
    return AB_OK;
}

/* ---- progress from logs ---------------------------------------------------------------- */

/* Reads up to 9 digits at *p; false when none or more (a timestamp, an id). */
static bool read_num(const char **p, const char *end, long *v)
{
    const char *s = *p;
    long n = 0;
    int digits = 0;
    while (s < end && isdigit((unsigned char)*s)) {
        if (++digits > 9)
            return false;
        n = n * 10 + (*s - '0');
        s++;
    }
    if (digits == 0)
        return false;
    *p = s;
    *v = n;
    return true;
}

static const char *skip_spaces(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* "<a> / <b>" (or "<a> of <b>" when allow_of) at s; the end of the match or NULL. */
static const char *read_ratio(const char *s, const char *end, bool allow_of, long *a, long *b)
{
    if (!read_num(&s, end, a))
        return NULL;
    s = skip_spaces(s, end);
    if (s < end && *s == '/')
        s++;
    else if (allow_of && end - s >= 3 && strncasecmp(s, "of", 2) == 0 &&
             (s[2] == ' ' || s[2] == '\t'))
        s += 2;
    else
        return NULL;
    s = skip_spaces(s, end);
    if (!read_num(&s, end, b))
        return NULL;
    return s;
}

static bool ratio_ok(long a, long b)
{
    return b > 0 && a >= 0 && a <= b;
}

/* The step count of one line as a percent, or -1. */
static int line_percent(const char *s, const char *end)
{
    long kw_a = -1, kw_b = 0, other_a = -1, other_b = 0;
    for (const char *p = s; p < end; p++) {
        long a, b;
        const char *m;
        bool word_start = p == s || !isalpha((unsigned char)p[-1]);
        if (word_start && end - p >= 4 && strncasecmp(p, "step", 4) == 0) {
            const char *q = p + 4;
            if (q < end && (*q == 's' || *q == 'S'))
                q++;
            q = skip_spaces(q, end);
            if (q < end && (*q == ':' || *q == '=' || *q == '#'))
                q = skip_spaces(q + 1, end);
            if ((m = read_ratio(q, end, true, &a, &b)) && ratio_ok(a, b)) {
                kw_a = a;
                kw_b = b;
                p = m - 1;
                continue;
            }
        }
        if (*p == '[') {
            const char *q = skip_spaces(p + 1, end);
            if ((m = read_ratio(q, end, false, &a, &b))) {
                m = skip_spaces(m, end);
                if (m < end && *m == ']' && ratio_ok(a, b)) {
                    other_a = a;
                    other_b = b;
                    p = m;
                    continue;
                }
            }
        }
        /* tqdm: "| 150/1000 [00:30<02:00, 5.00it/s]" */
        if (isdigit((unsigned char)*p) &&
            (p == s || (!isalnum((unsigned char)p[-1]) && !strchr("/.:-_", p[-1])))) {
            if ((m = read_ratio(p, end, false, &a, &b))) {
                const char *q = skip_spaces(m, end);
                if (q > m && q < end && *q == '[' && ratio_ok(a, b)) {
                    other_a = a;
                    other_b = b;
                }
                p = m - 1;
                continue;
            }
            while (p + 1 < end && isdigit((unsigned char)p[1]))
                p++; /* not a count: skip the rest of this number */
        }
    }
    long a = kw_a >= 0 ? kw_a : other_a, b = kw_a >= 0 ? kw_b : other_b;
    if (a < 0)
        return -1;
    long pct = (long)((int64_t)a * 100 / b);
    return pct > 99 ? 99 : (int)pct;
}

/* The percent of the last line of text with a step count, or -1. */
static int text_percent(const char *text)
{
    int last = -1;
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\r\n");
        int pct = line_percent(p, p + n);
        if (pct >= 0)
            last = pct;
        p += n;
        if (*p)
            p++;
    }
    return last;
}

int ab_fal_progress_from_logs(const json_t *logs)
{
    if (!json_is_array(logs))
        return -1;
    for (size_t i = json_array_size(logs); i-- > 0;) {
        const json_t *entry = json_array_get(logs, i);
        const char *msg =
            json_is_string(entry) ? json_string_value(entry) : ab_json_str(entry, "message");
        int pct = msg ? text_percent(msg) : -1;
        if (pct >= 0)
            return pct;
    }
    return -1;
}

/* ---- the calls ------------------------------------------------------------------------- */

/* Whether a submit that got HTTP status (0: no answer) may have been queued all the same. A
 * 4xx is FAL's definite answer, and so are 429 and 503 (nobody took the request); any other
 * 5xx may come from a proxy or gateway that timed out after passing the request on. */
static bool status_ambiguous(long status)
{
    return status == 408 || (status >= 500 && status != 503);
}

ab_err ab_fal_submit(ab_http_client *c, const char *base, const char *key, const char *app_id,
                     const char *webhook_url, const json_t *input, int timeout_s,
                     ab_fal_submission *out, ab_fal_error *err)
{
    ab_fal_error local;
    if (!err)
        err = &local;
    err_reset(err);
    memset(out, 0, sizeof *out);
    if (!c || !base || !url_ok(base) || !key_ok(key) || !app_id || !app_id_ok(app_id) ||
        !json_is_object(input) || (webhook_url && !url_ok(webhook_url))) {
        err_set(err, key, "invalid submit arguments");
        return AB_ERR_INVALID;
    }

    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    char *hook = NULL;
    if (webhook_url) {
        hook = curl_easy_escape(NULL, webhook_url, 0);
        if (!hook)
            return AB_ERR_NOMEM;
    }
    size_t ulen = blen + strlen(app_id) + (hook ? strlen(hook) + 16 : 0) + 2;
    char *url = malloc(ulen);
    char *body = ab_json_dump(input);
    if (!url || !body) {
        curl_free(hook);
        free(url);
        free(body);
        return AB_ERR_NOMEM;
    }
    snprintf(url, ulen, "%.*s/%s%s%s", (int)blen, base, app_id, hook ? "?fal_webhook=" : "",
             hook ? hook : "");
    curl_free(hook);

    ab_http_response resp;
    ab_err rc = fal_perform_t(c, key, "POST", url, body, FAL_SMALL_MAX, timeout_s, &resp, err);
    free(body);
    if (rc != AB_OK && rc != AB_ERR_NOMEM) {
        err->maybe_accepted = resp.sent != 0; /* it went out; the answer did not come back */
    } else if (rc == AB_OK) {
        if (classify_status(resp.status) != AB_OK) {
            rc = http_failure(&resp, key, err);
            err->maybe_accepted = status_ambiguous(resp.status);
        } else if (ab_fal_parse_submission(resp.body, out) != AB_OK) {
            err->http_status = resp.status;
            err_set(err, key, "submit answer without a valid request_id and http(s) URLs");
            err->maybe_accepted = true;
            rc = AB_ERR_INVALID;
        } else if (!same_origin(out->status_url, url) || !same_origin(out->response_url, url) ||
                   !same_origin(out->cancel_url, url)) {
            memset(out, 0, sizeof *out);
            err->http_status = resp.status;
            err_set(err, key, "submit answer URLs are not on the queue base's origin");
            err->maybe_accepted = true;
            rc = AB_ERR_INVALID;
        }
    }
    free(url);
    ab_http_response_free(&resp);
    return rc;
}

/* A request id we put into URLs ourselves: one path segment of printable ASCII. */
static bool request_id_ok(const char *id)
{
    if (!*id || strlen(id) >= sizeof((ab_fal_listed){0}).request_id)
        return false;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("/?#%\\", *p))
            return false;
    return true;
}

ab_err ab_fal_request_urls(const char *base, const char *app_id, const char *request_id,
                           ab_fal_submission *out)
{
    memset(out, 0, sizeof *out);
    if (!base || !url_ok(base) || !app_id || !app_id_ok(app_id) || !request_id ||
        !request_id_ok(request_id))
        return AB_ERR_INVALID;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    const char *slash = strchr(app_id, '/');
    const char *end = slash ? strchr(slash + 1, '/') : NULL;
    int alen = end ? (int)(end - app_id) : (int)strlen(app_id); /* owner/name, no subpath */
    int n = snprintf(out->response_url, sizeof out->response_url, "%.*s/%.*s/requests/%s",
                     (int)blen, base, alen, app_id, request_id);
    if (n < 0 || (size_t)n + sizeof "/status" > sizeof out->status_url) {
        memset(out, 0, sizeof *out);
        return AB_ERR_INVALID;
    }
    memcpy(out->status_url, out->response_url, (size_t)n);
    memcpy(out->status_url + n, "/status", sizeof "/status");
    memcpy(out->cancel_url, out->response_url, (size_t)n);
    memcpy(out->cancel_url + n, "/cancel", sizeof "/cancel");
    snprintf(out->request_id, sizeof out->request_id, "%s", request_id);
    return AB_OK;
}

void ab_fal_listed_free(ab_fal_listed *items, size_t n)
{
    for (size_t i = 0; items && i < n; i++)
        json_decref(items[i].input);
    free(items);
}

/* Appends the items of one listing page; false when the page is not the expected shape. */
static bool take_page(const json_t *root, ab_fal_listed **items, size_t *n)
{
    const json_t *list = json_object_get(root, "items");
    if (!json_is_array(list))
        return false;
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *rid = ab_json_str(item, "request_id");
        if (!rid || !request_id_ok(rid))
            continue; /* nothing we could adopt or cancel */
        ab_fal_listed *grown = realloc(*items, (*n + 1) * sizeof **items);
        if (!grown)
            return false;
        *items = grown;
        ab_fal_listed *l = &grown[(*n)++];
        memset(l, 0, sizeof *l);
        snprintf(l->request_id, sizeof l->request_id, "%s", rid);
        const char *sent = ab_json_str(item, "sent_at");
        snprintf(l->sent_at, sizeof l->sent_at, "%s", sent ? sent : "");
        const json_t *ended = json_object_get(item, "ended_at");
        l->ended = ended && !json_is_null(ended);
        json_t *input = json_object_get(item, "json_input");
        l->input = json_is_object(input) ? json_incref(input) : NULL;
    }
    return true;
}

ab_err ab_fal_list_requests(ab_http_client *c, const char *api_base, const char *key,
                            const char *app_id, const char *start, int max_pages,
                            ab_fal_listed **items, size_t *n, ab_fal_error *err)
{
    ab_fal_error local;
    if (!err)
        err = &local;
    err_reset(err);
    *items = NULL;
    *n = 0;
    if (!c || !api_base || !url_ok(api_base) || !key_ok(key) || !app_id || !app_id_ok(app_id) ||
        !start) {
        err_set(err, key, "invalid listing arguments");
        return AB_ERR_INVALID;
    }
    size_t blen = strlen(api_base);
    while (blen > 0 && api_base[blen - 1] == '/')
        blen--;
    char *app = curl_easy_escape(NULL, app_id, 0), *from = curl_easy_escape(NULL, start, 0);
    char *cursor = NULL;
    ab_err rc = app && from ? AB_OK : AB_ERR_NOMEM;
    for (int page = 0; rc == AB_OK && page < (max_pages > 0 ? max_pages : 1); page++) {
        char url[2048];
        int len = snprintf(url, sizeof url,
                           "%.*s/models/requests/by-endpoint?endpoint_id=%s&start=%s"
                           "&expand=payloads&limit=100%s%s",
                           (int)blen, api_base, app, from, cursor ? "&cursor=" : "",
                           cursor ? cursor : "");
        curl_free(cursor);
        cursor = NULL;
        if (len < 0 || (size_t)len >= sizeof url) {
            err_set(err, key, "listing URL too long");
            rc = AB_ERR_INVALID;
            break;
        }
        ab_http_response resp;
        rc = fal_perform(c, key, "GET", url, NULL, FAL_STATUS_MAX, &resp, err);
        if (rc == AB_OK && classify_status(resp.status) != AB_OK)
            rc = http_failure(&resp, key, err);
        json_t *root = rc == AB_OK ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
        ab_http_response_free(&resp);
        if (rc == AB_OK && !take_page(root, items, n)) {
            err_set(err, key, "listing answer without an items array");
            rc = AB_ERR_INVALID;
        }
        const char *next = rc == AB_OK ? ab_json_nonempty(root, "next_cursor") : NULL;
        bool more = rc == AB_OK && json_is_true(json_object_get(root, "has_more")) && next;
        if (more && !(cursor = curl_easy_escape(NULL, next, 0)))
            rc = AB_ERR_NOMEM;
        json_decref(root);
        if (!more)
            break;
    }
    curl_free(cursor);
    curl_free(app);
    curl_free(from);
    if (rc != AB_OK) {
        ab_fal_listed_free(*items, *n);
        *items = NULL;
        *n = 0;
    }
    return rc;
}

static ab_err status_once(ab_http_client *c, const char *key, const char *status_url,
                          bool with_logs, ab_fal_status_info *out, ab_fal_error *err,
                          bool *too_large)
{
    size_t ulen = strlen(status_url) + 8;
    char *url = malloc(ulen);
    if (!url)
        return AB_ERR_NOMEM;
    snprintf(url, ulen, "%s%s", status_url,
             with_logs ? (strchr(status_url, '?') ? "&logs=1" : "?logs=1") : "");
    ab_http_response resp;
    ab_err rc = fal_perform(c, key, "GET", url, NULL, with_logs ? FAL_STATUS_MAX : FAL_SMALL_MAX,
                            &resp, err);
    free(url);
    *too_large = resp.too_large != 0;
    if (rc == AB_OK) {
        if (classify_status(resp.status) != AB_OK) {
            rc = http_failure(&resp, key, err);
        } else if (ab_fal_parse_status(resp.body, out) != AB_OK) {
            err->http_status = resp.status;
            err_set(err, key, "status answer without a known \"status\"");
            rc = AB_ERR_INVALID;
        }
    }
    ab_http_response_free(&resp);
    return rc;
}

ab_err ab_fal_status(ab_http_client *c, const char *key, const char *status_url,
                     ab_fal_status_info *out, ab_fal_error *err)
{
    ab_fal_error local;
    if (!err)
        err = &local;
    err_reset(err);
    memset(out, 0, sizeof *out);
    out->queue_position = -1;
    out->percent = -1;
    if (!c || !key_ok(key) || !status_url || !url_ok(status_url)) {
        err_set(err, key, "invalid status arguments");
        return AB_ERR_INVALID;
    }
    bool too_large = false;
    ab_err rc = status_once(c, key, status_url, true, out, err, &too_large);
    if (rc == AB_ERR_HTTP && too_large) { /* the logs outgrew the cap: state without them */
        err_reset(err);
        rc = status_once(c, key, status_url, false, out, err, &too_large);
    }
    if (rc != AB_OK) {
        memset(out, 0, sizeof *out);
        out->queue_position = -1;
        out->percent = -1;
    }
    return rc;
}

/* True for FAL's answer to a result fetched too early (a 400 saying it is still running). */
static bool still_running(const ab_fal_error *err)
{
    for (const char *p = err->detail; *p; p++)
        if (strncasecmp(p, "in progress", 11) == 0 || strncasecmp(p, "in queue", 8) == 0)
            return true;
    return false;
}

ab_err ab_fal_result(ab_http_client *c, const char *key, const char *response_url, json_t **out,
                     ab_fal_error *err)
{
    ab_fal_error local;
    if (!err)
        err = &local;
    err_reset(err);
    *out = NULL;
    if (!c || !key_ok(key) || !response_url || !url_ok(response_url)) {
        err_set(err, key, "invalid result arguments");
        return AB_ERR_INVALID;
    }
    ab_http_response resp;
    ab_err rc = fal_perform(c, key, "GET", response_url, NULL, FAL_RESULT_MAX, &resp, err);
    if (rc == AB_OK) {
        if (resp.status == 202) {
            err->http_status = resp.status;
            err_set(err, key, "request not finished yet");
            rc = AB_ERR_CONFLICT;
        } else if (classify_status(resp.status) != AB_OK) {
            rc = http_failure(&resp, key, err);
            if (rc == AB_ERR_REMOTE && resp.status == 400 && still_running(err))
                rc = AB_ERR_CONFLICT;
        } else {
            json_t *root = json_loadb(resp.body, resp.body_len, 0, NULL);
            if (json_is_object(root)) {
                *out = root;
            } else {
                json_decref(root);
                err->http_status = resp.status;
                err_set(err, key, "result is not a JSON object");
                rc = AB_ERR_INVALID;
            }
        }
    }
    ab_http_response_free(&resp);
    return rc;
}

ab_err ab_fal_cancel(ab_http_client *c, const char *key, const char *cancel_url,
                     ab_fal_cancel_outcome *out, ab_fal_error *err)
{
    ab_fal_error local;
    if (!err)
        err = &local;
    err_reset(err);
    *out = AB_FAL_CANCEL_REQUESTED;
    if (!c || !key_ok(key) || !cancel_url || !url_ok(cancel_url)) {
        err_set(err, key, "invalid cancel arguments");
        return AB_ERR_INVALID;
    }
    ab_http_response resp;
    ab_err rc = fal_perform(c, key, "PUT", cancel_url, NULL, FAL_SMALL_MAX, &resp, err);
    if (rc == AB_OK) {
        json_t *root = json_loadb(resp.body, resp.body_len, 0, NULL);
        const char *st = json_is_object(root) ? ab_json_str(root, "status") : NULL;
        bool ok2xx = resp.status >= 200 && resp.status < 300;
        if (st && strcmp(st, "ALREADY_COMPLETED") == 0 && (ok2xx || resp.status == 400)) {
            *out = AB_FAL_CANCEL_TOO_LATE;
        } else if ((st && strcmp(st, "NOT_FOUND") == 0 && (ok2xx || resp.status == 404)) ||
                   resp.status == 404) {
            *out = AB_FAL_CANCEL_NOT_FOUND;
        } else if (ok2xx) {
            *out = AB_FAL_CANCEL_REQUESTED; /* CANCELLATION_REQUESTED, OK, or no body */
        } else {
            rc = http_failure(&resp, key, err);
        }
        json_decref(root);
    }
    ab_http_response_free(&resp);
    return rc;
}
