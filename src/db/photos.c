/* Photo statements. */
#include "db/photos.h"

#include <stdio.h>
#include <string.h>

static const ab_db_stmt BATCH = {
    "photo_batch_upsert",
    "WITH ins AS (INSERT INTO photo_batches (chat_id, avatar_id, media_group_id)"
    " VALUES ($1::bigint, $2::bigint, $3) ON CONFLICT (chat_id, media_group_id) DO NOTHING"
    " RETURNING id)"
    " SELECT id, true FROM ins UNION ALL"
    " SELECT id, false FROM photo_batches WHERE chat_id = $1::bigint AND media_group_id = $3"
    " AND NOT EXISTS (SELECT 1 FROM ins)",
    3};

static const ab_db_stmt CREATE = {
    "photo_create",
    "WITH a AS (UPDATE avatars SET status = CASE WHEN status = 'draft' THEN 'uploading'"
    "                                             ELSE status END"
    "           WHERE id = $2::bigint AND user_id = $1::bigint RETURNING id)"
    " INSERT INTO avatar_photos (avatar_id, user_id, telegram_file_id, telegram_file_unique_id,"
    "  media_group_id, file_size, width, height, mime_type, batch_id, upload_order)"
    " SELECT a.id, $1::bigint, $3, $4, $5, $6::int, $7::int, $8::int, $9, $10::bigint,"
    "  (SELECT count(*) FROM avatar_photos WHERE avatar_id = a.id) + 1"
    " FROM a RETURNING id",
    10};

ab_err ab_db_photo_create(ab_db *db, int64_t user_id, int64_t chat_id, const ab_photo_intake *in,
                          int64_t *photo_id, int64_t *batch_id, bool *batch_new)
{
    char cid[24], aid[24], uid[24], size[24], w[24], hgt[24], bid[24];
    const char *bparams[] = {ab_db_i64(cid, chat_id), ab_db_i64(aid, in->avatar_id),
                             in->media_group_id};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &BATCH, bparams, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_INTERNAL;
    }
    *batch_id = ab_db_get_i64(res, 0, 0);
    *batch_new = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    const char *params[] = {ab_db_i64(uid, user_id),
                            ab_db_i64(aid, in->avatar_id),
                            in->file_id,
                            in->file_unique_id,
                            in->media_group_id,
                            ab_db_i64(size, in->file_size),
                            ab_db_i64(w, in->width),
                            ab_db_i64(hgt, in->height),
                            in->mime_type,
                            ab_db_i64(bid, *batch_id)};
    err = ab_db_exec(db, &CREATE, params, &res);
    if (err != AB_OK)
        return err;
    int found = PQntuples(res) == 1;
    *photo_id = found ? ab_db_get_i64(res, 0, 0) : 0;
    PQclear(res);
    return found ? AB_OK : AB_ERR_NOT_FOUND;
}

static const ab_db_stmt FOR_JOB = {
    "photo_for_job",
    "SELECT p.id, p.avatar_id, p.user_id, coalesce(p.batch_id, 0), coalesce(b.chat_id, p.user_id),"
    " coalesce(p.telegram_file_id, ''), p.validation_status, a.training_type,"
    " coalesce(u.language, u.language_code, '')"
    " FROM avatar_photos p JOIN avatars a ON a.id = p.avatar_id JOIN users u ON u.id = p.user_id"
    " LEFT JOIN photo_batches b ON b.id = p.batch_id WHERE p.id = $1::bigint",
    1};

ab_err ab_db_photo_for_job(ab_db *db, int64_t photo_id, ab_photo_job_info *out)
{
    char pid[24];
    const char *params[] = {ab_db_i64(pid, photo_id)};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    ab_err err = ab_db_exec(db, &FOR_JOB, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_NOT_FOUND;
    }
    out->id = ab_db_get_i64(res, 0, 0);
    out->avatar_id = ab_db_get_i64(res, 0, 1);
    out->user_id = ab_db_get_i64(res, 0, 2);
    out->batch_id = ab_db_get_i64(res, 0, 3);
    out->chat_id = ab_db_get_i64(res, 0, 4);
    snprintf(out->file_id, sizeof out->file_id, "%s", PQgetvalue(res, 0, 5));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(res, 0, 6));
    snprintf(out->training_type, sizeof out->training_type, "%s", PQgetvalue(res, 0, 7));
    snprintf(out->language_code, sizeof out->language_code, "%s", PQgetvalue(res, 0, 8));
    PQclear(res);
    return AB_OK;
}

