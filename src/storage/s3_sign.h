/* AWS Signature Version 4 pieces our own code computes, with OpenSSL. libcurl signs ordinary
 * (header-authenticated) requests itself; presigned URLs are ours. Internal to src/storage;
 * the unit tests check these against AWS's published examples. */
#ifndef AB_STORAGE_S3_SIGN_H
#define AB_STORAGE_S3_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/**
 * URI-encodes the way SigV4 (and S3) expects: A-Z a-z 0-9 '-' '.' '_' '~' stay, every other byte
 * becomes %XX with upper-case hex (so UTF-8 is encoded byte by byte, a space is %20, never '+').
 * keep_slash keeps '/' (an object key in a path); otherwise it is %2F (query values).
 * Returns a malloc'd string (caller frees) or NULL when out of memory.
 */
char *ab_s3_uri_encode(const char *in, bool keep_slash);

/** Lower-case hex SHA-256 of data; out holds 64 digits and a NUL. */
void ab_s3_sha256_hex(const void *data, size_t len, char out[65]);

/** t as SigV4's request time "YYYYMMDDTHHMMSSZ" and date "YYYYMMDD" (UTC). */
void ab_s3_amz_time(time_t t, char amz_date[17], char date8[9]);

/**
 * The signature (64 lower-case hex digits + NUL into out) of a canonical request, made at
 * amz_date ("YYYYMMDDTHHMMSSZ") for region and service "s3", with the secret key.
 * Returns false when OpenSSL fails.
 */
bool ab_s3_sign(const char *secret_key, const char *amz_date, const char *region,
                const char *canonical_request, char out[65]);

/** A presigned request: everything the URL depends on. */
typedef struct {
    const char *method; /* "GET" */
    const char *scheme; /* "https" or "http" */
    const char *host;   /* host[:port] exactly as clients will send it in Host */
    const char *path;   /* absolute, already URI-encoded: "/test.txt", "/bucket/a%20b.jpg" */
    const char *access_key;
    const char *secret_key; /* never copied into the URL */
    const char *region;
    time_t now;
    int expires_s; /* 1..604800 */
} ab_s3_presign_req;

/**
 * Builds scheme://host/path?X-Amz-Algorithm=...&X-Amz-Signature=... (query-string SigV4,
 * SignedHeaders=host, payload UNSIGNED-PAYLOAD). When canonical_out is not NULL it receives the
 * canonical request (tests). Returns the malloc'd URL (caller frees), NULL on bad arguments or
 * out of memory.
 */
char *ab_s3_presign_url(const ab_s3_presign_req *req, char **canonical_out);

#endif
