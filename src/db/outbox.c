/* Outbox statements. Claiming is one statement: SKIP LOCKED spreads rows over senders, and a
 * row is deliverable only while it is its chat's oldest open row, which keeps each chat's order.
 * That check is a scalar subquery on purpose: it is always an index probe per candidate, where
 * a NOT EXISTS may be planned (from empty-table statistics, in a cached generic plan) as a scan
 * of every open row per claim. */
#include "db/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const ab_db_stmt INSERT = {
    "outbox_insert",
    "INSERT INTO outbox (chat_id, method, payload, source_update_id, batch_id, generation_id)"
    " SELECT (c->>'chat_id')::bigint, c->>'method', c->'payload', $2::bigint,"
    " (c->>'batch_id')::bigint, (c->>'generation_id')::bigint"
    " FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(c, n) ORDER BY n",
    2};

ab_err ab_db_outbox_insert(ab_db *db, const char *calls_json, int64_t source_update_id)
{
    char src[24];
    const char *params[] = {calls_json, source_update_id ? ab_db_i64(src, source_update_id) : NULL};
    return ab_db_exec(db, &INSERT, params, NULL);
}

/* Steps commit without waiting for the disk, and a step that a PostgreSQL crash loses is run
 * again from the durable inbox: a reply sent before its step reached the disk would then be
 * sent twice. So the claim itself commits synchronously (set_config(..., true) is SET LOCAL,
 * in one statement): its commit comes after those of the rows it saw, and returns once they
 * are all on disk. One flush covers every row of the batch, and joins any flush under way. */
static const ab_db_stmt CLAIM = {
    "outbox_claim",
    "WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))"
    " UPDATE outbox SET status = 'sending', attempts = attempts + 1,"
    " lease_until = now() + make_interval(secs => $1::int)"
    " FROM durable WHERE id = ANY(ARRAY(SELECT ab_outbox_heads($2::int)))" /* migration 0023 */
    " RETURNING id, chat_id, method, payload::text, attempts, coalesce(batch_id, 0),"
    " coalesce(source_update_id, 0),"
    " coalesce(ab_chat_pace_ahead(chat_id), -1e9)", /* migration 0024 */
    2};

static int by_id(const void *a, const void *b)
{
    int64_t x = ((const ab_outbox_row *)a)->id, y = ((const ab_outbox_row *)b)->id;
    return (x > y) - (x < y);
}

ab_err ab_db_outbox_claim(ab_db *db, int lease_s, int max, ab_outbox_batch *batch)
{
    char lease[24], limit[24];
    if (max < 1 || max > AB_OUTBOX_BATCH_MAX)
        max = AB_OUTBOX_BATCH_MAX;
    const char *params[] = {ab_db_i64(lease, lease_s), ab_db_i64(limit, max)};
    PGresult *res = NULL;
    memset(batch, 0, sizeof *batch);
    ab_err err = ab_db_exec(db, &CLAIM, params, &res);
    if (err != AB_OK)
        return err;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double claimed_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    for (int r = 0; r < PQntuples(res) && r < AB_OUTBOX_BATCH_MAX; r++) {
        ab_outbox_row *row = &batch->rows[batch->n];
        row->id = ab_db_get_i64(res, r, 0);
        row->chat_id = ab_db_get_i64(res, r, 1);
        snprintf(row->method, sizeof row->method, "%s", PQgetvalue(res, r, 2));
        row->payload = strdup(PQgetvalue(res, r, 3));
        row->attempts = (int)ab_db_get_i64(res, r, 4);
        row->batch_id = ab_db_get_i64(res, r, 5);
        row->update_id = ab_db_get_i64(res, r, 6);
        row->chat_tat = claimed_at + strtod(PQgetvalue(res, r, 7), NULL);
        if (!row->payload) {
            err = AB_ERR_NOMEM; /* the row's lease brings it back */
            continue;
        }
        batch->n++;
    }
    PQclear(res);
    qsort(batch->rows, (size_t)batch->n, sizeof batch->rows[0], by_id); /* a chat's order */
    return err;
}

/* The marks of delivered rows commit without waiting for the disk; an idle sender puts them
 * there with a synchronous rewrite of one row (a commit waits only if it wrote WAL). */
static const ab_db_stmt TOUCH = {
    "outbox_touch",
    "WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))"
    " UPDATE outbox SET lease_until = lease_until FROM durable WHERE id = $1::bigint",
    1};

