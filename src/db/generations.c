/* Generation statements (see generations.h). */
#include "db/generations.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/fal_submit.h"

/* The run's placeholder id is 'pending:gen:<batch>' until FAL's is adopted (generations
 * follow it: ON UPDATE CASCADE). Nothing is opened while the user has one running. */
static const ab_db_stmt START = {
    "generation_start",
    "WITH b AS (INSERT INTO photo_batches (chat_id, avatar_id, media_group_id)"
    "   SELECT $2::bigint, $3::bigint, 'generation:' || $3 || ':' ||"
    "   (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    "   WHERE NOT EXISTS (SELECT 1 FROM fal_requests WHERE user_id = $1::bigint"
    "   AND kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES ")"
    "   RETURNING id),"
    " r AS (INSERT INTO fal_requests (request_id, kind, avatar_id, user_id, app_id, status, mode,"
    "   chat_id, language, status_batch_id)"
    "   SELECT 'pending:gen:' || b.id, 'generation', $3::bigint, $1::bigint, $4, 'preparing', $5,"
    "   $2::bigint, $6, b.id FROM b RETURNING request_id, status_batch_id),"
    " g AS (INSERT INTO generations (user_id, avatar_id, request_id, chat_id, preset, prompt,"
    "   aspect, count, seed, mode)"
    "   SELECT $1::bigint, $3::bigint, r.request_id, $2::bigint, $7, $8, $9, $10::int,"
    "   $11::bigint, $5 FROM r RETURNING id)"
    " SELECT g.id, r.status_batch_id FROM g, r",
    11};

ab_err ab_db_generation_start(ab_db *db, const ab_generation_start *in, int64_t *generation_id,
                              int64_t *batch_id)
{
    char uid[24], cid[24], aid[24], count[24], seed[24];
    const char *p[] = {ab_db_i64(uid, in->user_id),
                       ab_db_i64(cid, in->chat_id),
                       ab_db_i64(aid, in->avatar_id),
                       in->app_id,
                       in->mode,
                       in->language,
                       in->preset,
                       in->prompt,
                       in->aspect,
                       ab_db_i64(count, in->count),
                       ab_db_i64(seed, in->seed)};
    PGresult *res = NULL;
    *generation_id = *batch_id = 0;
    ab_err err = ab_db_exec(db, &START, p, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        *generation_id = ab_db_get_i64(res, 0, 0);
        *batch_id = ab_db_get_i64(res, 0, 1);
    }
    PQclear(res);
    return *generation_id ? AB_OK : AB_ERR_CONFLICT;
}

#define COLUMNS                                                                                    \
    " g.id, g.user_id, g.avatar_id, g.chat_id, coalesce(r.status_batch_id, 0), g.status,"          \
    " coalesce(g.request_id, ''), coalesce(r.status, ''), g.mode, coalesce(r.app_id, ''),"         \
    " coalesce(r.language, ''), coalesce(r.status_url, ''), coalesce(r.response_url, ''),"         \
    " coalesce(r.cancel_url, ''), coalesce(r.submit_nonce, ''),"                                   \
    " coalesce(extract(epoch FROM now() - r.submitting_at), -1)::float8,"                          \
    " coalesce(extract(epoch FROM r.reconcile_until - now()), 0)::float8,"                         \
    " coalesce(extract(epoch FROM now() - r.opened_at), 0)::float8,"                               \
    " extract(epoch FROM now() - g.created_at)::float8,"                                           \
    " coalesce(extract(epoch FROM now() - r.progress_edited_at), -1)::float8,"                     \
    " coalesce(r.progress_text, ''),"                                                              \
    " greatest((SELECT count(*) FROM fal_submits s WHERE s.run_id = r.request_id"                  \
    "   AND s.outcome <> 'refused') - 1 - coalesce(cardinality(r.extra_requests), 0), 0),"         \
    " coalesce(g.preset, ''), g.prompt, g.aspect, g.count, g.seed, coalesce(a.name, ''),"          \
    " coalesce(a.gender, ''), coalesce(a.trigger_phrase, ''), coalesce(a.lora_url, ''),"           \
    " coalesce(a.finetune_id, '')"                                                                 \
    " FROM generations g LEFT JOIN fal_requests r ON r.request_id = g.request_id"                  \
    " LEFT JOIN avatars a ON a.id = g.avatar_id"

