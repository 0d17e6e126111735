/* FAL webhook signature verification: the pure check against a given JWKS (with a known key
 * pair and a signature made outside this code base), and the fetching, caching verifier
 * against a local JWKS server (libmicrohttpd) and an unreachable URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <unistd.h>

#include "core/log.h"
#include "fal/webhook_verify.h"

/* The known key pair, generated once with Python's `cryptography` (Ed25519, raw bytes). */
static const char PRIV_MAIN[] = "b16748a3c5322522ce9c60f5fa2a86e28f2984cec1242898433074f200510fd3";
#define X_MAIN "s3YoZsJlLvL2sHkjBeq6GwxC_IHIN1ZIIVi2mNIJx1M"
/* A second, unrelated pair: "FAL's other key" or "an attacker's key" depending on the test. */
static const char PRIV_OTHER[] = "e4d4e4e888e3cb1085d022a3fd066ca75a090828e33cf98b36257390220129a8";
#define X_OTHER "ZIfMoZhLYZpnGSL5xttUOdVeYBOI4Ilc6XUD2sGkWHk"

#define JWK(x) "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" x "\",\"kid\":\"k\",\"use\":\"sig\"}"
static const char JWKS_MAIN[] = "{\"keys\":[" JWK(X_MAIN) "]}";
static const char JWKS_OTHER[] = "{\"keys\":[" JWK(X_OTHER) "]}";

/* A delivery signed by Python's `cryptography` with PRIV_MAIN over
 * REQ_ID "\n" USER_ID "\n" TS "\n" hex(sha256(BODY)). */
static const char BODY[] = "{\"request_id\":\"123e4567-e89b-12d3-a456-426614174000\","
                           "\"status\":\"OK\",\"payload\":{\"images\":[]}}";
#define REQ_ID "123e4567-e89b-12d3-a456-426614174000"
#define USER_ID "user-42"
#define TS "1752019770"
static const time_t NOW = 1752019770;
static const char SIG_FIXED[] = "28fa252a6337ea026d3d80c0df2933c0dcecd7e195370179220076a7e4bde201"
                                "c87fd473292b8913c5b4659450fd73bd5491bbb592ff80138d7ccbc4b8e0f200";

/* ---- signing at test time ---------------------------------------------------------------- */

static void hex_to_bytes(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void bytes_to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

/* Signs the FAL message for these fields with a raw private key; sig_hex gets 128 hex + NUL. */
static void sign(const char *priv_hex, const char *req_id, const char *user_id, const char *ts,
                 const char *body, size_t body_len, char sig_hex[129])
{
    unsigned char md[32], priv[32], sig[64];
    char md_hex[65], msg[1024];
    assert_int_equal(EVP_Digest(body, body_len, md, NULL, EVP_sha256(), NULL), 1);
    bytes_to_hex(md, 32, md_hex);
    int n = snprintf(msg, sizeof msg, "%s\n%s\n%s\n%s", req_id, user_id, ts, md_hex);
    assert_true(n > 0 && (size_t)n < sizeof msg);
    hex_to_bytes(priv_hex, priv, 32);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
    assert_non_null(pk);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = sizeof sig;
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)msg, (size_t)n), 1);
    assert_int_equal(sig_len, 64);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    bytes_to_hex(sig, 64, sig_hex);
}

static ab_err check(const char *jwks, const char *req_id, const char *user_id, const char *ts,
                    const char *sig, const char *body, time_t now)
{
    ab_fal_sig_headers h = {req_id, user_id, ts, sig};
    return ab_fal_verify_with_jwks(jwks, &h, body, body ? strlen(body) : 0, now);
}

/* ---- the pure check ----------------------------------------------------------------------- */

static void test_known_signature(void **state)
{
    (void)state;
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_OK);
    /* upper-case hex is the same signature */
    char upper[129];
    for (size_t i = 0; i <= 128; i++)
        upper[i] = (char)(SIG_FIXED[i] >= 'a' ? SIG_FIXED[i] - 32 : SIG_FIXED[i]);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, upper, BODY, NOW), AB_OK);
    /* and our own signer agrees with the outside one */
    char sig[129];
    sign(PRIV_MAIN, REQ_ID, USER_ID, TS, BODY, strlen(BODY), sig);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, sig, BODY, NOW), AB_OK);
}

