/* What the S3 backend's files share: the handle, and one signed request with its outcome.
 * s3_backend.c holds the simple object operations, s3_multipart.c the multipart upload of
 * large files. Internal to src/storage. */
#ifndef AB_STORAGE_S3_INTERNAL_H
#define AB_STORAGE_S3_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/http_client.h"
#include "storage/internal.h"

/* hex SHA-256 of the empty string: the payload hash of bodiless requests */
#define AB_S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Where the bucket is reached: the API endpoint, and optionally a public one for presigned
 * URLs (S3_PUBLIC_ENDPOINT: FAL fetches datasets from outside the cluster). */
typedef struct {
    char *scheme;    /* "http" or "https" */
    char *host;      /* host[:port] as sent in Host (default ports left out, as clients do) */
    char *base_path; /* "" (virtual-hosted) or "/BUCKET" (path style) */
} ab_s3_address;

struct ab_storage_backend {
    ab_http_client *http;
    char *bucket;
    ab_s3_address api;
    ab_s3_address pub; /* all NULL: presigned URLs use api */
    char *region;
    char *access_key;
    char *secret_key;
    char sigv4[96]; /* "aws:amz:REGION:s3" */
    int timeout_s;
    size_t max_object_size;
    size_t part_size; /* multipart part size (ab_storage_config.s3_part_size) */
};

/** scheme://host/base/<encoded key>[?query] (query already canonical); caller frees. */
char *ab_s3_object_url(const ab_storage_backend *b, const char *key, const char *query);

/** One request signed with the backend's keys; resp must be freed by the caller. */
typedef struct {
    const char *method;
    const char *url;
    const char *const *headers; /* must hold x-amz-content-sha256 (see s3_backend.c) */
    const void *body;
    size_t body_len;
    size_t max_response; /* 0 = the client's default */
    const char *keep_header;
} ab_s3_request;
ab_err ab_s3_perform(ab_storage_backend *b, const ab_s3_request *r, ab_http_response *resp);

/**
 * The ab_err of a request's result (transport error, HTTP status, S3's error code), logging what
 * an operator needs (op, key, status, S3's code and message), never the URL or a secret.
 */
ab_err ab_s3_outcome(const ab_storage_backend *b, const char *op, const char *key, ab_err transport,
                     const ab_http_response *r);

/** The ab_err for S3 error code (from an error body), as ab_s3_outcome maps it. */
ab_err ab_s3_code_err(long status, const char *code);

/** PUT of one object from memory. */
ab_err ab_s3_put(ab_storage_backend *b, const char *key, const void *data, size_t len,
                 const char *content_type);

/** The put_file operation (s3_multipart.c). */
ab_err ab_s3_put_file(ab_storage_backend *b, const char *key, int fd, size_t size,
                      const char *content_type);

#endif
