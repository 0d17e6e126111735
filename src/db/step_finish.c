/* The end of an FSM step as one statement. Its three writes are those of chat_save,
 * outbox_insert and inbox_mark_done (src/db/chat.c, outbox.c, inbox.c), in data-modifying
 * CTEs: all run, in the step's transaction, whatever the outer query reads; the calls get their
 * outbox ids in the array's order, as a chat's delivery order needs. */
#include "db/step_finish.h"

static const ab_db_stmt FINISH = {
    "step_finish",
    "WITH saved AS (UPDATE chat_state SET state = $2, data = coalesce($3::jsonb, data),"
    "   version = version + 1, updated_at = now() WHERE chat_id = $1::bigint RETURNING 1),"
    " queued AS (INSERT INTO outbox"
    "   (chat_id, method, payload, source_update_id, batch_id, generation_id)"
    "   SELECT (c->>'chat_id')::bigint, c->>'method', c->'payload', $5::bigint,"
    "   (c->>'batch_id')::bigint, (c->>'generation_id')::bigint"
    "   FROM jsonb_array_elements(coalesce($4::jsonb, '[]')) WITH ORDINALITY AS t(c, n)"
    "   ORDER BY n RETURNING 1),"
    " done AS (UPDATE inbox SET status = 'done', handled_at = now()"
    "   WHERE update_id = $5::bigint RETURNING 1)"
    " SELECT (SELECT count(*) FROM saved), (SELECT count(*) FROM queued),"
    " (SELECT count(*) FROM done)",
    5};

ab_err ab_db_step_finish(ab_db *db, int64_t chat_id, const char *state_name, const char *data_json,
                         const char *calls_json, int64_t update_id)
{
    char cid[24], uid[24];
    const char *params[] = {ab_db_i64(cid, chat_id), state_name, data_json, calls_json,
                            ab_db_i64(uid, update_id)};
    return ab_db_exec(db, &FINISH, params, NULL);
}
