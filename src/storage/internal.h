/* What storage.c (the front: argument checks, dispatch) shares with the two backends. Keys and
 * prefixes reaching a backend have already been validated. */
#ifndef AB_STORAGE_INTERNAL_H
#define AB_STORAGE_INTERNAL_H

#include <stddef.h>

#include "storage/storage.h"

typedef struct ab_storage_backend ab_storage_backend;

typedef struct {
    const char *name;
    ab_err (*put)(ab_storage_backend *b, const char *key, const void *data, size_t len,
                  const char *content_type);
    /* fd, size and content_type checked by storage.c */
    ab_err (*put_file)(ab_storage_backend *b, const char *key, int fd, size_t size,
                       const char *content_type);
    /* max: the largest object to read, at most the backend's max_object_size (0 = that) */
    ab_err (*get)(ab_storage_backend *b, const char *key, size_t max, unsigned char **data,
                  size_t *len);
    ab_err (*del)(ab_storage_backend *b, const char *key);
    ab_err (*list)(ab_storage_backend *b, const char *prefix, ab_storage_keys *out);
    ab_err (*presign_get)(ab_storage_backend *b, const char *key, int expires_s, char **url);
    void (*close)(ab_storage_backend *b);
} ab_storage_ops;

/** Opens the file backend on an absolute directory path (created when missing). */
ab_err ab_storage_file_open(const char *dir, size_t max_object_size, ab_storage_backend **out,
                            char *why, size_t why_len);
extern const ab_storage_ops ab_storage_file_ops;

/** Opens the S3 backend for bucket with the rest of cfg. */
ab_err ab_storage_s3_open(const char *bucket, const ab_storage_config *cfg,
                          ab_storage_backend **out, char *why, size_t why_len);
extern const ab_storage_ops ab_storage_s3_ops;

/** Appends a copy of key to list (growing it); AB_ERR_NOMEM on failure. */
ab_err ab_storage_keys_append(ab_storage_keys *list, size_t *cap, const char *key, size_t key_len);
/** Sorts list->keys by byte value. */
void ab_storage_keys_sort(ab_storage_keys *list);
/** Same rules as for keys, but "" and a trailing '/' are allowed (list and delete by prefix). */
ab_err ab_storage_check_prefix(const char *prefix);

#endif
