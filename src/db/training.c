/* Training run statements (see training.h). */
#include "db/training.h"

#include "db/fal_submit.h"
#include "db/photos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN_STATES AB_DB_FAL_OPEN_STATES

static const ab_db_stmt RETRYABLE = {
    "training_back_to_ready",
    "UPDATE avatars SET status = 'ready' WHERE id = $1::bigint AND user_id = $2::bigint"
    " AND status IN ('error', 'cancelled')",
    2};

static const ab_db_stmt START = {
    "training_start",
    "UPDATE avatars SET status = 'training', training_progress = 0,"
    " training_started_at = now(), fal_mode = $3, trainer = $4,"
    " trigger_phrase = $5, fal_request_id = NULL"
    " WHERE id = $1::bigint AND user_id = $2::bigint AND status IN ('ready', 'completed')"
    " AND photos_count >= 10"
    " RETURNING id",
    5};

static const ab_db_stmt OPEN_RUN = {
    "training_open_run",
    "WITH b AS (INSERT INTO photo_batches (chat_id, avatar_id, media_group_id)"
    "   VALUES ($3::bigint, $1::bigint, 'training:' || $1 || ':' ||"
    "   (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) RETURNING id)"
    " INSERT INTO fal_requests (request_id, avatar_id, user_id, app_id, status, mode, chat_id,"
    "   language, training_type, status_batch_id)"
    " SELECT 'pending:' || $1 || ':' || b.id, $1::bigint, $2::bigint, $4, 'preparing', $5,"
    "   $3::bigint, $6, $7, b.id FROM b"
    " RETURNING status_batch_id",
    7};

ab_err ab_db_training_start(ab_db *db, const ab_training_start *in, int64_t *batch_id)
{
    char aid[24], uid[24], cid[24];
    const char *p2[] = {ab_db_i64(aid, in->avatar_id), ab_db_i64(uid, in->user_id)};
    ab_err err = ab_db_exec(db, &RETRYABLE, p2, NULL);
    if (err != AB_OK)
        return err;
    const char *p5[] = {aid, uid, in->mode, in->app_id, in->trigger};
    int64_t id = 0;
    err = ab_db_exec_i64(db, &START, p5, &id);
    if (err != AB_OK)
        return err;
    if (id == 0)
        return AB_ERR_CONFLICT;
    const char *p7[] = {aid,
                        uid,
                        ab_db_i64(cid, in->chat_id),
                        in->app_id,
                        in->mode,
                        in->language,
                        in->training_type};
    return ab_db_exec_i64(db, &OPEN_RUN, p7, batch_id);
}

#define RUN_COLUMNS                                                                                \
    " r.request_id, r.status, r.mode, r.app_id, coalesce(r.avatar_id, 0), coalesce(r.user_id, 0)," \
    " coalesce(r.chat_id, 0), coalesce(r.status_batch_id, 0), coalesce(r.language, ''),"           \
    " coalesce(r.training_type, ''), coalesce(r.status_url, ''), coalesce(r.response_url, ''),"    \
    " coalesce(r.cancel_url, ''), r.progress, coalesce(r.progress_text, ''),"                      \
    " coalesce(extract(epoch FROM now() - r.progress_edited_at), -1)::float8,"                     \
    " extract(epoch FROM now() - r.submitted_at)::float8,"                                         \
    " coalesce(extract(epoch FROM now() - r.started_at), -1)::float8,"                             \
    " coalesce(a.status, ''), coalesce(a.name, ''), coalesce(a.avatar_type, ''),"                  \
    " coalesce(a.trigger_phrase, ''), coalesce(r.submit_nonce, ''),"                               \
    " coalesce(extract(epoch FROM now() - r.submitting_at), -1)::float8,"                          \
    " coalesce(extract(epoch FROM r.reconcile_until - now()), 0)::float8,"                         \
    " extract(epoch FROM now() - r.opened_at)::float8,"                                            \
    " greatest((SELECT count(*) FROM fal_submits s WHERE s.run_id = r.request_id"                  \
    "   AND s.outcome <> 'refused') - 1 - cardinality(r.extra_requests), 0),"                      \
    " coalesce(r.cancel_reason, '')"                                                               \
    " FROM fal_requests r LEFT JOIN avatars a ON a.id = r.avatar_id"

