/* The photo ingest job: getFile → download (cut off past 10 MB) → analysis (format from the
 * bytes, decode, EXIF orientation, size, face, quality: src/vision) → duplicate check against
 * the avatar's accepted photos (SHA-256, then dHash within 8 bits) → the original stored in
 * object storage → the row updated → the batch's status message edited. A passing fault
 * (Bot API or storage down) retries the whole job later; nothing is half-written, since the
 * object is stored before the row points at it and a re-run overwrites the same key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/photos.h"
#include "fsm/event.h"
#include "fsm/messages.h"
#include "telegram/keyboard.h"
#include "telegram/botapi.h"
#include "core/vision_module.h"
#include "workers/jobs.h"

#define MAX_BYTES (10u * 1024 * 1024)

static ab_msg_id reason_message(const char *verdict)
{
    static const struct {
        const char *name;
        ab_msg_id msg;
    } REASONS[] = {
        {"unsupported_format", AB_MSG_REASON_UNSUPPORTED_FORMAT},
        {"damaged", AB_MSG_REASON_DAMAGED},
        {"too_small", AB_MSG_REASON_TOO_SMALL},
        {"too_large", AB_MSG_REASON_TOO_LARGE},
        {"too_large_to_check", AB_MSG_REASON_TOO_LARGE_TO_CHECK},
        {"no_face", AB_MSG_REASON_NO_FACE},
        {"many_faces", AB_MSG_REASON_MANY_FACES},
        {"too_blurry", AB_MSG_REASON_TOO_BLURRY},
        {"too_dark", AB_MSG_REASON_TOO_DARK},
        {"duplicate", AB_MSG_REASON_DUPLICATE},
        {"limit", AB_MSG_REASON_LIMIT},
        {"download_failed", AB_MSG_REASON_DOWNLOAD_FAILED},
        {"check_failed", AB_MSG_REASON_CHECK_FAILED},
    };
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (strcmp(REASONS[i].name, verdict) == 0)
            return REASONS[i].msg;
    return AB_MSG_REASON_DAMAGED;
}

/* "📸 3 of 5 checked: 2 accepted, 1 rejected (no face found)" and, once all are checked, the
 * avatar's count. */
static ab_err update_batch_message(ab_db *db, const ab_photo_job_info *info)
{
    if (!info->batch_id)
        return AB_OK;
    ab_batch_progress p;
    ab_err err = ab_db_batch_progress(db, info->batch_id, &p);
    if (err != AB_OK || p.total == 0)
        return err;
    ab_lang lang = ab_lang_from_code(info->language_code);
    char text[1024];
    size_t n = (size_t)snprintf(text, sizeof text,
                                ab_msgn(lang, AB_MSG_BATCH_PROGRESS, (unsigned long)p.total),
                                p.checked, p.total, p.accepted);
    int rejected = p.checked - p.accepted;
    if (rejected > 0 && n < sizeof text) {
        char reasons[512] = "";
        size_t r = 0;
        char *save = NULL;
        for (char *tok = strtok_r(p.reasons, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            r += (size_t)snprintf(reasons + r, r < sizeof reasons ? sizeof reasons - r : 0, "%s%s",
                                  r ? ", " : "", ab_msg(lang, reason_message(tok)));
        n += (size_t)snprintf(text + n, sizeof text - n, ab_msg(lang, AB_MSG_BATCH_REJECTED),
                              rejected, reasons);
    }
    char *markup = NULL;
    if (p.checked == p.total && n < sizeof text) {
        n += (size_t)snprintf(text + n, sizeof text - n, ab_msg(lang, AB_MSG_BATCH_DONE),
                              p.avatar_valid);
        if (p.avatar_valid >= 10 && n < sizeof text) {
            snprintf(text + n, sizeof text - n, "%s", ab_msg(lang, AB_MSG_BATCH_ENOUGH));
            /* the way on: start training from right here */
            json_t *kb = ab_kb_new();
            char data[65];
            ab_kb_add(kb, ab_msg(lang, AB_MSG_BTN_TRAIN_START),
                      ab_event_callback_data(AB_EV_BTN_TRAIN_START, info->avatar_id, data));
            markup = ab_json_dump(kb);
            json_decref(kb);
        }
    }
    err = ab_db_batch_status_edit(db, info->batch_id, info->chat_id, text, markup);
    free(markup);
    return err;
}

typedef struct {
    ab_db *db;
    int64_t photo_id;
    const ab_photo_job_info *info;
    const ab_photo_verdict *verdict;
    bool already; /* the row was no longer pending (or no longer there) */
} record_ctx;

static ab_err record_tx(ab_db *db, void *arg)
{
    record_ctx *r = arg;
    ab_err err = ab_db_photo_record(db, r->photo_id, r->verdict, &r->already);
    if (err != AB_OK || r->already)
        return err;
    return update_batch_message(db, r->info);
}

/* The photo was stored, but its row had meanwhile been taken by another runner or deleted with
 * its avatar (whose clean-up may already have run): the object stays only if the row points at
 * it, else nothing would ever delete it. */
static ab_job_outcome stored_for_nothing(ab_job_ctx *ctx, const ab_photo_job_info *info,
                                         const char *key)
{
    char kept[256] = "";
    ab_err err = ab_db_photo_storage_key(ctx->db, info->id, kept, sizeof kept);
    if (err == AB_OK && strcmp(kept, key) == 0)
        return AB_JOB_DONE; /* another runner recorded this very object */
    if (err != AB_OK && err != AB_ERR_NOT_FOUND) {
        snprintf(ctx->error, sizeof ctx->error, "looking up photo %lld: %s", (long long)info->id,
                 ab_err_name(err));
        return AB_JOB_RETRY;
    }
    err = ab_storage_delete(ctx->storage, key);
    AB_INFO("photo stored after its row was gone: object deleted", "{s:I,s:I,s:s,s:s}", "photo_id",
            (json_int_t)info->id, "avatar_id", (json_int_t)info->avatar_id, "key", key, "result",
            ab_err_name(err));
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "deleting %s: %s", key, ab_err_name(err));
        return ab_storage_err_retryable(err) ? AB_JOB_RETRY : AB_JOB_FAIL;
    }
    return AB_JOB_DONE;
}

