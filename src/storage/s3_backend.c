/* The s3:// backend: PUT/GET/DELETE object and ListObjectsV2 over libcurl, signed by curl's
 * built-in AWS SigV4 (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3" with the access and secret key).
 * Large files (ab_storage_put_file) go as multipart uploads: s3_multipart.c.
 *
 * What curl 7.88 does and does not do, and so what we do here (lib/http_aws_sigv4.c, 7.88.1):
 *  - it signs the path and the query exactly as given in the URL, without normalising or
 *    sorting them. So we build URLs already canonical: the key URI-encoded by S3's rules
 *    (ab_s3_uri_encode), query parameters sorted by name with strictly encoded values.
 *  - it does not send x-amz-content-sha256, which S3 requires on every header-signed request;
 *    it does use that header's value as the payload hash when we send it. So we always send it:
 *    the SHA-256 of the body (of "" for GET/DELETE), which also lets S3 reject a corrupted
 *    upload. Every header we pass is signed (Content-Type included), Host and x-amz-date are
 *    added by curl.
 *  - it signs every CURLOPT_HTTPHEADER entry, even "Expect:" (which only removes a header), so
 *    the signing requests must not carry it (ab_http_perform leaves it out when signing).
 *
 * Addressing: virtual-hosted (https://BUCKET.s3.REGION.amazonaws.com/KEY) by default, path
 * style (ENDPOINT/BUCKET/KEY) when S3_FORCE_PATH_STYLE is set, the endpoint is an IP address,
 * or the bucket name has dots (which break TLS wildcard certificates).
 *
 * Presigned GET URLs are computed by s3_sign.c for the same host and path curl would use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "storage/s3_internal.h"
#include "storage/s3_sign.h"
#include "storage/s3_xml.h"

#define LIST_TIMEOUT_S 60
#define MAX_LIST_PAGES 100000 /* 100 million keys: a bound against a server that never ends */

static void say(char *why, size_t why_len, const char *fmt, const char *arg)
{
    if (why && why_len)
        snprintf(why, why_len, fmt, arg);
}

static bool is_ip_literal(const char *host, size_t n)
{
    if (n > 0 && host[0] == '[')
        return true; /* IPv6 */
    for (size_t i = 0; i < n; i++)
        if (!((host[i] >= '0' && host[i] <= '9') || host[i] == '.'))
            return false;
    return n > 0;
}

/*
 * Splits "http[s]://host[:port][/]" into scheme and host[:port] (default port dropped so the
 * host we sign is the Host header every client sends). NULL on success, else the reason.
 */
static const char *parse_endpoint(const char *endpoint, char **scheme, char **host)
{
    const char *rest;
    if (strncmp(endpoint, "https://", 8) == 0) {
        *scheme = strdup("https");
        rest = endpoint + 8;
    } else if (strncmp(endpoint, "http://", 7) == 0) {
        *scheme = strdup("http");
        rest = endpoint + 7;
    } else {
        return "S3_ENDPOINT must be an http:// or https:// URL";
    }
    size_t n = strcspn(rest, "/?#");
    if (n == 0)
        return "S3_ENDPOINT must name a host";
    if (rest[n] == '?' || rest[n] == '#' || (rest[n] == '/' && rest[n + 1] != '\0'))
        return "S3_ENDPOINT must be scheme://host[:port] with no path";
    for (size_t i = 0; i < n; i++)
        if (rest[i] <= ' ' || rest[i] == '@' || rest[i] == 0x7f)
            return "S3_ENDPOINT host must not contain spaces, '@' or control characters";
    const char *default_port = strcmp(*scheme ? *scheme : "", "https") == 0 ? ":443" : ":80";
    size_t dp = strlen(default_port);
    if (n > dp && memcmp(rest + n - dp, default_port, dp) == 0 && rest[n - dp - 1] != ':')
        n -= dp;
    *host = strndup(rest, n);
    return NULL;
}

/* The length of host without ":port". */
static size_t host_name_len(const char *host)
{
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        return close ? (size_t)(close - host) + 1 : strlen(host);
    }
    return strcspn(host, ":");
}

