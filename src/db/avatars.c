/* Avatar and job statements used by the FSM step. */
#include "db/avatars.h"

#include <stdio.h>
#include <string.h>

static const ab_db_stmt LIST = {
    "avatars_list",
    "SELECT id, name, gender, training_type, status, photos_count, training_progress,"
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
    " (SELECT count(*) FROM avatar_photos p WHERE p.avatar_id = a.id"
    "  AND p.validation_status IN ('pending', 'valid'))"
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
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &RENAME, params, &res);
    if (err != AB_OK)
        return err;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found ? AB_OK : AB_ERR_NOT_FOUND;
}

static const ab_db_stmt DELETE = {
    "avatar_delete",
    "DELETE FROM avatars WHERE id = $2::bigint AND user_id = $1::bigint"
    " AND status <> 'training' RETURNING id",
    2};

ab_err ab_db_avatar_delete(ab_db *db, int64_t user_id, int64_t avatar_id)
{
    char uid[24], aid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id)};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &DELETE, params, &res);
    if (err != AB_OK)
        return err;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found ? AB_OK : AB_ERR_NOT_FOUND;
}