static void test_tampered_fields(void **state)
{
    (void)state;
    char body[sizeof BODY];
    memcpy(body, BODY, sizeof BODY);
    body[sizeof BODY - 3] = '}' == body[sizeof BODY - 3] ? ']' : '}';
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, SIG_FIXED, body, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, SIG_FIXED, "", NOW), AB_ERR_INVALID);
    assert_int_equal(
        check(JWKS_MAIN, "123e4567-e89b-12d3-a456-426614174001", USER_ID, TS, SIG_FIXED, BODY, NOW),
        AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, "user-43", TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, "1752019771", SIG_FIXED, BODY, NOW),
                     AB_ERR_INVALID);
    /* same number, different text: the text is what is signed, and it must be plain digits */
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, "01752019770", SIG_FIXED, BODY, NOW),
                     AB_ERR_INVALID);
    /* a flipped bit in the signature */
    char sig[129];
    memcpy(sig, SIG_FIXED, sizeof sig);
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, sig, BODY, NOW), AB_ERR_INVALID);
}

static void test_timestamp_window(void **state)
{
    (void)state;
    char sig[129];
    const long base = 1800000000;
    char ts[32];
    snprintf(ts, sizeof ts, "%ld", base);
    sign(PRIV_MAIN, REQ_ID, USER_ID, ts, BODY, strlen(BODY), sig);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base), AB_OK);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base + 299), AB_OK);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base - 299), AB_OK);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base + 300), AB_OK);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base - 300), AB_OK);
    /* 301 s old, 301 s in the future */
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base + 301), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, base - 301), AB_ERR_INVALID);
    /* far outside, and numbers too long for any clock */
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, ts, sig, BODY, 0), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, "99999999999999999999999", sig, BODY, base),
                     AB_ERR_INVALID);
}

static void test_malformed_headers(void **state)
{
    (void)state;
    /* missing headers */
    assert_int_equal(check(JWKS_MAIN, NULL, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, NULL, TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, NULL, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, NULL, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(ab_fal_verify_with_jwks(JWKS_MAIN, NULL, BODY, strlen(BODY), NOW),
                     AB_ERR_INVALID);
    /* empty, over-long, or multi-line ids */
    assert_int_equal(check(JWKS_MAIN, "", USER_ID, TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, "", TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    char long_id[300];
    memset(long_id, 'a', 257);
    long_id[257] = '\0';
    assert_int_equal(check(JWKS_MAIN, long_id, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    /* 256 bytes is still fine: signed correctly, it verifies */
    long_id[256] = '\0';
    char sig[129];
    sign(PRIV_MAIN, long_id, USER_ID, TS, BODY, strlen(BODY), sig);
    assert_int_equal(check(JWKS_MAIN, long_id, USER_ID, TS, sig, BODY, NOW), AB_OK);
    /* a newline would let one split of the message pass for another */
    sign(PRIV_MAIN, "a\nb", USER_ID, TS, BODY, strlen(BODY), sig);
    assert_int_equal(check(JWKS_MAIN, "a\nb", USER_ID, TS, sig, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, "u\n", TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
    /* timestamps that are not plain digits */
    const char *bad_ts[] = {
        "",     " 1752019770", "1752019770 ", "+1752019770", "-1752019770", "1752019770.0",
        "0x68", "abc"};
    for (size_t i = 0; i < sizeof bad_ts / sizeof bad_ts[0]; i++)
        assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, bad_ts[i], SIG_FIXED, BODY, NOW),
                         AB_ERR_INVALID);
    /* signatures: not hex, too short, too long, empty */
    char bad[200];
    memcpy(bad, SIG_FIXED, 129);
    bad[5] = 'g';
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, bad, BODY, NOW), AB_ERR_INVALID);
    memcpy(bad, SIG_FIXED, 129);
    bad[127] = '\0';
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, bad, BODY, NOW), AB_ERR_INVALID);
    memcpy(bad, SIG_FIXED, 129);
    bad[126] = '\0';
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, bad, BODY, NOW), AB_ERR_INVALID);
    memcpy(bad, SIG_FIXED, 128);
    memcpy(bad + 128, "00", 3);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, bad, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, "", BODY, NOW), AB_ERR_INVALID);
}