static void address_free(ab_s3_address *a)
{
    free(a->scheme);
    free(a->host);
    free(a->base_path);
    a->scheme = a->host = a->base_path = NULL;
}

static void s3_close(ab_storage_backend *b)
{
    if (!b)
        return;
    ab_http_client_free(b->http);
    free(b->bucket);
    address_free(&b->api);
    address_free(&b->pub);
    free(b->region);
    free(b->access_key);
    if (b->secret_key) {
        memset(b->secret_key, 0, strlen(b->secret_key));
        free(b->secret_key);
    }
    free(b);
}

/* Where a bucket is on an endpoint: scheme, Host, and the path before the key. Path style
 * when asked for (MinIO), when the endpoint is an IP address, or when the bucket name has dots
 * (which break TLS wildcard certificates); else virtual-hosted. */
static ab_err address(const char *endpoint, const char *bucket, bool force_path_style,
                      ab_s3_address *a, char *why, size_t why_len)
{
    char *endpoint_host = NULL;
    const char *reason = parse_endpoint(endpoint, &a->scheme, &endpoint_host);
    if (reason || !a->scheme || !endpoint_host) {
        say(why, why_len, "%s", reason ? reason : "out of memory");
        free(endpoint_host);
        return reason ? AB_ERR_INVALID : AB_ERR_NOMEM;
    }
    bool path_style = force_path_style || strchr(bucket, '.') ||
                      is_ip_literal(endpoint_host, host_name_len(endpoint_host));
    if (path_style) {
        a->host = endpoint_host;
        size_t n = strlen(bucket) + 2;
        a->base_path = malloc(n);
        if (a->base_path)
            snprintf(a->base_path, n, "/%s", bucket);
    } else {
        size_t n = strlen(bucket) + strlen(endpoint_host) + 2;
        a->host = malloc(n);
        if (a->host)
            snprintf(a->host, n, "%s.%s", bucket, endpoint_host);
        free(endpoint_host);
        a->base_path = strdup("");
    }
    return a->host && a->base_path ? AB_OK : AB_ERR_NOMEM;
}

ab_err ab_storage_s3_open(const char *bucket, const ab_storage_config *cfg,
                          ab_storage_backend **out, char *why, size_t why_len)
{
    *out = NULL;
    const char *region = cfg->s3_region && *cfg->s3_region ? cfg->s3_region : "us-east-1";
    size_t rn = strlen(region);
    if (rn > 32 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != rn) {
        say(why, why_len, "S3_REGION must look like us-east-1 (got \"%s\")", rn > 32 ? "" : region);
        return AB_ERR_INVALID;
    }
    if (!cfg->s3_access_key || !*cfg->s3_access_key || !cfg->s3_secret_key ||
        !*cfg->s3_secret_key) {
        say(why, why_len, "%s", "S3_ACCESS_KEY and S3_SECRET_KEY are required for s3://");
        return AB_ERR_INVALID;
    }
    for (const char *p = cfg->s3_access_key; *p; p++) {
        if (*p <= ' ' || *p == 0x7f || *p == '/') {
            say(why, why_len, "%s", "S3_ACCESS_KEY has a character an access key cannot contain");
            return AB_ERR_INVALID;
        }
    }

    ab_storage_backend *b = calloc(1, sizeof *b);
    if (!b)
        return AB_ERR_NOMEM;
    char default_endpoint[128];
    const char *endpoint = cfg->s3_endpoint;
    if (!endpoint || !*endpoint) {
        /* AWS's regional endpoints; us-east-1 also answers on the global name, which is the
         * host of AWS's own SigV4 examples */
        if (strcmp(region, "us-east-1") == 0)
            snprintf(default_endpoint, sizeof default_endpoint, "https://s3.amazonaws.com");
        else
            snprintf(default_endpoint, sizeof default_endpoint, "https://s3.%s.amazonaws.com",
                     region);
        endpoint = default_endpoint;
    }
    ab_err err = address(endpoint, bucket, cfg->s3_force_path_style, &b->api, why, why_len);
    if (err == AB_OK && cfg->s3_public_endpoint && *cfg->s3_public_endpoint) {
        err = address(cfg->s3_public_endpoint, bucket, cfg->s3_force_path_style, &b->pub, why,
                      why_len);
        if (err == AB_ERR_INVALID && why && why_len) /* the reason names S3_ENDPOINT */
            snprintf(why, why_len, "S3_PUBLIC_ENDPOINT must be scheme://host[:port] with no path");
    }
    if (err != AB_OK) {
        s3_close(b);
        return err;
    }
    b->bucket = strdup(bucket);
    b->region = strdup(region);
    b->access_key = strdup(cfg->s3_access_key);
    b->secret_key = strdup(cfg->s3_secret_key);
    b->http = ab_http_client_new();
    snprintf(b->sigv4, sizeof b->sigv4, "aws:amz:%s:s3", region);
    b->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 60;
    b->max_object_size = cfg->max_object_size ? cfg->max_object_size : (size_t)64 << 20;
    b->part_size = cfg->s3_part_size ? cfg->s3_part_size : AB_STORAGE_S3_PART_SIZE;
    if (!b->bucket || !b->region || !b->access_key || !b->secret_key || !b->http) {
        s3_close(b);
        return AB_ERR_NOMEM;
    }
    *out = b;
    return AB_OK;
}

