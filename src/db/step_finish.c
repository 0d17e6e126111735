/* The end of a round's FSM steps as one statement. Its three writes are those of chat_save,
 * outbox_insert and inbox_mark_done (src/db/outbox.c, inbox.c), in data-modifying CTEs: all
 * run, in the round's transaction, whatever the outer query reads. Each step's calls get their
 * outbox ids in its array's order, as a chat's delivery order needs (the steps are of
 * different chats, so their order among each other does not matter). Rows are found by key
 * (`= ANY (ARRAY(…))`): a list from jsonb_to_recordset is planned as 100 rows, and a join
 * with it may read a table whole (a generic plan made on small tables did, 4-12 ms a call
 * under the bench's load). */
#include "db/step_finish.h"

static const ab_db_stmt FINISH = {
    "steps_finish",
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "           AS r(chat_id bigint, state text, data jsonb, calls jsonb, update_id bigint)),"
    " saved AS (UPDATE chat_state c SET state = r.state, data = coalesce(r.data, c.data),"
    "   version = c.version + 1, updated_at = now() FROM r"
    "   WHERE c.chat_id = ANY (ARRAY(SELECT chat_id FROM r)) AND c.chat_id = r.chat_id"
    "   AND r.state IS NOT NULL RETURNING 1),"
    " queued AS (INSERT INTO outbox"
    "   (chat_id, method, payload, source_update_id, batch_id, generation_id)"
    "   SELECT (c->>'chat_id')::bigint, c->>'method', c->'payload', r.update_id,"
    "   (c->>'batch_id')::bigint, (c->>'generation_id')::bigint"
    "   FROM r, jsonb_array_elements(coalesce(r.calls, '[]')) WITH ORDINALITY AS t(c, k)"
    "   ORDER BY r.update_id, k RETURNING 1),"
    " done AS (UPDATE inbox i SET status = 'done', handled_at = now()"
    "   WHERE i.update_id = ANY (ARRAY(SELECT update_id FROM r)) RETURNING 1)"
    " SELECT (SELECT count(*) FROM saved), (SELECT count(*) FROM queued),"
    " (SELECT count(*) FROM done)",
    1};

ab_err ab_db_steps_finish(ab_db *db, const char *steps_json)
{
    const char *params[] = {steps_json};
    return ab_db_exec(db, &FINISH, params, NULL);
}
