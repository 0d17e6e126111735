/* Reading an outbox row's uploads from object storage (see sender_upload.h). */
#include "workers/sender_upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *limit_reason(const ab_tg_upload *u, size_t max)
{
    if (max < u->limit)
        return "what is left of the 50 MB one call may upload";
    return u->limit == AB_TG_UPLOAD_PHOTO_MAX ? "Telegram's limit for a photo"
                                              : "Telegram's limit for a file";
}

ab_err ab_upload_files_read(ab_storage *s, const json_t *payload, ab_upload_files *out, char *why,
                            size_t why_len)
{
    memset(out, 0, sizeof *out);
    ab_tg_upload uploads[AB_TG_UPLOADS_MAX];
    int n = ab_tg_uploads(payload, uploads, why, why_len);
    if (n < 0)
        return AB_ERR_INVALID;
    size_t held = 0;
    for (int i = 0; i < n; i++) {
        const ab_tg_upload *u = &uploads[i];
        /* the read itself is bounded: never more than this file may be, nor than the call has
         * left of its budget */
        size_t room = AB_TG_UPLOAD_CALL_MAX - held;
        size_t max = u->limit < room ? u->limit : room;
        unsigned char *data = NULL;
        size_t len = 0;
        ab_err err = max ? ab_storage_get_max(s, u->key, max, &data, &len) : AB_ERR_LIMIT;
        if (err != AB_OK) {
            if (err == AB_ERR_LIMIT)
                snprintf(why, why_len, "%s (%s) is larger than %zu bytes (%s)", u->field, u->key,
                         max, limit_reason(u, max));
            else
                snprintf(why, why_len, "%s (%s): storage: %s", u->field, u->key,
                         err == AB_ERR_NOT_FOUND ? "no such object" : ab_err_name(err));
            ab_upload_files_free(out);
            return err;
        }
        held += len;
        out->files[out->n++] = (ab_tg_file){.field = u->field,
                                            .data = data,
                                            .len = len,
                                            .filename = u->filename,
                                            .content_type = u->content_type};
    }
    return AB_OK;
}

void ab_upload_files_free(ab_upload_files *files)
{
    for (size_t i = 0; i < files->n; i++)
        free((void *)files->files[i].data);
    files->n = 0;
}