ab_err ab_db_outbox_flush(ab_db *db, int64_t row_id)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, row_id)};
    return ab_db_exec(db, &TOUCH, params, NULL);
}

void ab_outbox_row_free(ab_outbox_row *row)
{
    free(row->payload);
    row->payload = NULL;
}

void ab_outbox_batch_free(ab_outbox_batch *batch)
{
    for (int i = 0; i < batch->n; i++)
        ab_outbox_row_free(&batch->rows[i]);
    batch->n = 0;
}

/* Rows delivered, marked together (issue 19: one statement for a sender's batch). A delivery
 * of generated pictures (generation_id) records the file_ids Telegram gave them: the largest
 * size of each message's photo (sendPhoto answers one message, sendMediaGroup an array of
 * them), so "more like this" and the pictures' history can show them again. */
static const ab_db_stmt SENT = {
    "outbox_sent",
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "   AS r(id bigint, result jsonb, paced boolean)),"
    " o AS (UPDATE outbox SET status = 'sent', sent_at = now(), lease_until = NULL,"
    "   result = r.result, error_code = NULL, last_error = NULL FROM r"
    "   WHERE outbox.id = ANY (ARRAY(SELECT id FROM r)) AND outbox.id = r.id" /* by key */
    "   RETURNING outbox.generation_id, outbox.chat_id, r.result, r.paced),"
    /* each paced message moves its chat's clock on by one interval ($2 seconds) */
    " paced AS (INSERT INTO chat_pace AS p (chat_id, tat)"
    "   SELECT chat_id, now() + count(*) * make_interval(secs => $2::float8) FROM o"
    "   WHERE paced GROUP BY chat_id"
    "   ON CONFLICT (chat_id) DO UPDATE SET tat = greatest(p.tat, now()) + (excluded.tat - now()))"
    " UPDATE generations g SET file_ids = (SELECT coalesce(jsonb_agg(m->'photo'->-1->'file_id'),"
    "   '[]') FROM jsonb_array_elements(CASE jsonb_typeof(o.result) WHEN 'array' THEN o.result"
    "   ELSE jsonb_build_array(o.result) END) m WHERE m->'photo'->-1 ? 'file_id')"
    " FROM o WHERE g.id = o.generation_id",
    2};

ab_err ab_db_outbox_sent(ab_db *db, const char *marks_json, double chat_interval_s)
{
    char interval[32];
    snprintf(interval, sizeof interval, "%.6f", chat_interval_s);
    const char *params[] = {marks_json, interval};
    return ab_db_exec(db, &SENT, params, NULL);
}

/* A chat whose clock has passed is paced as one never seen: its row goes. */
static const ab_db_stmt PACE_PRUNE = {"outbox_pace_prune",
                                      "DELETE FROM chat_pace WHERE tat < now()", 0};

ab_err ab_db_outbox_pace_prune(ab_db *db)
{
    return ab_db_exec(db, &PACE_PRUNE, NULL, NULL);
}

static const ab_db_stmt RETRY = {"outbox_retry",
                                 "UPDATE outbox SET status = 'pending', lease_until = NULL,"
                                 " not_before = now() + make_interval(secs => $2::float8),"
                                 " error_code = $3::int, last_error = left($4, 500),"
                                 " attempts = attempts - CASE WHEN $5::bool THEN 1 ELSE 0 END"
                                 " WHERE id = $1::bigint",
                                 5};

ab_err ab_db_outbox_retry(ab_db *db, int64_t id, double delay_s, int error_code, const char *error,
                          bool refund_attempt)
{
    char sid[24], delay[32], code[24];
    snprintf(delay, sizeof delay, "%.3f", delay_s);
    const char *params[] = {ab_db_i64(sid, id), delay,
                            error_code ? ab_db_i64(code, error_code) : NULL, error,
                            refund_attempt ? "true" : "false"};
    return ab_db_exec(db, &RETRY, params, NULL);
}

static const ab_db_stmt FAIL = {
    "outbox_fail",
    "UPDATE outbox SET status = 'failed', lease_until = NULL, error_code = $2::int,"
    " last_error = left($3, 500) WHERE id = $1::bigint",
    3};

