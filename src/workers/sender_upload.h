/* The files of an outbox row that uploads them ("_upload", see telegram/wire_upload.h), read
 * from object storage for the sender, each within Telegram's limit for its kind and all within
 * what one call may hold (AB_TG_UPLOAD_CALL_MAX). */
#ifndef AB_WORKERS_SENDER_UPLOAD_H
#define AB_WORKERS_SENDER_UPLOAD_H

#include <jansson.h>

#include "storage/storage.h"
#include "telegram/client.h"
#include "telegram/wire_upload.h"

typedef struct {
    ab_tg_file files[AB_TG_UPLOADS_MAX]; /* data malloc'd, strings borrowed from the payload */
    size_t n;
} ab_upload_files;

/**
 * Reads every file of payload's "_upload" (borrowed: it must outlive out). On failure nothing
 * is held and why names the file and the reason: AB_ERR_INVALID for a malformed "_upload" or
 * key, AB_ERR_NOT_FOUND for a missing object, AB_ERR_LIMIT for one too large, the storage's
 * error otherwise (ab_storage_err_retryable says whether to try again).
 */
ab_err ab_upload_files_read(ab_storage *s, const json_t *payload, ab_upload_files *out, char *why,
                            size_t why_len);
void ab_upload_files_free(ab_upload_files *files);

#endif