static const ab_db_stmt BY_ID = {"generation_by_id", "SELECT" COLUMNS " WHERE g.id = $1::bigint",
                                 1};
static const ab_db_stmt BY_REQUEST = {"generation_by_request",
                                      "SELECT" COLUMNS " WHERE g.request_id = $1", 1};

static void copy(char *dst, size_t n, const PGresult *res, int c)
{
    snprintf(dst, n, "%s", PQgetvalue(res, 0, c));
}

static ab_err load(ab_db *db, const ab_db_stmt *stmt, const char *param, ab_generation *g)
{
    const char *params[] = {param};
    PGresult *res = NULL;
    memset(g, 0, sizeof *g);
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_NOT_FOUND;
    }
    g->id = ab_db_get_i64(res, 0, 0);
    g->user_id = ab_db_get_i64(res, 0, 1);
    g->avatar_id = ab_db_get_i64(res, 0, 2);
    g->chat_id = ab_db_get_i64(res, 0, 3);
    g->batch_id = ab_db_get_i64(res, 0, 4);
    copy(g->status, sizeof g->status, res, 5);
    copy(g->request_id, sizeof g->request_id, res, 6);
    copy(g->run_status, sizeof g->run_status, res, 7);
    copy(g->mode, sizeof g->mode, res, 8);
    copy(g->app_id, sizeof g->app_id, res, 9);
    copy(g->language, sizeof g->language, res, 10);
    copy(g->status_url, sizeof g->status_url, res, 11);
    copy(g->response_url, sizeof g->response_url, res, 12);
    copy(g->cancel_url, sizeof g->cancel_url, res, 13);
    copy(g->nonce, sizeof g->nonce, res, 14);
    g->submitting_s = atof(PQgetvalue(res, 0, 15));
    g->reconcile_left_s = atof(PQgetvalue(res, 0, 16));
    g->opened_s = atof(PQgetvalue(res, 0, 17));
    g->elapsed_s = atof(PQgetvalue(res, 0, 18));
    g->since_edit_s = atof(PQgetvalue(res, 0, 19));
    copy(g->progress_text, sizeof g->progress_text, res, 20);
    g->unseen_attempts = (int)ab_db_get_i64(res, 0, 21);
    copy(g->preset, sizeof g->preset, res, 22);
    copy(g->prompt, sizeof g->prompt, res, 23);
    copy(g->aspect, sizeof g->aspect, res, 24);
    g->count = (int)ab_db_get_i64(res, 0, 25);
    g->seed = ab_db_get_i64(res, 0, 26);
    copy(g->avatar_name, sizeof g->avatar_name, res, 27);
    copy(g->gender, sizeof g->gender, res, 28);
    copy(g->trigger, sizeof g->trigger, res, 29);
    copy(g->lora_url, sizeof g->lora_url, res, 30);
    copy(g->finetune_id, sizeof g->finetune_id, res, 31);
    PQclear(res);
    return AB_OK;
}

ab_err ab_db_generation_load(ab_db *db, int64_t id, ab_generation *out)
{
    char gid[24];
    return load(db, &BY_ID, ab_db_i64(gid, id), out);
}

ab_err ab_db_generation_by_request(ab_db *db, const char *request_id, ab_generation *out)
{
    return load(db, &BY_REQUEST, request_id, out);
}

static const ab_db_stmt PROGRESS = {
    "generation_progress",
    "UPDATE fal_requests SET status = CASE WHEN status IN ('preparing', 'submitting',"
    "   'reconciling', 'cancelling') THEN status ELSE $2 END,"
    " started_at = CASE WHEN $2 = 'in_progress' THEN coalesce(started_at, now())"
    "   ELSE started_at END,"
    " progress_text = coalesce($3, progress_text),"
    " progress_edited_at = CASE WHEN $3 IS NULL THEN progress_edited_at ELSE now() END,"
    " updated_at = now()"
    " WHERE request_id = $1 AND kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES,
    3};

ab_err ab_db_generation_progress(ab_db *db, const ab_generation *g, const char *run_status,
                                 const char *text)
{
    const char *params[] = {g->request_id, run_status, text};
    return ab_db_exec(db, &PROGRESS, params, NULL);
}

static const ab_db_stmt FINISH = {
    "generation_finish",
    "WITH r AS (UPDATE fal_requests SET status = $2, result = $3::jsonb, error = left($5, 2000),"
    "   completed_at = now(), updated_at = now()"
    "   WHERE request_id = $1 AND kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES
    "   RETURNING request_id)"
    " UPDATE generations g SET status = $4, images = coalesce($6::jsonb, g.images),"
    " error = left($5, 2000), finished_at = now()"
    " FROM r WHERE g.request_id = r.request_id AND g.status = 'running' RETURNING g.id",
    6};