static void test_other_key(void **state)
{
    (void)state;
    char sig[129];
    sign(PRIV_OTHER, REQ_ID, USER_ID, TS, BODY, strlen(BODY), sig);
    assert_int_equal(check(JWKS_MAIN, REQ_ID, USER_ID, TS, sig, BODY, NOW), AB_ERR_INVALID);
    assert_int_equal(check(JWKS_OTHER, REQ_ID, USER_ID, TS, sig, BODY, NOW), AB_OK);
    assert_int_equal(check(JWKS_OTHER, REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_ERR_INVALID);
}

static void test_jwks_shapes(void **state)
{
    (void)state;
    /* the second key verifies; keys of other types and broken entries are skipped */
    const char two[] = "{\"keys\":[" JWK(X_OTHER) "," JWK(X_MAIN) "]}";
    assert_int_equal(check(two, REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_OK);
    const char mixed[] =
        "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" X_OTHER "\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"short\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":42}, 7, null," JWK(X_MAIN) "]}";
    assert_int_equal(check(mixed, REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_OK);
    /* padded base64url, and a JWK with only "x" (as FAL's own examples read it) */
    assert_int_equal(
        check("{\"keys\":[" JWK(X_MAIN "=") "]}", REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW),
        AB_OK);
    assert_int_equal(
        check("{\"keys\":[{\"x\":\"" X_MAIN "\"}]}", REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW),
        AB_OK);
    /* x in the standard alphabet or with wrong padding is not base64url */
    char std[] = "{\"keys\":[{\"x\":\"" X_MAIN "\"}]}";
    for (char *p = std; *p; p++)
        if (*p == '_')
            *p = '/';
    assert_int_equal(check(std, REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW), AB_ERR_REMOTE);
    assert_int_equal(
        check("{\"keys\":[" JWK(X_MAIN "==") "]}", REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW),
        AB_ERR_REMOTE);
    /* documents without a usable key: the key source is broken (AB_ERR_REMOTE), not the request */
    const char *broken[] = {NULL,
                            "",
                            "garbage",
                            "{\"keys\":[]}",
                            "{}",
                            "[]",
                            "{\"keys\":{}}",
                            "{\"keys\":[" JWK(X_MAIN) "]",
                            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}]}",
                            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" X_MAIN
                            "AA\"}]}"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        assert_int_equal(check(broken[i], REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW),
                         AB_ERR_REMOTE);
    /* but header problems are reported first, whatever the JWKS */
    assert_int_equal(check("garbage", REQ_ID, USER_ID, TS, SIG_FIXED, BODY, NOW + 1000),
                     AB_ERR_INVALID);
}

static void test_binary_and_empty_body(void **state)
{
    (void)state;
    const char bin[] = {'a', '\0', 'b', '\xff'};
    char sig[129];
    sign(PRIV_MAIN, REQ_ID, USER_ID, TS, bin, sizeof bin, sig);
    ab_fal_sig_headers h = {REQ_ID, USER_ID, TS, sig};
    assert_int_equal(ab_fal_verify_with_jwks(JWKS_MAIN, &h, bin, sizeof bin, NOW), AB_OK);
    assert_int_equal(ab_fal_verify_with_jwks(JWKS_MAIN, &h, bin, 1, NOW), AB_ERR_INVALID);
    sign(PRIV_MAIN, REQ_ID, USER_ID, TS, "", 0, sig);
    assert_int_equal(ab_fal_verify_with_jwks(JWKS_MAIN, &h, NULL, 0, NOW), AB_OK);
}

/* ---- the verifier against a local JWKS server --------------------------------------------- */

static struct {
    pthread_mutex_t lock;
    const char *body; /* what GET returns */
    unsigned status;
    int hits;
} srv = {PTHREAD_MUTEX_INITIALIZER, NULL, 200, 0};

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_len, void **con_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_len;
    (void)con_cls;
    pthread_mutex_lock(&srv.lock);
    srv.hits++;
    const char *body = srv.body ? srv.body : "";
    unsigned status = srv.status;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&srv.lock);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static void srv_set(const char *body, unsigned status)
{
    pthread_mutex_lock(&srv.lock);
    srv.body = body;
    srv.status = status;
    pthread_mutex_unlock(&srv.lock);
}

