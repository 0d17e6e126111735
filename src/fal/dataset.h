/* The training dataset FAL's trainers download: a ZIP of an avatar's photos, read one at a time
 * through the caller's reader (the training job reads them from object storage) into an
 * anonymous temporary file, which the caller stores (ab_storage_put_file). Entries are STORED
 * (JPEG/PNG do not compress) with a fixed modification time, so the same photos under the same
 * names always give the same bytes. Memory stays bounded whatever the dataset's size: one photo
 * while building (see dataset.c). */
#ifndef AB_FAL_DATASET_H
#define AB_FAL_DATASET_H

#include <stddef.h>

#include "core/error.h"

/** Largest total size of the photos of one dataset (sum of the objects read). */
#define AB_DATASET_MAX_INPUT_BYTES ((size_t)512 * 1024 * 1024)
/** Longest entry name, in bytes. */
#define AB_DATASET_MAX_NAME 64

/** Reads the photo called key: *data malloc'd (the build frees it), *len its size. Its error
 *  becomes the build's (e.g. AB_ERR_NOT_FOUND; storage's retryable AB_ERR_HTTP). */
typedef ab_err (*ab_dataset_read_fn)(void *ctx, const char *key, unsigned char **data, size_t *len);
typedef struct {
    ab_dataset_read_fn read;
    void *ctx;
} ab_dataset_reader;

/** One photo of the dataset; both strings are borrowed for the duration of the call. */
typedef struct {
    const char *key;  /* what the reader calls the photo (the training job: its storage key) */
    const char *name; /* entry name inside the ZIP, e.g. "photo_01.jpg"; a plain file name */
} ab_dataset_entry;

/**
 * AB_OK when name is acceptable as an entry name: 1..AB_DATASET_MAX_NAME bytes, no '/' or '\\'
 * (a plain file name, no directories), no "..", no control characters. Else AB_ERR_INVALID.
 */
ab_err ab_dataset_check_name(const char *name);

/**
 * Reads each photo through r and writes a ZIP of them, in the order given, into a new
 * temporary file in TMPDIR (else /tmp), already unlinked.
 * @param r          how to read a photo (used from this thread only)
 * @param entries    n photos; keys not NULL, names valid and distinct
 * @param max_input  cap on the photos' total size; 0 = AB_DATASET_MAX_INPUT_BYTES
 * @param fd         set to the file (caller closes) on AB_OK, -1 otherwise; read it with pread
 *                   or from its start (its offset is unspecified)
 * @param zip_len    the ZIP's length
 * @return AB_OK; AB_ERR_INVALID for n == 0, a NULL key, a bad or repeated name; the
 *         reader's error of the first failing read (from storage: AB_ERR_NOT_FOUND for a
 *         missing photo, AB_ERR_INVALID for a bad key, AB_ERR_HTTP and AB_ERR_TIMEOUT are
 *         retryable, see ab_storage_err_retryable); AB_ERR_LIMIT when the photos add up to
 *         more than the cap (or the reader refuses an object over its own limit);
 *         AB_ERR_NOMEM; AB_ERR_INTERNAL for a libzip or temporary file failure (logged; a full
 *         TMPDIR is one).
 */
ab_err ab_dataset_build_zip(const ab_dataset_reader *r, const ab_dataset_entry *entries, size_t n,
                            size_t max_input, int *fd, size_t *zip_len);

#endif