ab_err ab_db_generation_finish(ab_db *db, const ab_generation *g, const ab_generation_end *end,
                               bool *ended)
{
    const char *params[] = {g->request_id, end->run_status, end->result_json,
                            end->status,   end->error,      end->images_json};
    return ab_db_exec_found(db, &FINISH, params, ended);
}

static const ab_db_stmt VIEW = {
    "generation_view",
    "SELECT id, avatar_id, coalesce(preset, ''), prompt, aspect, count, status, images::text"
    " FROM generations WHERE id = $2::bigint AND user_id = $1::bigint",
    2};

ab_err ab_db_generation_view(ab_db *db, int64_t user_id, int64_t id, ab_generation_view *out)
{
    char uid[24], gid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(gid, id)};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    ab_err err = ab_db_exec(db, &VIEW, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_NOT_FOUND;
    }
    out->id = ab_db_get_i64(res, 0, 0);
    out->avatar_id = ab_db_get_i64(res, 0, 1);
    copy(out->preset, sizeof out->preset, res, 2);
    copy(out->prompt, sizeof out->prompt, res, 3);
    copy(out->aspect, sizeof out->aspect, res, 4);
    out->count = (int)ab_db_get_i64(res, 0, 5);
    copy(out->status, sizeof out->status, res, 6);
    json_t *images = json_loads(PQgetvalue(res, 0, 7), 0, NULL);
    PQclear(res);
    size_t i;
    json_t *img;
    json_array_foreach(images, i, img)
    {
        const char *key = json_string_value(json_object_get(img, "key"));
        if (key && !json_is_true(json_object_get(img, "nsfw")) &&
            out->n_keys < AB_GENERATION_IMAGES_MAX)
            snprintf(out->keys[out->n_keys++], sizeof out->keys[0], "%s", key);
    }
    json_decref(images);
    return AB_OK;
}

static const ab_db_stmt USAGE = {
    "generation_usage",
    "SELECT EXISTS (SELECT 1 FROM fal_requests WHERE user_id = $1::bigint"
    "   AND kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES ")::int,"
    " coalesce((SELECT sum(count) FROM generations WHERE user_id = $1::bigint"
    "   AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    "   AND status <> 'failed'), 0)",
    1};

ab_err ab_db_generation_usage(ab_db *db, int64_t user_id, bool *running, int *images_today)
{
    char uid[24];
    const char *params[] = {ab_db_i64(uid, user_id)};
    PGresult *res = NULL;
    *running = false;
    *images_today = 0;
    ab_err err = ab_db_exec(db, &USAGE, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        *running = ab_db_get_i64(res, 0, 0) != 0;
        *images_today = (int)ab_db_get_i64(res, 0, 1);
    }
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt PICTURES = {
    "generation_pictures",
    "SELECT f.file_id, count(*) OVER () FROM generations g,"
    " jsonb_array_elements_text(g.file_ids) WITH ORDINALITY AS f(file_id, n)"
    " WHERE g.avatar_id = $2::bigint AND g.user_id = $1::bigint"
    " ORDER BY g.id DESC, f.n LIMIT $3::int OFFSET $4::int",
    4};

ab_err ab_db_generation_pictures(ab_db *db, int64_t user_id, int64_t avatar_id, int page,
                                 ab_photo *out, int *n, int *total)
{
    char uid[24], aid[24], lim[24], off[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id),
                            ab_db_i64(lim, AB_PICTURES_PAGE),
                            ab_db_i64(off, (int64_t)(page < 0 ? 0 : page) * AB_PICTURES_PAGE)};
    PGresult *res = NULL;
    *n = *total = 0;
    ab_err err = ab_db_exec(db, &PICTURES, params, &res);
    if (err != AB_OK)
        return err;
    for (int r = 0; r < PQntuples(res) && r < AB_PICTURES_PAGE; r++) {
        out[r].id = r;
        snprintf(out[r].file_id, sizeof out[r].file_id, "%s", PQgetvalue(res, r, 0));
        *total = (int)ab_db_get_i64(res, r, 1);
        (*n)++;
    }
    PQclear(res);
    return AB_OK;
}
