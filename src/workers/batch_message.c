/* Edits of a photo batch's status message (see batch_message.h). */
#include "workers/batch_message.h"

#include <stdlib.h>

#include "core/json.h"
#include "db/photos.h"
#include "telegram/wire_payload.h"

ab_err ab_batch_message_edit(ab_db *db, int64_t batch_id, int64_t chat_id, const char *text,
                             json_t *kb)
{
    json_t *payload = ab_tg_edit_message(chat_id, 0, text, kb);
    char *json = payload ? ab_json_dump(payload) : NULL;
    json_decref(payload);
    ab_err err = json ? ab_db_batch_status_edit(db, batch_id, chat_id, json) : AB_ERR_NOMEM;
    free(json);
    return err;
}
