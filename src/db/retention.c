/* Retention statements (see retention.h). */
#include "db/retention.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/fal_submit.h"
#include "db/jobs.h"

/* $1: the retention in days, $2: the clock's offset in days */
#define OLDER_THAN(column)                                                                         \
    column " < now() + make_interval(days => $2::int) - make_interval(days => $1::int)"

/* The photos of completed avatars whose last training completed long enough ago, with who
 * owns them (for the deletion jobs' rows). */
static const ab_db_stmt PHOTOS = {
    "retention_photos",
    "DELETE FROM avatar_photos p USING avatars a"
    " WHERE p.avatar_id = a.id AND a.status = 'completed' AND " OLDER_THAN(
        "a.training_completed_at") " RETURNING coalesce(p.storage_key, ''), p.user_id",
    2};

static const ab_db_stmt DATASETS = {
    "retention_datasets",
    "UPDATE fal_requests f SET dataset_key = NULL FROM"
    " (SELECT r.request_id, r.dataset_key, r.user_id FROM fal_requests r JOIN avatars a"
    "  ON a.id = r.avatar_id WHERE r.kind = 'training' AND r.dataset_key IS NOT NULL"
    "  AND a.status = 'completed' AND " OLDER_THAN(
        "a.training_completed_at") " AND r.status NOT IN " AB_DB_FAL_OPEN_STATES ") o"
                                   " WHERE f.request_id = o.request_id RETURNING o.dataset_key, "
                                   "coalesce(o.user_id, 0)",
    2};

static const ab_db_stmt RECORDS[] = {
    {"retention_messages",
     "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') AND " OLDER_THAN(
         "created_at"),
     2},
    {"retention_jobs",
     "DELETE FROM jobs WHERE status IN ('done', 'dead') AND " OLDER_THAN("updated_at"), 2},
    {"retention_batches",
     "DELETE FROM photo_batches b WHERE " OLDER_THAN(
         "b.created_at") " AND NOT EXISTS (SELECT 1 FROM fal_requests f"
                         " WHERE f.status_batch_id = b.id AND f.status IN " AB_DB_FAL_OPEN_STATES
                         ") AND NOT EXISTS (SELECT 1 FROM avatar_photos p WHERE p.batch_id = b.id"
                         " AND p.validation_status = 'pending')",
     2},
    {"retention_webhook_bodies",
     "UPDATE fal_requests SET events = '[]' WHERE events <> '[]' AND " OLDER_THAN("completed_at"),
     2},
};

/* Runs stmt and queues the deletion of each returned key (column 0, owner in column 1). */
static ab_err delete_objects(ab_db *db, const ab_db_stmt *stmt, const char *const *params,
                             int64_t *count)
{
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    *count = PQntuples(res);
    for (int r = 0; err == AB_OK && r < PQntuples(res); r++) {
        const char *key = PQgetvalue(res, r, 0);
        if (!*key)
            continue; /* a photo never stored */
        json_t *p = json_pack("{s:s}", "key", key);
        char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
        json_decref(p);
        err = text ? ab_db_job_enqueue(db, AB_JOB_KIND_STORAGE_DELETE_KEY, 0,
                                       ab_db_get_i64(res, r, 1), 0, text)
                   : AB_ERR_NOMEM;
        free(text);
    }
    PQclear(res);
    return err;
}

ab_err ab_db_retention_run(ab_db *db, int photo_days, int record_days, int offset_days,
                           ab_retention_counts *out)
{
    memset(out, 0, sizeof *out);
    char pd[24], rd[24], off[24];
    const char *photo_params[] = {ab_db_i64(pd, photo_days), ab_db_i64(off, offset_days)};
    const char *record_params[] = {ab_db_i64(rd, record_days), off};
    ab_err err = delete_objects(db, &PHOTOS, photo_params, &out->photos);
    if (err == AB_OK)
        err = delete_objects(db, &DATASETS, photo_params, &out->datasets);
    int64_t *counts[] = {&out->messages, &out->jobs, &out->batches, &out->webhook_bodies};
    for (size_t i = 0; err == AB_OK && i < sizeof RECORDS / sizeof RECORDS[0]; i++) {
        PGresult *res = NULL;
        err = ab_db_exec(db, &RECORDS[i], record_params, &res);
        if (err == AB_OK)
            *counts[i] = atoll(PQcmdTuples(res));
        PQclear(res);
    }
    return err;
}