static int srv_hits(void)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.hits;
    pthread_mutex_unlock(&srv.lock);
    return n;
}

typedef struct {
    struct MHD_Daemon *d;
    char url[64];
    FILE *log; /* what the verifier logged */
} fixture;

static int setup_server(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!f->d)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u/.well-known/jwks.json",
             (unsigned)info->port);
    srv_set(JWKS_MAIN, 200);
    pthread_mutex_lock(&srv.lock);
    srv.hits = 0;
    pthread_mutex_unlock(&srv.lock);
    f->log = tmpfile();
    ab_log_set_fd(fileno(f->log));
    *state = f;
    return 0;
}

static int teardown_server(void **state)
{
    fixture *f = *state;
    ab_log_set_fd(-1);
    fclose(f->log);
    MHD_stop_daemon(f->d);
    free(f);
    return 0;
}

/* Number of log lines so far containing needle; the log is left readable from the start. */
static int log_count(fixture *f, const char *needle)
{
    char line[2048];
    int n = 0;
    fflush(f->log);
    rewind(f->log);
    while (fgets(line, sizeof line, f->log))
        if (strstr(line, needle))
            n++;
    fseek(f->log, 0, SEEK_END);
    return n;
}

/* Verifies a delivery signed now by priv (BODY, REQ_ID, USER_ID). */
static ab_err verify_at(ab_fal_verifier *v, const char *priv, time_t now)
{
    char ts[32], sig[129];
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    sign(priv, REQ_ID, USER_ID, ts, BODY, strlen(BODY), sig);
    ab_fal_sig_headers h = {REQ_ID, USER_ID, ts, sig};
    return ab_fal_verify(v, &h, BODY, strlen(BODY), now);
}

static void test_fetch_and_cache(void **state)
{
    fixture *f = *state;
    ab_fal_verifier *v = ab_fal_verifier_new(f->url, 3600);
    assert_non_null(v);
    const time_t t0 = 1800000000;
    /* junk never fetches */
    ab_fal_sig_headers junk = {REQ_ID, USER_ID, "1", SIG_FIXED};
    assert_int_equal(ab_fal_verify(v, &junk, BODY, strlen(BODY), t0), AB_ERR_INVALID);
    junk.timestamp = TS;
    junk.signature = "zz";
    assert_int_equal(ab_fal_verify(v, &junk, BODY, strlen(BODY), NOW), AB_ERR_INVALID);
    assert_int_equal(srv_hits(), 0);
    /* first genuine delivery fetches, later ones use the cache */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0), AB_OK);
    assert_int_equal(srv_hits(), 1);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 10), AB_OK);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 3599), AB_OK);
    assert_int_equal(srv_hits(), 1);
    /* a forged delivery within a minute of the fetch is refused without a refetch */
    assert_int_equal(verify_at(v, PRIV_OTHER, t0 + 30), AB_ERR_INVALID);
    assert_int_equal(srv_hits(), 1);
    /* the cache expires after cache_s */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 3600), AB_OK);
    assert_int_equal(srv_hits(), 2);
    /* a clock that went back counts as expired */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 3000), AB_OK);
    assert_int_equal(srv_hits(), 3);
    assert_int_equal(log_count(f, "fal jwks fetch failed"), 0);
    ab_fal_verifier_free(v);
}