char *ab_s3_object_url(const ab_storage_backend *b, const char *key, const char *query)
{
    char *enc = ab_s3_uri_encode(key, true);
    if (!enc)
        return NULL;
    const ab_s3_address *a = &b->api;
    size_t n = strlen(a->scheme) + strlen(a->host) + strlen(a->base_path) + strlen(enc) +
               (query ? strlen(query) : 0) + 8;
    char *url = malloc(n);
    if (url)
        snprintf(url, n, "%s://%s%s/%s%s%s", a->scheme, a->host, a->base_path, enc,
                 query ? "?" : "", query ? query : "");
    free(enc);
    return url;
}

/* See s3_internal.h. The URL is never logged (presigned or not, it may be sensitive); the key
 * name is. */
ab_err ab_s3_outcome(const ab_storage_backend *b, const char *op, const char *key, ab_err transport,
                     const ab_http_response *r)
{
    if (transport != AB_OK) {
        AB_WARN("storage: S3 request failed", "{s:s,s:s,s:s,s:s,s:s}", "op", op, "key", key,
                "bucket", b->bucket, "error", ab_err_name(transport), "detail", r->error);
        return transport;
    }
    if (r->status >= 200 && r->status < 300) {
        AB_DEBUG("storage: S3 request done", "{s:s,s:s,s:s,s:i}", "op", op, "key", key, "bucket",
                 b->bucket, "status", (int)r->status);
        return AB_OK;
    }
    char *code = ab_s3_xml_text(r->body, r->body_len, "Code");
    char *message = ab_s3_xml_text(r->body, r->body_len, "Message");
    const char *c = code ? code : "";
    ab_err err = ab_s3_code_err(r->status, code);
    if (message && strlen(message) > 300)
        message[300] = '\0';
    if (err == AB_ERR_REMOTE)
        /* not retryable: wrong keys, clock skew, missing bucket, a bug in our requests */
        AB_ERROR("storage: S3 refused the request", "{s:s,s:s,s:s,s:i,s:s,s:s}", "op", op, "key",
                 key, "bucket", b->bucket, "status", (int)r->status, "code", c, "message",
                 message ? message : "");
    else if (err != AB_ERR_NOT_FOUND)
        AB_WARN("storage: S3 request failed", "{s:s,s:s,s:s,s:i,s:s,s:s}", "op", op, "key", key,
                "bucket", b->bucket, "status", (int)r->status, "code", c, "message",
                message ? message : "");
    free(code);
    free(message);
    return err;
}

ab_err ab_s3_code_err(long status, const char *code)
{
    const char *c = code ? code : "";
    if (status == 404 && (!code || strcmp(c, "NoSuchKey") == 0))
        return AB_ERR_NOT_FOUND; /* NoSuchBucket, NoSuchUpload stay refusals */
    if (status == 408 || strcmp(c, "RequestTimeout") == 0)
        return AB_ERR_TIMEOUT;
    if (status >= 500 || status == 429 || strcmp(c, "SlowDown") == 0 ||
        strcmp(c, "InternalError") == 0)
        return AB_ERR_HTTP;
    return AB_ERR_REMOTE;
}

