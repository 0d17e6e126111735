/* The Bot API client (the one part of telegram/ that talks to the network; the wire_* files
 * are pure): calls $TELEGRAM_API_BASE/bot<token>/<method> with a JSON or a multipart/form-data
 * (file upload) body and decodes
 * Telegram's {ok, result | error_code, description, parameters.retry_after} answer. */
#ifndef AB_TELEGRAM_CLIENT_H
#define AB_TELEGRAM_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"

typedef struct ab_tg_client ab_tg_client;

typedef struct {
    long http_status;      /* 0 when no HTTP answer */
    bool ok;               /* Telegram's "ok" */
    int error_code;        /* Telegram's error_code (or http_status when absent) */
    char description[256]; /* Telegram's description or the transport error */
    int retry_after;       /* parameters.retry_after on 429, else 0 */
    json_t *result;        /* owned; "result" on success */
} ab_tg_response;

/** One client per thread. Strings are copied. */
ab_tg_client *ab_tg_client_new(const char *api_base, const char *token, int timeout_s);
void ab_tg_client_free(ab_tg_client *c);
/**
 * Calls method with a JSON object body. AB_OK when Telegram answered (ok or not: see resp);
 * AB_ERR_TIMEOUT / AB_ERR_HTTP when no usable answer came (resp->description says why).
 */
ab_err ab_tg_call(ab_tg_client *c, const char *method, const char *json_body, ab_tg_response *resp);

/* A file sent with ab_tg_call_multipart; all borrowed. */
typedef struct {
    const char *field; /* the multipart field (sendPhoto: "photo"; an album: its attach:// name) */
    const unsigned char *data;
    size_t len;
    const char *filename;
    const char *content_type;
} ab_tg_file;

/**
 * Like ab_tg_call, as multipart/form-data: payload's public fields as form fields
 * (ab_tg_form_value; its private "_" keys and any field a file replaces are left out), then
 * the files as file parts.
 */
ab_err ab_tg_call_multipart(ab_tg_client *c, const char *method, const json_t *payload,
                            const ab_tg_file *files, size_t n_files, ab_tg_response *resp);
void ab_tg_response_free(ab_tg_response *resp);
/**
 * Downloads a file by the file_path getFile returned, from $TELEGRAM_API_BASE/file/bot<token>/.
 * At most max_bytes (AB_ERR_LIMIT past it; the transfer is cut off). *data is malloc'd.
 * AB_ERR_NOT_FOUND on 404; AB_ERR_HTTP / AB_ERR_TIMEOUT for faults worth retrying.
 */
ab_err ab_tg_download(ab_tg_client *c, const char *file_path, size_t max_bytes,
                      unsigned char **data, size_t *len);

#endif