/* bit_count of the xor: the Hamming distance of two 64-bit hashes stored as bigint */
static const ab_db_stmt DUPLICATE = {
    "photo_find_duplicate",
    "SELECT 1 FROM avatar_photos WHERE avatar_id = $1::bigint AND id <> $2::bigint"
    " AND validation_status = 'valid' AND (file_hash = $3"
    "  OR ($5::int >= 0 AND perceptual_hash IS NOT NULL"
    "      AND bit_count((perceptual_hash # $4::bigint)::bit(64)) <= $5::int))"
    " LIMIT 1",
    5};

ab_err ab_db_photo_find_duplicate(ab_db *db, int64_t avatar_id, int64_t photo_id,
                                  const char *sha256, uint64_t dhash, int hamming_max, bool *dup)
{
    char aid[24], pid[24], hash[24], ham[24];
    const char *params[] = {ab_db_i64(aid, avatar_id), ab_db_i64(pid, photo_id), sha256,
                            ab_db_i64(hash, (int64_t)dhash), ab_db_i64(ham, hamming_max)};
    return ab_db_exec_found(db, &DUPLICATE, params, dup);
}

static const ab_db_stmt RECORD = {
    "photo_record",
    "UPDATE avatar_photos SET validation_status = $2, validation_error = $3, file_hash = $4,"
    " perceptual_hash = $5::bigint, has_face = $6::bool, face_box = $7::jsonb,"
    " quality_score = $8::real, width = coalesce($9::int, width),"
    " height = coalesce($10::int, height), file_size = coalesce($11::int, file_size),"
    " storage_key = $12, mime_type = coalesce($13, mime_type),"
    " photo_metadata = coalesce($14::jsonb, '{}'), updated_at = now()"
    " WHERE id = $1::bigint AND validation_status = 'pending' RETURNING avatar_id",
    14};

static const ab_db_stmt READY = {
    "avatar_ready_when_enough",
    "UPDATE avatars SET status = 'ready' WHERE id = $1::bigint AND status = 'uploading'"
    " AND photos_count >= 10",
    1};

ab_err ab_db_photo_record(ab_db *db, int64_t photo_id, const ab_photo_verdict *v, bool *already)
{
    char pid[24], hash[24], q[32], w[24], hh[24], size[24], aid[24];
    if (v->quality >= 0)
        snprintf(q, sizeof q, "%.4f", v->quality);
    const char *params[] = {ab_db_i64(pid, photo_id),
                            v->status,
                            v->error,
                            v->sha256,
                            v->has_dhash ? ab_db_i64(hash, (int64_t)v->dhash) : NULL,
                            v->has_face ? "true" : "false",
                            v->face_box_json,
                            v->quality >= 0 ? q : NULL,
                            v->width ? ab_db_i64(w, v->width) : NULL,
                            v->height ? ab_db_i64(hh, v->height) : NULL,
                            v->file_size ? ab_db_i64(size, v->file_size) : NULL,
                            v->storage_key,
                            v->mime_type,
                            v->metadata_json};
    PGresult *res = NULL;
    *already = false;
    ab_err err = ab_db_exec(db, &RECORD, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        *already = true;
        return AB_OK;
    }
    int64_t avatar_id = ab_db_get_i64(res, 0, 0);
    PQclear(res);
    const char *rparams[] = {ab_db_i64(aid, avatar_id)};
    return ab_db_exec(db, &READY, rparams, NULL);
}

static const ab_db_stmt STORAGE_KEY = {
    "photo_storage_key",
    "SELECT coalesce(storage_key, '') FROM avatar_photos WHERE id = $1::bigint", 1};

ab_err ab_db_photo_storage_key(ab_db *db, int64_t photo_id, char *out, size_t size)
{
    char pid[24];
    const char *params[] = {ab_db_i64(pid, photo_id)};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &STORAGE_KEY, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1)
        snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
    else
        err = AB_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static const ab_db_stmt PROGRESS = {
    "batch_progress",
    "SELECT count(*), count(*) FILTER (WHERE p.validation_status <> 'pending'),"
    " count(*) FILTER (WHERE p.validation_status = 'valid'),"
    " coalesce(string_agg(DISTINCT p.validation_error, ',')"
    "   FILTER (WHERE p.validation_status IN ('invalid', 'duplicate')), ''),"
    " (SELECT photos_count FROM avatars a WHERE a.id = b.avatar_id)"
    " FROM photo_batches b JOIN avatar_photos p ON p.batch_id = b.id"
    " WHERE b.id = $1::bigint GROUP BY b.avatar_id",
    1};

