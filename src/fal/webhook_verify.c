/* FAL webhook signature verification (see webhook_verify.h for the scheme).
 *
 * Why it works this way: the webhook endpoint runs on many libmicrohttpd connection threads,
 * and anyone on the internet can POST to it. So everything that costs us nothing — header
 * syntax, the ±300 s timestamp window, the body hash — is checked first and without the lock;
 * only a well-formed, in-window request may touch the key cache, and only such a request may
 * cause a JWKS fetch. Fetches happen under one mutex (the verifier owns one HTTP client), at
 * most once per cache period, plus at most once a minute when a signature fails against the
 * cached keys (FAL rotated its key), and never more often than every FETCH_BACKOFF_S while
 * the JWKS endpoint is failing. Signatures are checked outside the lock against a copy of the
 * cached raw keys. Any failure to obtain keys is an error, never an acceptance. */
#include "fal/webhook_verify.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_client.h"
#include "core/log.h"

#define KEY_LEN 32       /* raw Ed25519 public key */
#define SIG_LEN 64       /* raw Ed25519 signature */
#define MAX_KEYS 16      /* keys kept from one JWKS; FAL publishes one or two */
#define MAX_ID_LEN 256   /* request id and user id */
#define MAX_TS_DIGITS 18 /* fits int64 */
#define MAX_MSG_LEN (MAX_ID_LEN + 1 + MAX_ID_LEN + 1 + MAX_TS_DIGITS + 1 + 64)
#define REFETCH_MIN_AGE_S 60 /* a failing signature refetches only a cache at least this old */
#define FETCH_BACKOFF_S 5    /* after a failed fetch, its error is returned this long */
#define FETCH_TIMEOUT_S 10
#define FETCH_MAX_BYTES (64u << 10)
#define CACHE_DEFAULT_S 3600
#define CACHE_MIN_S 60
#define CACHE_MAX_S 86400

typedef struct {
    unsigned char raw[MAX_KEYS][KEY_LEN];
    size_t n;
} key_set;

struct ab_fal_verifier {
    char *url;
    int cache_s;
    pthread_mutex_t lock; /* guards everything below */
    ab_http_client *http;
    key_set keys;      /* n == 0: nothing cached */
    time_t fetched_at; /* when keys were fetched */
    bool failed;       /* the last fetch failed ... */
    time_t failed_at;  /* ... at this time ... */
    ab_err failed_err; /* ... with this error */
};

/* A delivery whose headers passed the syntax and window checks: the signed bytes and the
 * decoded signature. */
typedef struct {
    unsigned char msg[MAX_MSG_LEN];
    size_t msg_len;
    unsigned char sig[SIG_LEN];
} signed_msg;

/* ---- header checks and the signed message ---------------------------------------------- */

