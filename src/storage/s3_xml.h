/* The little XML that S3 answers with: ListObjectsV2 pages, multipart upload results and <Error>
 * bodies. Not a general parser: it finds elements by name, decodes entities and CDATA, and
 * refuses what it cannot read rather than guessing. Internal to src/storage; unit-tested on S3 and
 * MinIO samples. */
#ifndef AB_STORAGE_S3_XML_H
#define AB_STORAGE_S3_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "storage/storage.h"

/**
 * Text of the first element named tag (e.g. "Code") in xml[0..len), entities decoded.
 * Returns a malloc'd string (caller frees), "" for an empty element, NULL when absent or
 * malformed.
 */
char *ab_s3_xml_text(const char *xml, size_t len, const char *tag);

/** True when xml[0..len) holds a whole element named tag (with its end tag), e.g. the
 * <CompleteMultipartUploadResult> that tells a completed upload from an <Error>. */
bool ab_s3_xml_has(const char *xml, size_t len, const char *tag);

/**
 * Reads one ListObjectsV2 page: appends each Contents/Key to list (cap is its capacity, see
 * ab_storage_keys_append), sets *truncated from IsTruncated and *next_token (malloc'd, caller
 * frees; NULL when the page is the last). AB_ERR_REMOTE when the body is not a listing or is
 * truncated without a continuation token; AB_ERR_NOMEM.
 */
ab_err ab_s3_parse_list_page(const char *xml, size_t len, ab_storage_keys *list, size_t *cap,
                             bool *truncated, char **next_token);

#endif
