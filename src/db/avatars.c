/* Avatar and job statements used by the FSM step. */
#include "db/avatars.h"

#include "db/fal_submit.h"

#include <stdio.h>
#include <string.h>

static const ab_db_stmt LIST = {
    "avatars_list",
    "SELECT id, name, gender, training_type, status, photos_count, training_progress,"
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    " (SELECT count(*) FROM avatar_photos p WHERE p.avatar_id = a.id"
    "  AND p.validation_status IN ('pending', 'valid')),"
    " CASE WHEN a.lora_url IS NOT NULL THEN 1 WHEN a.finetune_id IS NOT NULL THEN 2 ELSE 0 END,"
    " (SELECT coalesce(sum(jsonb_array_length(g.file_ids)), 0) FROM generations g"
    "  WHERE g.avatar_id = a.id)"
    " FROM avatars a WHERE user_id = $1::bigint ORDER BY created_at, id LIMIT $2::int",
    2};

ab_err ab_db_avatars_list(ab_db *db, int64_t user_id, ab_avatar *out, int max, int *n)
{
    char uid[24], lim[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(lim, max)};
    PGresult *res = NULL;
    *n = 0;
    ab_err err = ab_db_exec(db, &LIST, params, &res);
    if (err != AB_OK)
        return err;
    for (int r = 0; r < PQntuples(res) && r < max; r++) {
        ab_avatar *a = &out[r];
        memset(a, 0, sizeof *a);
        a->id = ab_db_get_i64(res, r, 0);
        snprintf(a->name, sizeof a->name, "%s", PQgetvalue(res, r, 1));
        snprintf(a->gender, sizeof a->gender, "%s", PQgetvalue(res, r, 2));
        snprintf(a->training_type, sizeof a->training_type, "%s", PQgetvalue(res, r, 3));
        snprintf(a->status, sizeof a->status, "%s", PQgetvalue(res, r, 4));
        a->photos_count = (int)ab_db_get_i64(res, r, 5);
        a->progress = (int)ab_db_get_i64(res, r, 6);
        snprintf(a->created, sizeof a->created, "%s", PQgetvalue(res, r, 7));
        a->photos_total = (int)ab_db_get_i64(res, r, 8);
        a->model_kind = (int)ab_db_get_i64(res, r, 9);
        a->pictures = (int)ab_db_get_i64(res, r, 10);
        (*n)++;
    }
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt CREATE = {
    "avatar_create",
    "INSERT INTO avatars (user_id, name, gender, training_type, avatar_type)"
    " VALUES ($1::bigint, $2, $3, $4, coalesce($5, 'character')) RETURNING id",
    5};

ab_err ab_db_avatar_create(ab_db *db, int64_t user_id, const char *name, const char *gender,
                           const char *training_type, const char *avatar_type, int64_t *id)
{
    char uid[24];
    const char *params[] = {ab_db_i64(uid, user_id), name, gender, training_type, avatar_type};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &CREATE, params, &res);
    if (err != AB_OK)
        return err;
    *id = ab_db_get_i64(res, 0, 0);
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt RENAME = {"avatar_rename",
                                  "UPDATE avatars SET name = $3, updated_at = now()"
                                  " WHERE id = $2::bigint AND user_id = $1::bigint RETURNING id",
                                  3};

ab_err ab_db_avatar_rename(ab_db *db, int64_t user_id, int64_t avatar_id, const char *name)
{
    char uid[24], aid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id), name};
    bool found = false;
    ab_err err = ab_db_exec_found(db, &RENAME, params, &found);
    return err != AB_OK ? err : found ? AB_OK : AB_ERR_NOT_FOUND;
}

/* Its generations go with it (their rows by the foreign key, their pictures with the avatar's
 * stored objects); a generation still running is ended first, or its open run would keep the
 * user from making any other picture (a request FAL is still working on is then an extra whose
 * webhook finds nothing open). Its runs, trainings included, are detached first, as the record
 * of what was paid for: left to the foreign keys, the avatar's delete would empty their avatar
 * and their status message (a photo batch of the avatar) in two cascades of one statement,
 * which PostgreSQL refuses. Both run in the step's transaction: when the avatar cannot be
 * deleted (it is training), the step, and this, is rolled back. */
static const ab_db_stmt DETACH_RUNS = {
    "avatar_delete_runs",
    "UPDATE fal_requests SET avatar_id = NULL, status_batch_id = NULL, updated_at = now(),"
    " status = CASE WHEN kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES
    "   THEN 'cancelled' ELSE status END,"
    " error = CASE WHEN kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES
    "   THEN 'avatar deleted' ELSE error END,"
    " completed_at = CASE WHEN kind = 'generation' AND status IN " AB_DB_FAL_OPEN_STATES
    "   THEN now() ELSE completed_at END"
    " WHERE avatar_id = $2::bigint AND user_id = $1::bigint",
    2};

static const ab_db_stmt DELETE = {
    "avatar_delete",
    "DELETE FROM avatars WHERE id = $2::bigint AND user_id = $1::bigint"
    " AND status <> 'training' RETURNING id",
    2};

ab_err ab_db_avatar_delete(ab_db *db, int64_t user_id, int64_t avatar_id)
{
    char uid[24], aid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id)};
    bool found = false;
    ab_err err = ab_db_exec(db, &DETACH_RUNS, params, NULL);
    if (err == AB_OK)
        err = ab_db_exec_found(db, &DELETE, params, &found);
    return err != AB_OK ? err : found ? AB_OK : AB_ERR_NOT_FOUND;
}