static void test_key_rotation(void **state)
{
    fixture *f = *state;
    ab_fal_verifier *v = ab_fal_verifier_new(f->url, 86400);
    const time_t t0 = 1800000000;
    assert_int_equal(verify_at(v, PRIV_MAIN, t0), AB_OK);
    assert_int_equal(srv_hits(), 1);
    /* FAL rotates to another key */
    srv_set(JWKS_OTHER, 200);
    assert_int_equal(verify_at(v, PRIV_OTHER, t0 + 59), AB_ERR_INVALID); /* cache too young */
    assert_int_equal(srv_hits(), 1);
    assert_int_equal(verify_at(v, PRIV_OTHER, t0 + 60), AB_OK); /* refetched once */
    assert_int_equal(srv_hits(), 2);
    assert_int_equal(verify_at(v, PRIV_OTHER, t0 + 61), AB_OK);
    /* the old key is gone; forged deliveries refetch at most once a minute */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 62), AB_ERR_INVALID);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 63), AB_ERR_INVALID);
    assert_int_equal(srv_hits(), 2);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 120), AB_ERR_INVALID);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 121), AB_ERR_INVALID);
    assert_int_equal(srv_hits(), 3);
    ab_fal_verifier_free(v);
}

static void test_bad_jwks_source(void **state)
{
    fixture *f = *state;
    ab_fal_verifier *v = ab_fal_verifier_new(f->url, 3600);
    const time_t t0 = 1800000000;
    /* a server error, garbage, an empty key set: never accepted, never a 401 */
    srv_set("{\"error\":\"down\"}", 500);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0), AB_ERR_REMOTE);
    assert_int_equal(srv_hits(), 1);
    assert_int_equal(log_count(f, "fal jwks fetch failed"), 1);
    /* within the back-off the same answer comes without a fetch or another log line */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 4), AB_ERR_REMOTE);
    assert_int_equal(srv_hits(), 1);
    assert_int_equal(log_count(f, "fal jwks fetch failed"), 1);
    srv_set("garbage", 200);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 5), AB_ERR_REMOTE);
    assert_int_equal(srv_hits(), 2);
    srv_set("{\"keys\":[]}", 200);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 10), AB_ERR_REMOTE);
    assert_int_equal(srv_hits(), 3);
    assert_int_equal(log_count(f, "fal jwks fetch failed"), 3);
    /* an over-large JWKS (> 64 KiB) is a transport failure */
    char *big = malloc(70000);
    memset(big, ' ', 69999);
    memcpy(big, JWKS_MAIN, strlen(JWKS_MAIN));
    big[69999] = '\0';
    srv_set(big, 200);
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 15), AB_ERR_HTTP);
    srv_set(JWKS_MAIN, 200);
    free(big);
    /* recovery */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 20), AB_OK);
    assert_int_equal(srv_hits(), 5);
    /* a later broken JWKS does not replace good keys that failed a forged check */
    srv_set("garbage", 200);
    assert_int_equal(verify_at(v, PRIV_OTHER, t0 + 100), AB_ERR_REMOTE); /* refetch failed */
    assert_int_equal(verify_at(v, PRIV_MAIN, t0 + 101), AB_OK);          /* cached keys live */
    /* the log names neither the URL nor signatures */
    char line[2048];
    rewind(f->log);
    while (fgets(line, sizeof line, f->log)) {
        assert_null(strstr(line, "127.0.0.1"));
        assert_null(strstr(line, "signature\":"));
    }
    fseek(f->log, 0, SEEK_END);
    ab_fal_verifier_free(v);
}

typedef struct {
    ab_fal_verifier *v;
    time_t now;
    int ok;
} thread_arg;

static void *verify_thread(void *p)
{
    thread_arg *a = p;
    a->ok = 0;
    for (int i = 0; i < 20; i++)
        a->ok += verify_at(a->v, PRIV_MAIN, a->now + i) == AB_OK;
    return NULL;
}

