/* Edits of a photo batch's status message (see batch_message.h). */
#include "workers/batch_message.h"

#include <stdlib.h>

#include "core/json.h"
#include "db/outbox.h"
#include "db/photos.h"
#include "fsm/effects.h"
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

ab_err ab_job_message_send(ab_db *db, int64_t chat_id, const char *text, json_t *kb)
{
    ab_effects fx;
    ab_fx_init(&fx);
    ab_err err = ab_fx_send(&fx, chat_id, text, kb);
    char *calls = err == AB_OK ? ab_json_dump(fx.calls) : NULL;
    err = err != AB_OK ? err : calls ? ab_db_outbox_insert(db, calls, 0) : AB_ERR_NOMEM;
    free(calls);
    ab_fx_free(&fx);
    return err;
}