/* Records a rejection (no object stored). */
static ab_job_outcome reject(ab_job_ctx *ctx, const ab_photo_job_info *info, const char *status,
                             const char *verdict, ab_photo_verdict *v)
{
    v->status = status;
    v->error = verdict;
    v->storage_key = NULL;
    record_ctx r = {ctx->db, info->id, info, v, false};
    ab_err err = ab_db_tx(ctx->db, record_tx, &r);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "recording the check failed: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    char labels[64];
    snprintf(labels, sizeof labels, "verdict=\"%s\"", verdict);
    ab_metrics_add(AB_M_PHOTOS_VALIDATED, labels, 1);
    AB_INFO("photo rejected", "{s:I,s:I,s:s}", "photo_id", (json_int_t)info->id, "avatar_id",
            (json_int_t)info->avatar_id, "verdict", verdict);
    return AB_JOB_DONE;
}

ab_job_outcome ab_job_photo_ingest(ab_job_ctx *ctx)
{
    int64_t photo_id = 0;
    if (!ab_json_i64(ctx->payload, "photo_id", &photo_id)) {
        snprintf(ctx->error, sizeof ctx->error, "no photo_id");
        return AB_JOB_FAIL;
    }
    ab_photo_job_info info;
    ab_err err = ab_db_photo_for_job(ctx->db, photo_id, &info);
    if (err == AB_ERR_NOT_FOUND)
        return AB_JOB_DONE; /* the avatar was deleted meanwhile */
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "loading photo: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    if (strcmp(info.status, "pending") != 0)
        return AB_JOB_DONE; /* already checked (a re-run after a lost lease) */

    ab_photo_verdict v = {.quality = -1};
    /* getFile, then the bytes */
    char body[400]; /* getFile's file_path */
    json_t *req = json_pack("{s:s}", "file_id", info.file_id);
    char *req_text = req ? ab_json_dump(req) : NULL;
    json_decref(req);
    ab_tg_response resp;
    err = req_text ? ab_tg_call(ctx->tg, "getFile", req_text, &resp) : AB_ERR_NOMEM;
    free(req_text);
    if (err != AB_OK || (!resp.ok && (resp.error_code >= 500 || resp.error_code == 429))) {
        snprintf(ctx->error, sizeof ctx->error, "getFile: %s",
                 err != AB_OK ? ab_err_name(err) : resp.description);
        if (err == AB_OK)
            ab_tg_response_free(&resp);
        return AB_JOB_RETRY;
    }
    if (!resp.ok) { /* "file is too big" (over 20 MB) or an unknown file */
        int too_big = strstr(resp.description, "too big") != NULL;
        ab_tg_response_free(&resp);
        return reject(ctx, &info, "invalid", too_big ? "too_large" : "download_failed", &v);
    }
    const char *file_path = ab_json_str(resp.result, "file_path");
    snprintf(body, sizeof body, "%s", file_path ? file_path : "");
    ab_tg_response_free(&resp);
    unsigned char *bytes = NULL;
    size_t len = 0;
    err = ab_tg_download(ctx->tg, body, MAX_BYTES, &bytes, &len);
    if (err == AB_ERR_LIMIT)
        return reject(ctx, &info, "invalid", "too_large", &v);
    if (err == AB_ERR_HTTP || err == AB_ERR_TIMEOUT) {
        snprintf(ctx->error, sizeof ctx->error, "download: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    if (err != AB_OK)
        return reject(ctx, &info, "invalid", "download_failed", &v);

    /* the analysis */
    const ab_vision_api *vision = ab_vision_module_get();
    if (!vision) {
        free(bytes);
        snprintf(ctx->error, sizeof ctx->error, "the vision module could not be loaded");
        return AB_JOB_RETRY;
    }
    ab_vision_options opt;
    vision->options_default(&opt, strcmp(info.training_type, "portrait") == 0);
    /* Two checks run at once per replica (JOB_THREADS): each within its budget, a photo that
     * would need more is refused, not decoded at the pod's expense. */
    opt.max_memory = (size_t)ctx->app->cfg->photo_analysis_memory_mb * 1024 * 1024;
    ab_vision_result a;
    err = vision->analyze(bytes, len, &opt, &a);
    if (err != AB_OK) {
        free(bytes);
        snprintf(ctx->error, sizeof ctx->error, "analysis: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    char box[96], meta[256];
    snprintf(box, sizeof box, "{\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d}", a.face.x, a.face.y, a.face.w,
             a.face.h);
    snprintf(meta, sizeof meta,
             "{\"format\":\"%s\",\"orientation\":%d,\"faces\":%d,\"face_score\":%.3f,"
             "\"sharpness\":%.1f,\"brightness\":%.3f,\"verdict\":\"%s\"}",
             vision->format_name(a.format), a.orientation, a.face_count, a.face_score, a.sharpness,
             a.brightness, vision->verdict_name(a.verdict));
    v.sha256 = a.sha256;
    v.dhash = a.dhash;
    v.has_dhash = a.analysed;
    v.has_face = a.has_face;
    v.face_box_json = a.has_face ? box : NULL;
    v.metadata_json = meta;
    v.quality = a.analysed ? a.quality : -1;
    v.width = a.width;
    v.height = a.height;
    v.file_size = (int64_t)len;
    v.mime_type = a.format == AB_VISION_FORMAT_PNG ? "image/png" : "image/jpeg";

    if (a.verdict != AB_VISION_OK && vision->verdict_before_duplicate(a.verdict)) {
        free(bytes);
        return reject(ctx, &info, "invalid", vision->verdict_name(a.verdict), &v);
    }
    bool dup = false;
    err = ab_db_photo_find_duplicate(ctx->db, info.avatar_id, info.id, a.sha256, a.dhash,
                                     a.analysed ? AB_VISION_DEFAULT_HAMMING_NEAR : -1, &dup);
    if (err != AB_OK) {
        free(bytes);
        snprintf(ctx->error, sizeof ctx->error, "duplicate check: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    if (dup) {
        free(bytes);
        return reject(ctx, &info, "duplicate", "duplicate", &v);
    }
    if (a.verdict != AB_VISION_OK) {
        free(bytes);
        return reject(ctx, &info, "invalid", vision->verdict_name(a.verdict), &v);
    }

    /* accepted: the original goes to storage first, then the row points at it */
    char key[128];
    snprintf(key, sizeof key, "avatars/%lld/%lld/%lld.%s", (long long)info.user_id,
             (long long)info.avatar_id, (long long)info.id,
             a.format == AB_VISION_FORMAT_PNG ? "png" : "jpg");
    err = ab_storage_put(ctx->storage, key, bytes, len, v.mime_type);
    free(bytes);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "storing %s: %s", key, ab_err_name(err));
        return ab_storage_err_retryable(err) ? AB_JOB_RETRY : AB_JOB_FAIL;
    }
    v.status = "valid";
    v.error = NULL;
    v.storage_key = key;
    record_ctx r = {ctx->db, info.id, &info, &v, false};
    err = ab_db_tx(ctx->db, record_tx, &r);
    if (err == AB_OK && r.already)
        return stored_for_nothing(ctx, &info, key);
    if (err == AB_ERR_LIMIT || err == AB_ERR_CONFLICT) {
        /* the 51st valid photo, or the same bytes accepted concurrently: not stored after all */
        ab_storage_delete(ctx->storage, key);
        return reject(ctx, &info, err == AB_ERR_LIMIT ? "invalid" : "duplicate",
                      err == AB_ERR_LIMIT ? "limit" : "duplicate", &v);
    }
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "recording the check failed: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    ab_metrics_add(AB_M_PHOTOS_VALIDATED, "verdict=\"ok\"", 1);
    AB_INFO("photo accepted", "{s:I,s:I,s:f}", "photo_id", (json_int_t)info.id, "avatar_id",
            (json_int_t)info.avatar_id, "quality", a.quality);
    return AB_JOB_DONE;
}

/* A check that was given up (it kept failing, or its runner died twice on it) still ends: the
 * photo is rejected as "could not be checked", so the batch message completes and the user
 * knows to send another. */
void ab_job_photo_give_up(ab_job_ctx *ctx)
{
    int64_t photo_id = 0;
    ab_photo_job_info info;
    if (!ab_json_i64(ctx->payload, "photo_id", &photo_id) ||
        ab_db_photo_for_job(ctx->db, photo_id, &info) != AB_OK || strcmp(info.status, "pending"))
        return;
    ab_photo_verdict v = {.quality = -1};
    char error[sizeof ctx->error];
    snprintf(error, sizeof error, "%s", ctx->error);
    if (reject(ctx, &info, "invalid", "check_failed", &v) != AB_JOB_DONE)
        AB_ERROR("a given-up photo could not be reported", "{s:I,s:s}", "photo_id",
                 (json_int_t)photo_id, "error", ctx->error);
    snprintf(ctx->error, sizeof ctx->error, "%s", error);
}