static void test_concurrent(void **state)
{
    fixture *f = *state;
    ab_fal_verifier *v = ab_fal_verifier_new(f->url, 3600);
    pthread_t th[8];
    thread_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (thread_arg){v, 1800000000, 0};
        assert_int_equal(pthread_create(&th[i], NULL, verify_thread, &args[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 20);
    }
    assert_int_equal(srv_hits(), 1);
    ab_fal_verifier_free(v);
}

/* ---- an unreachable JWKS: never fails open, and junk never even tries ---------------------- */

static void test_unreachable_jwks(void **state)
{
    (void)state;
    ab_fal_verifier *v = ab_fal_verifier_new("http://127.0.0.1:1/.well-known/jwks.json", 3600);
    assert_non_null(v);
    /* rejected before any fetch would be tried: the answer is INVALID, not a network error */
    ab_fal_sig_headers h = {REQ_ID, USER_ID, TS, SIG_FIXED};
    assert_int_equal(ab_fal_verify(v, &h, BODY, strlen(BODY), NOW + 301), AB_ERR_INVALID);
    assert_int_equal(ab_fal_verify(v, &h, BODY, strlen(BODY), NOW - 301), AB_ERR_INVALID);
    h.signature = "00";
    assert_int_equal(ab_fal_verify(v, &h, BODY, strlen(BODY), NOW), AB_ERR_INVALID);
    h.signature = SIG_FIXED;
    h.request_id = NULL;
    assert_int_equal(ab_fal_verify(v, &h, BODY, strlen(BODY), NOW), AB_ERR_INVALID);
    h.request_id = REQ_ID;
    /* well-formed and in window, but no keys to check with: an error, never AB_OK */
    assert_int_equal(ab_fal_verify(v, &h, BODY, strlen(BODY), NOW), AB_ERR_HTTP);
    /* tampered or not, the same: nothing is verified without keys */
    assert_int_equal(ab_fal_verify(v, &h, "{}", 2, NOW + 10), AB_ERR_HTTP);
    ab_fal_verifier_free(v);
    /* NULL URL means FAL's default; NULL frees fine */
    ab_fal_verifier_free(ab_fal_verifier_new(NULL, 0));
    ab_fal_verifier_free(NULL);
}

/* The headers-only check (run before a body is read) refuses what the full check refuses for
 * its headers, and takes a well-formed, in-window set whatever its signature's worth. */
static void test_headers_only(void **state)
{
    (void)state;
    char sig[129];
    memset(sig, 'a', 128);
    sig[128] = '\0';
    ab_fal_sig_headers h = {REQ_ID, USER_ID, TS, sig};
    assert_int_equal(ab_fal_check_headers(&h, NOW), AB_OK);
    assert_int_equal(ab_fal_check_headers(&h, NOW + AB_FAL_SIG_WINDOW_S), AB_OK);
    assert_int_equal(ab_fal_check_headers(&h, NOW + AB_FAL_SIG_WINDOW_S + 1), AB_ERR_INVALID);
    assert_int_equal(ab_fal_check_headers(&h, NOW - AB_FAL_SIG_WINDOW_S - 1), AB_ERR_INVALID);
    assert_int_equal(ab_fal_check_headers(NULL, NOW), AB_ERR_INVALID);
    ab_fal_sig_headers bad[] = {{NULL, USER_ID, TS, sig},     {REQ_ID, NULL, TS, sig},
                                {REQ_ID, USER_ID, NULL, sig}, {REQ_ID, USER_ID, TS, NULL},
                                {"", USER_ID, TS, sig},       {REQ_ID, "a\nb", TS, sig},
                                {REQ_ID, USER_ID, "-1", sig}, {REQ_ID, USER_ID, TS, "abc"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ab_fal_check_headers(&bad[i], NOW), AB_ERR_INVALID);
        /* the full check refuses them alike, without looking at a key */
        assert_int_equal(ab_fal_verify_with_jwks(NULL, &bad[i], "{}", 2, NOW), AB_ERR_INVALID);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_signature),
        cmocka_unit_test(test_tampered_fields),
        cmocka_unit_test(test_timestamp_window),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_headers_only),
        cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_jwks_shapes),
        cmocka_unit_test(test_binary_and_empty_body),
        cmocka_unit_test_setup_teardown(test_fetch_and_cache, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_key_rotation, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_bad_jwks_source, setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_concurrent, setup_server, teardown_server),
        cmocka_unit_test(test_unreachable_jwks),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