ab_err ab_s3_perform(ab_storage_backend *b, const ab_s3_request *r, ab_http_response *resp)
{
    ab_http_request req = {
        .method = r->method,
        .url = r->url,
        .headers = r->headers,
        .body = r->body,
        .body_len = r->body_len,
        .timeout_s = b->timeout_s,
        .max_response = r->max_response,
        .aws_sigv4 = b->sigv4,
        .username = b->access_key,
        .password = b->secret_key,
        .keep_header = r->keep_header,
    };
    return ab_http_perform(b->http, &req, resp);
}

/* perform with the arguments of the simple operations below. */
static ab_err perform(ab_storage_backend *b, const char *method, const char *url,
                      const char *const *headers, const void *body, size_t body_len,
                      size_t max_response, ab_http_response *resp, bool *too_large)
{
    ab_s3_request r = {method, url, headers, body, body_len, max_response, NULL};
    ab_err err = ab_s3_perform(b, &r, resp);
    *too_large = resp->too_large != 0;
    return err;
}

ab_err ab_s3_put(ab_storage_backend *b, const char *key, const void *data, size_t len,
                 const char *content_type)
{
    char *url = ab_s3_object_url(b, key, NULL);
    if (!url)
        return AB_ERR_NOMEM;
    char sha[65];
    ab_s3_sha256_hex(data, len, sha);
    char h_sha[96], h_type[300];
    snprintf(h_sha, sizeof h_sha, "x-amz-content-sha256: %s", sha);
    snprintf(h_type, sizeof h_type, "Content-Type: %s", content_type);
    const char *headers[] = {h_type, h_sha, NULL};
    ab_http_response resp;
    bool too_large;
    ab_err err = perform(b, "PUT", url, headers, data, len, 64 << 10, &resp, &too_large);
    free(url);
    err = ab_s3_outcome(b, "put", key, err, &resp);
    ab_http_response_free(&resp);
    return err;
}

static ab_err s3_get(ab_storage_backend *b, const char *key, size_t max, unsigned char **data,
                     size_t *len)
{
    if (max == 0 || max > b->max_object_size)
        max = b->max_object_size;
    char *url = ab_s3_object_url(b, key, NULL);
    if (!url)
        return AB_ERR_NOMEM;
    const char *headers[] = {"x-amz-content-sha256: " AB_S3_EMPTY_SHA256, NULL};
    ab_http_response resp;
    bool too_large;
    ab_err err = perform(b, "GET", url, headers, NULL, 0, max, &resp, &too_large);
    free(url);
    if (too_large) {
        AB_WARN("storage: object larger than the limit", "{s:s,s:i}", "key", key, "limit",
                (int)(max > 0x7fffffff ? 0x7fffffff : max));
        ab_http_response_free(&resp);
        return AB_ERR_LIMIT;
    }
    err = ab_s3_outcome(b, "get", key, err, &resp);
    if (err == AB_OK) {
        /* hand the body over as is: ab_http_perform NUL-terminates it */
        *data = (unsigned char *)resp.body;
        *len = resp.body_len;
        resp.body = NULL;
    }
    ab_http_response_free(&resp);
    return err;
}

static ab_err s3_del(ab_storage_backend *b, const char *key)
{
    char *url = ab_s3_object_url(b, key, NULL);
    if (!url)
        return AB_ERR_NOMEM;
    const char *headers[] = {"x-amz-content-sha256: " AB_S3_EMPTY_SHA256, NULL};
    ab_http_response resp;
    bool too_large;
    ab_err err = perform(b, "DELETE", url, headers, NULL, 0, 64 << 10, &resp, &too_large);
    free(url);
    err = ab_s3_outcome(b, "delete", key, err, &resp);
    ab_http_response_free(&resp);
    return err == AB_ERR_NOT_FOUND ? AB_OK : err; /* idempotent, like S3 itself */
}