ab_err ab_db_outbox_fail(ab_db *db, int64_t id, int error_code, const char *error)
{
    char sid[24], code[24];
    const char *params[] = {ab_db_i64(sid, id), error_code ? ab_db_i64(code, error_code) : NULL,
                            error};
    return ab_db_exec(db, &FAIL, params, NULL);
}

static const ab_db_stmt DROP_CHAT = {
    "outbox_drop_chat",
    "WITH dropped AS (UPDATE outbox SET status = 'dropped', lease_until = NULL,"
    "   error_code = 403, last_error = left($3, 500)"
    "   WHERE (id = $1::bigint OR (chat_id = $2::bigint AND status = 'pending'))"
    "   RETURNING 1)"
    " UPDATE users SET blocked_at = coalesce(blocked_at, now())"
    " WHERE id = (SELECT user_id FROM chat_state WHERE chat_id = $2::bigint)",
    3};

ab_err ab_db_outbox_drop_chat(ab_db *db, int64_t id, int64_t chat_id, const char *error)
{
    char sid[24], cid[24];
    const char *params[] = {ab_db_i64(sid, id), ab_db_i64(cid, chat_id), error};
    return ab_db_exec(db, &DROP_CHAT, params, NULL);
}

static const ab_db_stmt REWRITE = {
    "outbox_rewrite",
    "UPDATE outbox SET method = $2, payload = $3::jsonb, status = 'pending',"
    " lease_until = NULL, not_before = now() WHERE id = $1::bigint",
    3};

ab_err ab_db_outbox_rewrite(ab_db *db, int64_t id, const char *method, const char *payload)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, id), method, payload};
    return ab_db_exec(db, &REWRITE, params, NULL);
}

static const ab_db_stmt BATCH_MESSAGE = {
    "batch_message",
    "SELECT coalesce(status_message_id, 0) FROM photo_batches WHERE id = $1::bigint", 1};

ab_err ab_db_batch_message(ab_db *db, int64_t batch_id, int64_t *message_id)
{
    char bid[24];
    const char *params[] = {ab_db_i64(bid, batch_id)};
    PGresult *res = NULL;
    *message_id = 0;
    ab_err err = ab_db_exec(db, &BATCH_MESSAGE, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1)
        *message_id = ab_db_get_i64(res, 0, 0);
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt BATCH_SET_MESSAGE = {
    "batch_set_message",
    "UPDATE photo_batches SET status_message_id = $2::bigint WHERE id = $1::bigint", 2};

ab_err ab_db_batch_set_message(ab_db *db, int64_t batch_id, int64_t message_id)
{
    char bid[24], mid[24];
    const char *params[] = {ab_db_i64(bid, batch_id), ab_db_i64(mid, message_id)};
    return ab_db_exec(db, &BATCH_SET_MESSAGE, params, NULL);
}

static const ab_db_stmt RECOVER = {
    "outbox_recover",
    "WITH back AS (UPDATE outbox SET status = 'pending', lease_until = NULL"
    " WHERE status = 'sending' AND lease_until < now() RETURNING 1)"
    " SELECT count(*) FROM back",
    0};

ab_err ab_db_outbox_recover(ab_db *db, int64_t *recovered)
{
    return ab_db_exec_i64(db, &RECOVER, NULL, recovered);
}

static const ab_db_stmt PENDING = {
    "outbox_pending",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8"
    " FROM outbox WHERE status IN ('pending', 'sending')",
    0};

static const ab_db_stmt JOBS = {
    "jobs_stats",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(run_after)"
    " FILTER (WHERE status = 'pending' AND run_after <= now())), 0)::float8"
    " FROM jobs WHERE status IN ('pending', 'running')",
    0};

static ab_err count_and_age(ab_db *db, const ab_db_stmt *stmt, int64_t *count, double *age)
{
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, stmt, NULL, &res);
    if (err != AB_OK)
        return err;
    *count = ab_db_get_i64(res, 0, 0);
    *age = strtod(PQgetvalue(res, 0, 1), NULL);
    PQclear(res);
    return AB_OK;
}

ab_err ab_db_outbox_pending(ab_db *db, int64_t *pending, double *oldest_age_s)
{
    return count_and_age(db, &PENDING, pending, oldest_age_s);
}

ab_err ab_db_jobs_stats(ab_db *db, int64_t *pending, double *oldest_age_s)
{
    return count_and_age(db, &JOBS, pending, oldest_age_s);
}