static bool id_ok(const char *s)
{
    if (!s)
        return false;
    size_t n = strnlen(s, MAX_ID_LEN + 1);
    return n > 0 && n <= MAX_ID_LEN && !strpbrk(s, "\r\n");
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 2 * len hex digits (either case) into out. */
static bool hex_decode(const char *s, unsigned char *out, size_t len)
{
    if (!s || strnlen(s, 2 * len + 1) != 2 * len)
        return false;
    for (size_t i = 0; i < len; i++) {
        int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* Decimal digits only (no sign, no spaces), at most MAX_TS_DIGITS of them. */
static bool parse_timestamp(const char *s, int64_t *out)
{
    if (!s)
        return false;
    size_t n = strnlen(s, MAX_TS_DIGITS + 1);
    if (n == 0 || n > MAX_TS_DIGITS)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

ab_err ab_fal_check_headers(const ab_fal_sig_headers *h, time_t now)
{
    int64_t ts;
    unsigned char sig[SIG_LEN];
    if (!h || !id_ok(h->request_id) || !id_ok(h->user_id) || !parse_timestamp(h->timestamp, &ts) ||
        !hex_decode(h->signature, sig, SIG_LEN))
        return AB_ERR_INVALID;
    int64_t skew = (int64_t)now - ts;
    return skew > AB_FAL_SIG_WINDOW_S || skew < -AB_FAL_SIG_WINDOW_S ? AB_ERR_INVALID : AB_OK;
}

/**
 * Checks the headers and the timestamp window and builds the signed message.
 * @return AB_OK, AB_ERR_INVALID (bad or missing header, outside the window), AB_ERR_NOMEM.
 */
static ab_err prepare(const ab_fal_sig_headers *h, const void *body, size_t body_len, time_t now,
                      signed_msg *out)
{
    ab_err err = ab_fal_check_headers(h, now);
    if (err != AB_OK)
        return err;
    hex_decode(h->signature, out->sig, SIG_LEN);

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(body_len ? body : "", body_len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != 32) {
        ERR_clear_error();
        return AB_ERR_NOMEM;
    }
    static const char HEX[] = "0123456789abcdef";
    size_t rl = strlen(h->request_id), ul = strlen(h->user_id), tl = strlen(h->timestamp);
    unsigned char *p = out->msg;
    memcpy(p, h->request_id, rl);
    p += rl;
    *p++ = '\n';
    memcpy(p, h->user_id, ul);
    p += ul;
    *p++ = '\n';
    memcpy(p, h->timestamp, tl);
    p += tl;
    *p++ = '\n';
    for (unsigned i = 0; i < md_len; i++) {
        *p++ = (unsigned char)HEX[md[i] >> 4];
        *p++ = (unsigned char)HEX[md[i] & 15];
    }
    out->msg_len = (size_t)(p - out->msg);
    return AB_OK;
}

/* ---- JWKS ------------------------------------------------------------------------------- */

/* A 32-byte key in base64url: 43 characters of the URL-safe alphabet, optionally followed by
 * its one '=' of padding. Decoded by OpenSSL after mapping to the standard alphabet. */
static bool b64url_key(const char *s, unsigned char out[KEY_LEN])
{
    enum { CHARS = 43 }; /* ceil(32 * 4 / 3) */
    size_t n = strnlen(s, CHARS + 2);
    if (!(n == CHARS || (n == CHARS + 1 && s[CHARS] == '=')))
        return false;
    unsigned char std[CHARS + 2];
    for (size_t i = 0; i < CHARS; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        std[i] = (unsigned char)c;
    }
    std[CHARS] = '=';
    std[CHARS + 1] = '\0';
    unsigned char buf[33]; /* EVP_DecodeBlock counts the padding as a zero byte */
    if (EVP_DecodeBlock(buf, std, CHARS + 1) != 33)
        return false;
    memcpy(out, buf, KEY_LEN);
    return true;
}

/* When present, a member must be the expected string; absent is fine. */
static bool member_is(const json_t *obj, const char *name, const char *want)
{
    const json_t *m = json_object_get(obj, name);
    return !m || (json_is_string(m) && strcmp(json_string_value(m), want) == 0);
}

/**
 * Extracts the usable Ed25519 keys of a JWKS document (len bytes of text).
 * @return AB_OK with out->n > 0, or AB_ERR_REMOTE (not JSON, no "keys" array, no usable key).
 */
static ab_err parse_jwks(const char *text, size_t len, key_set *out)
{
    out->n = 0;
    if (!text)
        return AB_ERR_REMOTE;
    json_t *root = json_loadb(text, len, 0, NULL);
    const json_t *keys = json_object_get(root, "keys");
    if (json_is_array(keys)) {
        size_t i;
        const json_t *k;
        json_array_foreach(keys, i, k)
        {
            if (out->n == MAX_KEYS)
                break;
            const char *x = json_string_value(json_object_get(k, "x"));
            if (json_is_object(k) && x && member_is(k, "kty", "OKP") &&
                member_is(k, "crv", "Ed25519") && b64url_key(x, out->raw[out->n]))
                out->n++;
        }
    }
    json_decref(root);
    return out->n ? AB_OK : AB_ERR_REMOTE;
}

/* ---- signature -------------------------------------------------------------------------- */

/** AB_OK when any key verifies, AB_ERR_INVALID when none does, AB_ERR_NOMEM. */
static ab_err verify_keys(const key_set *keys, const signed_msg *m)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return AB_ERR_NOMEM;
    ab_err err = AB_ERR_INVALID;
    for (size_t i = 0; i < keys->n && err == AB_ERR_INVALID; i++) {
        EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, keys->raw[i], KEY_LEN);
        if (pk && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
            EVP_DigestVerify(ctx, m->sig, SIG_LEN, m->msg, m->msg_len) == 1)
            err = AB_OK;
        EVP_PKEY_free(pk);
        EVP_MD_CTX_reset(ctx);
    }
    EVP_MD_CTX_free(ctx);
    ERR_clear_error(); /* a failed verify leaves entries that would confuse later TLS users */
    return err;
}

ab_err ab_fal_verify_with_jwks(const char *jwks_json, const ab_fal_sig_headers *h, const void *body,
                               size_t body_len, time_t now)
{
    signed_msg m;
    ab_err err = prepare(h, body, body_len, now, &m);
    if (err != AB_OK)
        return err;
    key_set keys;
    err = parse_jwks(jwks_json, jwks_json ? strlen(jwks_json) : 0, &keys);
    if (err != AB_OK)
        return err;
    return verify_keys(&keys, &m);
}

/* ---- the cached, fetching verifier ------------------------------------------------------ */

ab_fal_verifier *ab_fal_verifier_new(const char *jwks_url, int cache_s)
{
    ab_fal_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->url = strdup(jwks_url ? jwks_url : AB_FAL_JWKS_URL_DEFAULT);
    v->http = ab_http_client_new();
    if (!v->url || !v->http || pthread_mutex_init(&v->lock, NULL) != 0) {
        ab_http_client_free(v->http);
        free(v->url);
        free(v);
        return NULL;
    }
    if (cache_s <= 0)
        cache_s = CACHE_DEFAULT_S;
    v->cache_s = cache_s < CACHE_MIN_S   ? CACHE_MIN_S
                 : cache_s > CACHE_MAX_S ? CACHE_MAX_S
                                         : cache_s;
    return v;
}

void ab_fal_verifier_free(ab_fal_verifier *v)
{
    if (!v)
        return;
    pthread_mutex_destroy(&v->lock);
    ab_http_client_free(v->http);
    free(v->url);
    free(v);
}

/* Age of the cache in seconds; a clock that went backwards makes it look expired. */
static int64_t cache_age(const ab_fal_verifier *v, time_t now)
{
    int64_t age = (int64_t)now - (int64_t)v->fetched_at;
    return age < 0 ? INT64_MAX : age;
}

/**
 * Fetches the JWKS and replaces the cached keys. Call with v->lock held. On failure the
 * cached keys stay as they were and the error is remembered for FETCH_BACKOFF_S.
 * @return AB_OK; AB_ERR_HTTP / AB_ERR_TIMEOUT (transport), AB_ERR_REMOTE (status not 200 or no
 *         usable key), AB_ERR_NOMEM.
 */
static ab_err refresh_locked(ab_fal_verifier *v, time_t now)
{
    if (v->failed && now >= v->failed_at && now - v->failed_at < FETCH_BACKOFF_S)
        return v->failed_err;

    static const char *const headers[] = {"Accept: application/json", NULL};
    ab_http_request req = {.method = "GET",
                           .url = v->url,
                           .headers = headers,
                           .timeout_s = FETCH_TIMEOUT_S,
                           .max_response = FETCH_MAX_BYTES};
    ab_http_response resp;
    ab_err err = ab_http_perform(v->http, &req, &resp);
    key_set keys = {.n = 0};
    if (err == AB_OK)
        err = resp.status == 200 ? parse_jwks(resp.body, resp.body_len, &keys) : AB_ERR_REMOTE;
    if (err == AB_OK) {
        v->keys = keys;
        v->fetched_at = now;
        v->failed = false;
        AB_INFO("fal jwks fetched", "{s:i}", "keys", (int)keys.n);
    } else {
        v->failed = true;
        v->failed_at = now;
        v->failed_err = err;
        AB_WARN("fal jwks fetch failed", "{s:s,s:i,s:s}", "error", ab_err_name(err), "status",
                (int)resp.status, "detail",
                resp.error[0]        ? resp.error
                : resp.status != 200 ? "unexpected status"
                                     : "no usable Ed25519 key");
    }
    ab_http_response_free(&resp);
    return err;
}

ab_err ab_fal_verify(ab_fal_verifier *v, const ab_fal_sig_headers *h, const void *body,
                     size_t body_len, time_t now)
{
    signed_msg m;
    ab_err err = prepare(h, body, body_len, now, &m); /* before any lock or fetch */
    if (err != AB_OK)
        return err;

    key_set keys;
    time_t seen_at;
    bool fresh = false;
    pthread_mutex_lock(&v->lock);
    if (v->keys.n == 0 || cache_age(v, now) >= v->cache_s) {
        err = refresh_locked(v, now);
        fresh = err == AB_OK;
    }
    keys = v->keys;
    seen_at = v->fetched_at;
    pthread_mutex_unlock(&v->lock);
    if (err != AB_OK)
        return err;

    err = verify_keys(&keys, &m);
    if (err != AB_ERR_INVALID || fresh)
        return err;

    /* No cached key verifies: FAL may have rotated its key since we fetched. */
    pthread_mutex_lock(&v->lock);
    if (v->fetched_at != seen_at) {
        fresh = true; /* another thread refetched meanwhile: its keys are new enough */
    } else if (cache_age(v, now) >= REFETCH_MIN_AGE_S) {
        AB_INFO("fal webhook signature failed with cached keys, refetching jwks", "{s:s}",
                "request_id", h->request_id);
        err = refresh_locked(v, now);
        fresh = err == AB_OK;
    }
    keys = v->keys;
    pthread_mutex_unlock(&v->lock);
    if (err != AB_ERR_INVALID && err != AB_OK)
        return err; /* could not refetch: nothing verified, let FAL retry */
    return fresh ? verify_keys(&keys, &m) : AB_ERR_INVALID;
}
