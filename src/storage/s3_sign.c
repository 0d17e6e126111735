/* SigV4 signing for presigned S3 URLs (OpenSSL HMAC-SHA256), written from AWS's specification:
 *
 *   canonical request = METHOD \n PATH \n QUERY \n host:HOST \n \n host \n UNSIGNED-PAYLOAD
 *   string to sign    = AWS4-HMAC-SHA256 \n TIME \n DATE/REGION/s3/aws4_request \n hex(sha256(CR))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, DATE), REGION), "s3"), "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * The query is built already sorted (the X-Amz-* names are in code-point order as written) and
 * strictly encoded, so the string we sign is byte for byte the one we send.
 */
#include "storage/s3_sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

char *ab_s3_uri_encode(const char *in, bool keep_slash)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t n = strlen(in);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (unreserved(*p) || (keep_slash && *p == '/')) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = HEX[*p >> 4];
            *o++ = HEX[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

static void to_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char HEX[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[bytes[i] >> 4];
        out[2 * i + 1] = HEX[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

void ab_s3_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) || md_len != 32) {
        out[0] = '\0';
        return;
    }
    to_hex(md, 32, out);
}

void ab_s3_amz_time(time_t t, char amz_date[17], char date8[9])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm);
    strftime(date8, 9, "%Y%m%d", &tm);
}

static bool hmac(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out,
                &n) != NULL &&
           n == 32;
}

bool ab_s3_sign(const char *secret_key, const char *amz_date, const char *region,
                const char *canonical_request, char out[65])
{
    out[0] = '\0';
    if (strlen(amz_date) != 16)
        return false;
    char date8[9];
    memcpy(date8, amz_date, 8);
    date8[8] = '\0';

    char cr_hash[65];
    ab_s3_sha256_hex(canonical_request, strlen(canonical_request), cr_hash);
    if (!cr_hash[0])
        return false;
    size_t sts_len = strlen(amz_date) + strlen(region) + 128;
    char *sts = malloc(sts_len);
    if (!sts)
        return false;
    snprintf(sts, sts_len, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date, date8,
             region, cr_hash);

    size_t k_len = strlen(secret_key) + 5;
    char *k_secret = malloc(k_len);
    if (!k_secret) {
        free(sts);
        return false;
    }
    snprintf(k_secret, k_len, "AWS4%s", secret_key);
    unsigned char k1[32], k2[32], sig[32];
    bool ok = hmac(k_secret, k_len - 1, date8, k1) && hmac(k1, 32, region, k2) &&
              hmac(k2, 32, "s3", k1) && hmac(k1, 32, "aws4_request", k2) && hmac(k2, 32, sts, sig);
    /* the derived keys are as good as the secret for a day: do not leave them around */
    OPENSSL_cleanse(k_secret, k_len);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    free(k_secret);
    free(sts);
    if (ok)
        to_hex(sig, 32, out);
    return ok;
}

char *ab_s3_presign_url(const ab_s3_presign_req *req, char **canonical_out)
{
    if (canonical_out)
        *canonical_out = NULL;
    if (!req->method || !req->scheme || !req->host || !req->path || req->path[0] != '/' ||
        !req->access_key || !req->secret_key || !req->region || req->expires_s < 1 ||
        req->expires_s > 604800)
        return NULL;
    char amz_date[17], date8[9];
    ab_s3_amz_time(req->now, amz_date, date8);

    /* Credential is ACCESS/DATE/REGION/s3/aws4_request, its slashes encoded as %2F */
    size_t cred_len = strlen(req->access_key) + strlen(req->region) + 64;
    char *cred = malloc(cred_len);
    if (!cred)
        return NULL;
    snprintf(cred, cred_len, "%s/%s/%s/s3/aws4_request", req->access_key, date8, req->region);
    char *cred_enc = ab_s3_uri_encode(cred, false);
    free(cred);
    if (!cred_enc)
        return NULL;

    /* sorted by name: Algorithm < Credential < Date < Expires < SignedHeaders */
    size_t q_len = strlen(cred_enc) + 256;
    char *query = malloc(q_len);
    if (!query) {
        free(cred_enc);
        return NULL;
    }
    snprintf(query, q_len,
             "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
             "&X-Amz-Expires=%d&X-Amz-SignedHeaders=host",
             cred_enc, amz_date, req->expires_s);
    free(cred_enc);

    size_t cr_len =
        strlen(req->method) + strlen(req->path) + strlen(query) + strlen(req->host) + 64;
    char *canonical = malloc(cr_len);
    char *url = NULL;
    char sig[65];
    if (canonical) {
        snprintf(canonical, cr_len, "%s\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", req->method,
                 req->path, query, req->host);
        if (ab_s3_sign(req->secret_key, amz_date, req->region, canonical, sig)) {
            size_t url_len =
                strlen(req->scheme) + strlen(req->host) + strlen(req->path) + strlen(query) + 100;
            url = malloc(url_len);
            if (url)
                snprintf(url, url_len, "%s://%s%s?%s&X-Amz-Signature=%s", req->scheme, req->host,
                         req->path, query, sig);
        }
    }
    free(query);
    if (url && canonical_out)
        *canonical_out = canonical;
    else
        free(canonical);
    return url;
}
