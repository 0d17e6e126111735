/* libcurl behind ab_http_perform. The easy handle is reused between requests so connections
 * to the same host stay open (keep-alive), which matters for the Bot API's latency. */
#include "core/http_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ab_http_client {
    CURL *curl;
};

typedef struct {
    ab_http_response *resp;
    size_t cap, max;
    int overflow;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    if (s->resp->body_len + n > s->max) {
        s->overflow = 1;
        return 0; /* aborts the transfer */
    }
    if (s->resp->body_len + n + 1 > s->cap) {
        size_t cap = (s->resp->body_len + n + 1) * 2;
        if (cap > s->max + 1)
            cap = s->max + 1;
        char *grown = realloc(s->resp->body, cap);
        if (!grown)
            return 0;
        s->resp->body = grown;
        s->cap = cap;
    }
    memcpy(s->resp->body + s->resp->body_len, ptr, n);
    s->resp->body_len += n;
    s->resp->body[s->resp->body_len] = '\0';
    return n;
}

/* A part's bytes handed to curl as they are sent, not copied first (curl_mime_data would copy:
 * a 50 MB upload would be held twice). */
typedef struct {
    const char *data;
    size_t len, pos;
} part_reader;

static size_t read_part(char *buffer, size_t size, size_t nitems, void *arg)
{
    part_reader *r = arg;
    size_t n = size * nitems;
    if (n > r->len - r->pos)
        n = r->len - r->pos;
    memcpy(buffer, r->data + r->pos, n);
    r->pos += n;
    return n;
}

static int seek_part(void *arg, curl_off_t offset, int origin)
{
    part_reader *r = arg;
    if (origin != SEEK_SET || offset < 0 || (size_t)offset > r->len)
        return CURL_SEEKFUNC_CANTSEEK;
    r->pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The form of req->parts; *readers (one per part) must outlive the transfer. NULL on failure. */
static curl_mime *build_form(CURL *h, const ab_http_request *req, part_reader **readers)
{
    curl_mime *mime = curl_mime_init(h);
    *readers = calloc(req->n_parts, sizeof **readers);
    if (!mime || !*readers) {
        curl_mime_free(mime);
        return NULL;
    }
    CURLcode rc = CURLE_OK;
    for (size_t i = 0; i < req->n_parts && rc == CURLE_OK; i++) {
        const ab_http_part *p = &req->parts[i];
        curl_mimepart *part = curl_mime_addpart(mime);
        if (!part)
            rc = CURLE_OUT_OF_MEMORY;
        if (rc == CURLE_OK)
            rc = curl_mime_name(part, p->name);
        if (rc == CURLE_OK && p->filename) {
            part_reader *r = &(*readers)[i];
            r->data = p->data;
            r->len = p->len;
            rc = curl_mime_data_cb(part, (curl_off_t)p->len, read_part, seek_part, NULL, r);
            if (rc == CURLE_OK)
                rc = curl_mime_filename(part, p->filename);
            if (rc == CURLE_OK)
                rc = curl_mime_type(part,
                                    p->content_type ? p->content_type : "application/octet-stream");
        } else if (rc == CURLE_OK) {
            rc = curl_mime_data(part, p->data, p->len);
        }
    }
    if (rc != CURLE_OK) {
        curl_mime_free(mime);
        return NULL;
    }
    return mime;
}

ab_http_client *ab_http_client_new(void)
{
    ab_http_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return NULL;
    }
    return c;
}

void ab_http_client_free(ab_http_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

ab_err ab_http_perform(ab_http_client *c, const ab_http_request *req, ab_http_response *resp)
{
    memset(resp, 0, sizeof *resp);
    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache, clears options */
    sink s = {resp, 0, req->max_response ? req->max_response : 8u << 20, 0};

    struct curl_slist *headers = NULL;
    for (const char *const *hp = req->headers; hp && *hp; hp++)
        headers = curl_slist_append(headers, *hp);
    /* no "Expect: 100-continue" round trip on POST bodies; not when signing: curl 7.88 copies
     * every CURLOPT_HTTPHEADER entry, even this header-removing one, into SignedHeaders */
    if (!req->aws_sigv4)
        headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    /* a response whose Content-Length is already too large is refused before its body */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s.max);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(req->timeout_s > 0 ? req->timeout_s : 30));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (req->fresh_connection) /* libcurl resends a request whose reused connection died */
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    if (req->aws_sigv4) {
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, req->aws_sigv4);
        /* separate options: a secret containing ':' would be split wrongly by USERPWD */
        curl_easy_setopt(h, CURLOPT_USERNAME, req->username ? req->username : "");
        curl_easy_setopt(h, CURLOPT_PASSWORD, req->password ? req->password : "");
    }
    curl_mime *form = NULL;
    part_reader *readers = NULL;
    if (req->parts) {
        form = build_form(h, req, &readers);
        if (!form) {
            curl_slist_free_all(headers);
            free(readers);
            snprintf(resp->error, sizeof resp->error, "out of memory building the form");
            return AB_ERR_NOMEM;
        }
        curl_easy_setopt(h, CURLOPT_MIMEPOST, form);
    }
    if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body && !form) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, NULL); /* the handle must not point at a freed form */
    curl_mime_free(form);
    free(readers);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    struct curl_header *kept = NULL;
    if (rc == CURLE_OK && req->keep_header &&
        curl_easy_header(h, req->keep_header, 0, CURLH_HEADER, -1, &kept) == CURLHE_OK) {
        resp->header = strdup(kept->value);
        if (!resp->header)
            return AB_ERR_NOMEM;
    }
    long sent = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
    resp->sent = sent > 0;
    if (!resp->body) {
        resp->body = calloc(1, 1);
        if (!resp->body)
            return AB_ERR_NOMEM;
    }
    if (rc == CURLE_OK)
        return AB_OK;
    if (s.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
        resp->too_large = 1;
        snprintf(resp->error, sizeof resp->error, "response larger than %zu bytes", s.max);
        return AB_ERR_HTTP;
    }
    /* curl_easy_strerror never contains the URL, unlike the error buffer sometimes does */
    snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(rc));
    return rc == CURLE_OPERATION_TIMEDOUT ? AB_ERR_TIMEOUT : AB_ERR_HTTP;
}

void ab_http_response_free(ab_http_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    free(resp->header);
    resp->header = NULL;
}