static const ab_db_stmt BY_AVATAR = {"training_by_avatar",
                                     "SELECT" RUN_COLUMNS
                                     " WHERE r.avatar_id = $1::bigint AND r.kind = 'training'"
                                     " AND r.status IN" OPEN_STATES,
                                     1};
static const ab_db_stmt BY_REQUEST = {
    "training_by_request", "SELECT" RUN_COLUMNS " WHERE r.request_id = $1 AND r.kind = 'training'",
    1};

static void copy(char *dst, size_t n, const PGresult *res, int c)
{
    snprintf(dst, n, "%s", PQgetvalue(res, 0, c));
}

static ab_err load_run(ab_db *db, const ab_db_stmt *stmt, const char *param, ab_training *t)
{
    const char *params[] = {param};
    PGresult *res = NULL;
    memset(t, 0, sizeof *t);
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_NOT_FOUND;
    }
    copy(t->request_id, sizeof t->request_id, res, 0);
    copy(t->status, sizeof t->status, res, 1);
    copy(t->mode, sizeof t->mode, res, 2);
    copy(t->app_id, sizeof t->app_id, res, 3);
    t->avatar_id = ab_db_get_i64(res, 0, 4);
    t->user_id = ab_db_get_i64(res, 0, 5);
    t->chat_id = ab_db_get_i64(res, 0, 6);
    t->batch_id = ab_db_get_i64(res, 0, 7);
    copy(t->language, sizeof t->language, res, 8);
    copy(t->training_type, sizeof t->training_type, res, 9);
    copy(t->status_url, sizeof t->status_url, res, 10);
    copy(t->response_url, sizeof t->response_url, res, 11);
    copy(t->cancel_url, sizeof t->cancel_url, res, 12);
    t->progress = (int)ab_db_get_i64(res, 0, 13);
    copy(t->progress_text, sizeof t->progress_text, res, 14);
    t->since_edit_s = atof(PQgetvalue(res, 0, 15));
    t->elapsed_s = atof(PQgetvalue(res, 0, 16));
    t->running_s = atof(PQgetvalue(res, 0, 17));
    copy(t->avatar_status, sizeof t->avatar_status, res, 18);
    copy(t->avatar_name, sizeof t->avatar_name, res, 19);
    copy(t->avatar_type, sizeof t->avatar_type, res, 20);
    copy(t->trigger, sizeof t->trigger, res, 21);
    copy(t->nonce, sizeof t->nonce, res, 22);
    t->submitting_s = atof(PQgetvalue(res, 0, 23));
    t->reconcile_left_s = atof(PQgetvalue(res, 0, 24));
    t->opened_s = atof(PQgetvalue(res, 0, 25));
    t->unseen_attempts = (int)ab_db_get_i64(res, 0, 26);
    copy(t->cancel_reason, sizeof t->cancel_reason, res, 27);
    PQclear(res);
    return AB_OK;
}

ab_err ab_db_training_open(ab_db *db, int64_t avatar_id, ab_training *out)
{
    char aid[24];
    return load_run(db, &BY_AVATAR, ab_db_i64(aid, avatar_id), out);
}

ab_err ab_db_training_by_request(ab_db *db, const char *request_id, ab_training *out)
{
    return load_run(db, &BY_REQUEST, request_id, out);
}

static const ab_db_stmt PHOTO_KEYS = {
    "training_photo_keys",
    "SELECT storage_key FROM avatar_photos WHERE avatar_id = $1::bigint"
    " AND validation_status = 'valid' AND storage_key IS NOT NULL ORDER BY id",
    1};

ab_err ab_db_training_photo_keys(ab_db *db, int64_t avatar_id, char ***keys, size_t *n)
{
    char aid[24];
    const char *params[] = {ab_db_i64(aid, avatar_id)};
    return ab_db_exec_strings(db, &PHOTO_KEYS, params, keys, n);
}