/* Two photos of one album checked at the same moment each counted the batch before the other
 * committed: both wrote "1 of 2 checked" and the message never reached "2 of 2". Counting
 * under the batch row's lock makes the second wait for the first, and then (read committed:
 * a new snapshot per statement) count both. */
static const ab_db_stmt LOCK_BATCH = {
    "batch_lock", "SELECT 1 FROM photo_batches WHERE id = $1::bigint FOR UPDATE", 1};

ab_err ab_db_batch_progress(ab_db *db, int64_t batch_id, ab_batch_progress *out)
{
    char bid[24];
    const char *params[] = {ab_db_i64(bid, batch_id)};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    ab_err err = ab_db_exec(db, &LOCK_BATCH, params, NULL);
    if (err == AB_OK)
        err = ab_db_exec(db, &PROGRESS, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        out->total = (int)ab_db_get_i64(res, 0, 0);
        out->checked = (int)ab_db_get_i64(res, 0, 1);
        out->accepted = (int)ab_db_get_i64(res, 0, 2);
        snprintf(out->reasons, sizeof out->reasons, "%s", PQgetvalue(res, 0, 3));
        out->avatar_valid = (int)ab_db_get_i64(res, 0, 4);
    }
    PQclear(res);
    return AB_OK;
}

/* A waiting edit of the same message is replaced rather than followed by another: the user
 * sees the latest count, and a 10-photo album costs a few edits, not ten. */
static const ab_db_stmt STATUS_EDIT = {
    "batch_status_edit",
    "WITH upd AS (UPDATE outbox SET payload = $3::jsonb"
    "   WHERE batch_id = $1::bigint AND status = 'pending' AND method = 'editMessageText'"
    "   RETURNING 1)"
    " INSERT INTO outbox (chat_id, method, payload, batch_id)"
    " SELECT $2::bigint, 'editMessageText', $3::jsonb, $1::bigint"
    " WHERE NOT EXISTS (SELECT 1 FROM upd)",
    3};

ab_err ab_db_batch_status_edit(ab_db *db, int64_t batch_id, int64_t chat_id,
                               const char *payload_json)
{
    char bid[24], cid[24];
    const char *params[] = {ab_db_i64(bid, batch_id), ab_db_i64(cid, chat_id), payload_json};
    return ab_db_exec(db, &STATUS_EDIT, params, NULL);
}

static const ab_db_stmt VALID = {
    "photos_valid",
    "SELECT p.id, coalesce(p.telegram_file_id, '') FROM avatar_photos p"
    " WHERE p.avatar_id = $2::bigint AND p.user_id = $1::bigint AND p.validation_status = 'valid'"
    " ORDER BY p.id LIMIT $3::int",
    3};

ab_err ab_db_photos_valid(ab_db *db, int64_t user_id, int64_t avatar_id, ab_photo *out, int max,
                          int *n)
{
    char uid[24], aid[24], lim[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id),
                            ab_db_i64(lim, max)};
    PGresult *res = NULL;
    *n = 0;
    ab_err err = ab_db_exec(db, &VALID, params, &res);
    if (err != AB_OK)
        return err;
    for (int r = 0; r < PQntuples(res) && r < max; r++) {
        out[r].id = ab_db_get_i64(res, r, 0);
        snprintf(out[r].file_id, sizeof out[r].file_id, "%s", PQgetvalue(res, r, 1));
        (*n)++;
    }
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt DELETE_PHOTO = {
    "photo_delete",
    "WITH gone AS (DELETE FROM avatar_photos WHERE id = $2::bigint AND user_id = $1::bigint"
    "              RETURNING avatar_id, coalesce(storage_key, '') AS key),"
    " back AS (UPDATE avatars SET status = 'uploading' WHERE id = (SELECT avatar_id FROM gone)"
    "          AND status = 'ready' AND photos_count - 1 < 10 RETURNING 1)"
    " SELECT key FROM gone",
    2};

ab_err ab_db_photo_delete(ab_db *db, int64_t user_id, int64_t photo_id, char key[256])
{
    char uid[24], pid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(pid, photo_id)};
    PGresult *res = NULL;
    key[0] = '\0';
    ab_err err = ab_db_exec(db, &DELETE_PHOTO, params, &res);
    if (err != AB_OK)
        return err;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(key, 256, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found ? AB_OK : AB_ERR_NOT_FOUND;
}
