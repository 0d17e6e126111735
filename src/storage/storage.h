/* Object storage: one interface, two backends chosen by STORAGE_URL.
 *
 *   s3://BUCKET        any S3-compatible store (AWS, MinIO, ...). Requests are signed with AWS
 *                      Signature V4 by libcurl (CURLOPT_AWS_SIGV4); presigned GET URLs are
 *                      signed by our own code (query-string SigV4, UNSIGNED-PAYLOAD).
 *   file:///ABS/DIR    a local directory (development, tests, single-host setups). An object
 *                      is the file DIR/KEY; a "presigned" URL is the object's file:// URL, which
 *                      never expires and is only usable on the same host.
 *
 * Keys look like avatars/<user_id>/<avatar_id>/<photo_id>.<ext>. A key is 1-1024 bytes, does
 * not start with '/', has no control characters, no "..", no empty segment ("a//b", "a/"), and
 * no segment starting with '.' (the file backend keeps its temporary files under such names).
 *
 * Errors: AB_ERR_INVALID for a refused key or argument; AB_ERR_NOT_FOUND for a missing object
 * (get); AB_ERR_HTTP (connection failure, 5xx, 429) and AB_ERR_TIMEOUT are retryable (see
 * ab_storage_err_retryable); AB_ERR_REMOTE is a refusal that retrying will not fix (403
 * SignatureDoesNotMatch / AccessDenied, missing bucket, other 4xx: the S3 error code and message
 * are logged, never the secret key); AB_ERR_LIMIT for an object larger than max_object_size;
 * AB_ERR_CONFLICT (file backend only) when a key would need a file where a directory of other
 * keys is, or the reverse ("a/b" next to "a/b/c").
 * Deleting an object that does not exist succeeds (as on S3), so clean-up jobs can be re-run.
 *
 * One ab_storage per thread (it keeps one connection open for keep-alive), like the other
 * HTTP clients of the service. curl_global_init must have run (main does it).
 */
#ifndef AB_STORAGE_STORAGE_H
#define AB_STORAGE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef struct ab_storage ab_storage;

/** Where and how to store; strings are borrowed during ab_storage_open only (copied). */
typedef struct {
    const char *url;         /* STORAGE_URL: "s3://bucket" or "file:///absolute/dir" */
    const char *s3_endpoint; /* S3_ENDPOINT, e.g. "http://127.0.0.1:9000"; NULL or "" = AWS */
    const char *s3_public_endpoint; /* S3_PUBLIC_ENDPOINT: presigned URLs; NULL or "" = above */
    const char *s3_region;          /* S3_REGION; NULL or "" = "us-east-1" */
    const char *s3_access_key;      /* S3_ACCESS_KEY */
    const char *s3_secret_key;      /* S3_SECRET_KEY: secret, never logged */
    bool s3_force_path_style;       /* S3_FORCE_PATH_STYLE: http://host/bucket/key (MinIO) */
    int timeout_s;                  /* one request, whole transfer; 0 = 60 s */
    size_t max_object_size;         /* largest object ab_storage_get reads; 0 = 64 MiB */
    /* part size of S3 multipart uploads (ab_storage_put_file); 0 = AB_STORAGE_S3_PART_SIZE.
     * S3 refuses parts under 5 MiB but the last (EntityTooSmall): smaller only in tests. */
    size_t s3_part_size;
} ab_storage_config;

/** ab_storage_put_file's S3 part size: the memory one upload holds, and files up to this size
 * go as one PUT. S3 allows 5 MiB to 5 GiB per part and 10,000 parts. */
#define AB_STORAGE_S3_PART_SIZE ((size_t)8 << 20)

/** Keys found by ab_storage_list, sorted by byte value (S3's order). */
typedef struct {
    char **keys;
    size_t count;
} ab_storage_keys;

struct ab_config;
/** Opens the storage the service's configuration names (STORAGE_URL, S3_*). */
ab_err ab_storage_open_configured(const struct ab_config *cfg, ab_storage **out, char *why,
                                  size_t why_len);

/** AB_OK when key is acceptable as an object key (rules above), else AB_ERR_INVALID. */
ab_err ab_storage_check_key(const char *key);
/** True for errors worth retrying later with back-off (AB_ERR_HTTP, AB_ERR_TIMEOUT). */
bool ab_storage_err_retryable(ab_err err);

/**
 * Opens a storage handle. On failure *out is NULL and why (if not NULL) says what is wrong
 * with the configuration, without secrets. The file backend creates its directory.
 */
ab_err ab_storage_open(const ab_storage_config *cfg, ab_storage **out, char *why, size_t why_len);
void ab_storage_close(ab_storage *s);
/** "s3" or "file". */
const char *ab_storage_backend_name(const ab_storage *s);

/**
 * Stores len bytes (borrowed) under key, replacing any previous object atomically (readers see
 * the old or the new object, never a part). content_type NULL = application/octet-stream; the
 * file backend does not keep it.
 */
ab_err ab_storage_put(ab_storage *s, const char *key, const void *data, size_t len,
                      const char *content_type);
/**
 * Stores the first size bytes of the open file fd under key, like ab_storage_put, with memory
 * bounded whatever the size. The file is read with pread from offset 0 (its position is left
 * alone) and stays open (the caller closes it). S3: a file larger than one part
 * (AB_STORAGE_S3_PART_SIZE) goes as a multipart upload (CreateMultipartUpload, UploadPart per
 * part, CompleteMultipartUpload), aborted on any failure so that neither an object nor a pending
 * upload is left; holds one part in memory. File backend: copied piecewise into a temporary file
 * that is renamed over the object. A file shorter than size is AB_ERR_INTERNAL (logged);
 * AB_ERR_LIMIT past S3's 10,000 parts.
 */
ab_err ab_storage_put_file(ab_storage *s, const char *key, int fd, size_t size,
                           const char *content_type);
/** Reads an object. *data is malloc'd (caller frees) and NUL-terminated past *len. */
ab_err ab_storage_get(ab_storage *s, const char *key, unsigned char **data, size_t *len);
/** ab_storage_get of an object of at most max bytes (0 = max_object_size; a larger max counts as
 *  max_object_size): AB_ERR_LIMIT past it, from the file's size before reading (file backend)
 *  or once the download passes max (S3: no more than max bytes are held). */
ab_err ab_storage_get_max(ab_storage *s, const char *key, size_t max, unsigned char **data,
                          size_t *len);
/** Deletes an object; AB_OK when it did not exist. */
ab_err ab_storage_delete(ab_storage *s, const char *key);
/**
 * Lists every key that starts with prefix ("" = all; "avatars/7/" = one user's objects),
 * following S3's pagination. out is owned by the caller: ab_storage_keys_free.
 */
ab_err ab_storage_list(ab_storage *s, const char *prefix, ab_storage_keys *out);
void ab_storage_keys_free(ab_storage_keys *list);
/**
 * Deletes every object whose key starts with prefix (which must not be empty: no way to wipe
 * the whole bucket by mistake). *deleted (if not NULL) counts the objects removed, also when
 * an error stops the work part-way; re-running after an error is safe.
 */
ab_err ab_storage_delete_prefix(ab_storage *s, const char *prefix, size_t *deleted);
/**
 * A URL anyone holding it can GET the object with, for expires_s seconds (1..604800, SigV4's
 * limit). Caller frees *url. The object need not exist yet. The file backend returns the
 * object's file:// URL and ignores expires_s.
 */
ab_err ab_storage_presign_get(ab_storage *s, const char *key, int expires_s, char **url);

#endif