static const ab_db_stmt PROGRESS = {
    "training_progress",
    "WITH r AS (UPDATE fal_requests SET status = CASE WHEN status IN ('preparing',"
    "   'submitting', 'reconciling', 'cancelling') THEN status"
    "   ELSE $2 END, progress = greatest(progress, $3::int),"
    "   started_at = CASE WHEN $2 = 'in_progress' THEN coalesce(started_at, now())"
    "   ELSE started_at END,"
    "   progress_text = coalesce($4, progress_text),"
    "   progress_edited_at = CASE WHEN $4 IS NULL THEN progress_edited_at ELSE now() END,"
    "   updated_at = now()"
    "   WHERE request_id = $1 AND status IN " OPEN_STATES " RETURNING avatar_id, progress)"
    " UPDATE avatars a SET training_progress = r.progress FROM r"
    " WHERE a.id = r.avatar_id AND a.status = 'training'",
    4};

ab_err ab_db_training_progress(ab_db *db, const ab_training *t, const char *status, int percent,
                               const char *text)
{
    char pct[24];
    const char *params[] = {t->request_id, status, ab_db_i64(pct, percent), text};
    return ab_db_exec(db, &PROGRESS, params, NULL);
}

static const ab_db_stmt FINISH_RUN = {
    "training_finish_run",
    "UPDATE fal_requests SET status = $2, result = $3::jsonb, error = left($4, 2000),"
    " progress = CASE WHEN $2 = 'completed' THEN 100 ELSE progress END,"
    " completed_at = now(), updated_at = now()"
    " WHERE request_id = $1 AND status IN " OPEN_STATES " AND ($5::text IS NULL OR status = $5)"
    " RETURNING coalesce(avatar_id, 0)",
    5};

/* A training that completes replaces the model; one that does not leaves the model of an
 * earlier training in place, and its avatar completed with it (a retrain that failed). */
static const ab_db_stmt FINISH_AVATAR = {
    "training_finish_avatar",
    "UPDATE avatars SET"
    " status = CASE WHEN $2 <> 'completed' AND (lora_url IS NOT NULL OR finetune_id IS NOT NULL)"
    "   THEN 'completed' ELSE $2 END,"
    " training_progress = CASE WHEN $2 = 'completed' THEN 100"
    "   WHEN lora_url IS NOT NULL OR finetune_id IS NOT NULL THEN 100"
    "   WHEN $2 = 'ready' THEN 0 ELSE training_progress END,"
    " training_completed_at = CASE WHEN $2 = 'completed' THEN now()"
    "   WHEN lora_url IS NOT NULL OR finetune_id IS NOT NULL THEN training_completed_at END,"
    " lora_url = CASE WHEN $2 = 'completed' THEN $3 ELSE lora_url END,"
    " finetune_id = CASE WHEN $2 = 'completed' THEN $4 ELSE finetune_id END"
    " WHERE id = $1::bigint AND status = 'training'",
    4};

ab_err ab_db_training_finish(ab_db *db, const char *request_id, const ab_training_end *end,
                             bool *ended)
{
    const char *params[] = {request_id, end->run_status, end->result_json, end->error,
                            end->only_from};
    int64_t avatar_id = 0;
    PGresult *res = NULL;
    *ended = false;
    ab_err err = ab_db_exec(db, &FINISH_RUN, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        *ended = true;
        avatar_id = ab_db_get_i64(res, 0, 0);
    }
    PQclear(res);
    if (!*ended || !avatar_id)
        return AB_OK;
    char aid[24];
    const char *p2[] = {ab_db_i64(aid, avatar_id), end->avatar_status, end->lora_url,
                        end->finetune_id};
    return ab_db_exec(db, &FINISH_AVATAR, p2, NULL);
}

static const ab_db_stmt CANCELLING = {
    "training_cancelling",
    "UPDATE fal_requests SET status = 'cancelling', cancel_reason = $2, updated_at = now()"
    " WHERE request_id = $1 AND status IN ('submitted', 'in_queue', 'in_progress')"
    " RETURNING 1",
    2};

ab_err ab_db_training_cancelling(ab_db *db, const char *request_id, const char *reason, bool *moved)
{
    const char *params[] = {request_id, reason};
    int64_t one = 0;
    ab_err err = ab_db_exec_i64(db, &CANCELLING, params, &one);
    *moved = err == AB_OK && one == 1;
    return err;
}