/* The canonical ListObjectsV2 query: parameters in name order, values strictly encoded. */
static char *list_query(const char *prefix, const char *token)
{
    char *p = ab_s3_uri_encode(prefix, false);
    char *t = token ? ab_s3_uri_encode(token, false) : NULL;
    char *q = NULL;
    if (p && (!token || t)) {
        size_t n = strlen(p) + (t ? strlen(t) : 0) + 64;
        q = malloc(n);
        if (q)
            snprintf(q, n, "%s%s%slist-type=2%s%s", t ? "continuation-token=" : "", t ? t : "",
                     t ? "&" : "", *p ? "&prefix=" : "", p);
    }
    free(p);
    free(t);
    return q;
}

static ab_err s3_list(ab_storage_backend *b, const char *prefix, ab_storage_keys *out)
{
    size_t cap = 0;
    char *token = NULL;
    ab_err err = AB_OK;
    for (int page = 0; page < MAX_LIST_PAGES; page++) {
        char *query = list_query(prefix, token);
        char *url = NULL;
        if (query) {
            /* the bucket itself: ".../BUCKET/?..." path style, "BUCKET.host/?..." virtual */
            size_t n = strlen(b->api.scheme) + strlen(b->api.host) + strlen(b->api.base_path) +
                       strlen(query) + 8;
            url = malloc(n);
            if (url)
                snprintf(url, n, "%s://%s%s/?%s", b->api.scheme, b->api.host, b->api.base_path,
                         query);
        }
        free(query);
        if (!url) {
            err = AB_ERR_NOMEM;
            break;
        }
        const char *headers[] = {"x-amz-content-sha256: " AB_S3_EMPTY_SHA256, NULL};
        ab_http_response resp;
        bool too_large;
        err = perform(b, "GET", url, headers, NULL, 0, 0, &resp, &too_large);
        free(url);
        err = ab_s3_outcome(b, "list", prefix, err, &resp);
        bool truncated = false;
        char *next = NULL;
        if (err == AB_OK) {
            err = ab_s3_parse_list_page(resp.body, resp.body_len, out, &cap, &truncated, &next);
            if (err == AB_ERR_REMOTE)
                AB_ERROR("storage: unreadable S3 listing", "{s:s,s:s}", "prefix", prefix, "bucket",
                         b->bucket);
        }
        ab_http_response_free(&resp);
        if (err == AB_OK && truncated && token && strcmp(next, token) == 0) {
            AB_ERROR("storage: S3 listing repeats its continuation token", "{s:s}", "prefix",
                     prefix);
            err = AB_ERR_REMOTE;
        }
        free(token);
        token = next;
        if (err != AB_OK || !truncated)
            break;
    }
    if (err == AB_OK && token) {
        AB_ERROR("storage: S3 listing did not end", "{s:s,s:i}", "prefix", prefix, "pages",
                 MAX_LIST_PAGES);
        err = AB_ERR_REMOTE;
    }
    free(token);
    return err;
}

static ab_err s3_presign_get(ab_storage_backend *b, const char *key, int expires_s, char **url)
{
    /* for whoever fetches it: the public address when there is one (the signature covers the
     * Host it is fetched from) */
    const ab_s3_address *a = b->pub.host ? &b->pub : &b->api;
    char *enc = ab_s3_uri_encode(key, true);
    if (!enc)
        return AB_ERR_NOMEM;
    size_t n = strlen(a->base_path) + strlen(enc) + 2;
    char *path = malloc(n);
    if (!path) {
        free(enc);
        return AB_ERR_NOMEM;
    }
    snprintf(path, n, "%s/%s", a->base_path, enc);
    free(enc);
    ab_s3_presign_req req = {
        .method = "GET",
        .scheme = a->scheme,
        .host = a->host,
        .path = path,
        .access_key = b->access_key,
        .secret_key = b->secret_key,
        .region = b->region,
        .now = time(NULL),
        .expires_s = expires_s,
    };
    *url = ab_s3_presign_url(&req, NULL);
    free(path);
    return *url ? AB_OK : AB_ERR_NOMEM;
}

const ab_storage_ops ab_storage_s3_ops = {
    .name = "s3",
    .put = ab_s3_put,
    .put_file = ab_s3_put_file,
    .get = s3_get,
    .del = s3_del,
    .list = s3_list,
    .presign_get = s3_presign_get,
    .close = s3_close,
};
