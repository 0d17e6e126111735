/* The training jobs that talk to FAL once: training.submit (dataset ZIP from the valid photos,
 * stored next to them, a presigned URL valid ≥ 24 h, the queue submit with our webhook),
 * training.finish (a verified webhook's outcome) and training.cancel. training.poll lives in
 * job_training_poll.c. In simulate mode nothing here calls FAL (the dataset is still built and
 * stored); the same rows, messages and jobs are written, so users cannot tell the modes apart. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/jobs.h"
#include "fal/dataset.h"
#include "fal/queue.h"
#include "fal/trainers.h"
#include "fsm/training_text.h"
#include "workers/training_run.h"

#define DATASET_URL_MIN_TTL_S 86400 /* FAL may start a queued training hours later */

static ab_job_outcome db_retry(ab_job_ctx *ctx, const char *what, ab_err err)
{
    snprintf(ctx->error, sizeof ctx->error, "%s: %s", what, ab_err_name(err));
    return AB_JOB_RETRY;
}

/* The poll job of a submitted run: its first round after one poll interval. */
static ab_err queue_poll(ab_job_ctx *ctx, const ab_training *t, const char *request_id)
{
    char payload[64], dedup[200];
    snprintf(payload, sizeof payload, "{\"avatar_id\":%lld}", (long long)t->avatar_id);
    snprintf(dedup, sizeof dedup, "poll:%s", request_id);
    ab_job_spec spec = {.kind = "training.poll",
                        .chat_id = t->chat_id,
                        .user_id = t->user_id,
                        .avatar_id = t->avatar_id,
                        .payload_json = payload,
                        .delay_s = ctx->app->cfg->fal_poll_seconds,
                        .dedup_key = dedup};
    ab_err err = ab_db_job_enqueue_spec(ctx->db, &spec);
    if (err == AB_OK) {
        ab_signal_raise(&ctx->app->jobs_ready);
        ab_app_request_notify(ctx->app, &ctx->app->notify_jobs);
    }
    return err;
}

/* After FAL (or the simulation) took the run: the queue text and the first poll. */
static ab_job_outcome submitted(ab_job_ctx *ctx, ab_training *t, const char *request_id)
{
    snprintf(t->request_id, sizeof t->request_id, "%s", request_id);
    char text[1024];
    ab_lang lang = ab_run_lang(t);
    if (strcmp(t->mode, "simulate") == 0)
        ab_training_progress_text(lang, t->avatar_name, 0,
                                  (ctx->app->cfg->fal_simulate_seconds + 59) / 60, text,
                                  sizeof text);
    else
        ab_training_queue_text(lang, t->avatar_name, 1, text, sizeof text);
    ab_err err = queue_poll(ctx, t, request_id);
    if (err == AB_OK)
        err = ab_run_progress(ctx, t, "submitted", 0, text, 1);
    if (err != AB_OK)
        /* the run is recorded as submitted; the janitor-free way back is the poll job, so
         * insist until the database takes it */
        return db_retry(ctx, "queuing the poll failed", err);
    return AB_JOB_DONE;
}

/* Everything but the call to FAL: the dataset and the input are made and recorded all the
 * same, so simulate mode exercises storage and shows what would have been sent. */
static ab_job_outcome submit_simulated(ab_job_ctx *ctx, ab_training *t, const char *input_text,
                                       const char *dataset_key)
{
    unsigned char rnd[12];
    char rid[64];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return db_retry(ctx, "no randomness", AB_ERR_INTERNAL);
    int n = snprintf(rid, sizeof rid, "sim-");
    for (size_t i = 0; i < sizeof rnd; i++)
        n += snprintf(rid + n, sizeof rid - (size_t)n, "%02x", rnd[i]);
    ab_err err =
        ab_db_training_submitted(ctx->db, t->request_id, rid, "", "", "", input_text, dataset_key);
    if (err == AB_ERR_CONFLICT)
        return AB_JOB_DONE; /* cancelled while being prepared */
    if (err != AB_OK)
        return db_retry(ctx, "recording the simulated run failed", err);
    AB_INFO("training simulated", "{s:s,s:I,s:s,s:i}", "request_id", rid, "avatar_id",
            (json_int_t)t->avatar_id, "trainer", t->app_id, "seconds",
            ctx->app->cfg->fal_simulate_seconds);
    return submitted(ctx, t, rid);
}

/* The dataset ZIP of the avatar's valid photos, stored as key; *url its presigned GET URL. */
static ab_err build_dataset(ab_job_ctx *ctx, const ab_training *t, char *key, size_t key_len,
                            char **url)
{
    char **keys = NULL;
    size_t n = 0;
    ab_err err = ab_db_training_photo_keys(ctx->db, t->avatar_id, &keys, &n);
    if (err != AB_OK)
        return err;
    ab_dataset_entry *entries = calloc(n ? n : 1, sizeof *entries);
    char(*names)[40] = calloc(n ? n : 1, sizeof *names);
    if (!entries || !names) {
        err = AB_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *dot = strrchr(keys[i], '.');
        snprintf(names[i], sizeof names[i], "photo_%02zu%s", i + 1,
                 dot && strlen(dot) <= 5 ? dot : ".jpg");
        entries[i].key = keys[i];
        entries[i].name = names[i];
    }
    size_t zip_len = 0;
    snprintf(key, key_len, "avatars/%lld/%lld/dataset-%lld.zip", (long long)t->user_id,
             (long long)t->avatar_id, (long long)t->batch_id);
    err = n < 10 ? AB_ERR_INVALID : ab_dataset_store_zip(ctx->storage, entries, n, key, &zip_len);
    if (err == AB_OK) {
        int ttl = ctx->app->cfg->presigned_url_ttl_s;
        err = ab_storage_presign_get(
            ctx->storage, key, ttl < DATASET_URL_MIN_TTL_S ? DATASET_URL_MIN_TTL_S : ttl, url);
    }
    if (err == AB_OK)
        AB_INFO("training dataset stored", "{s:I,s:s,s:i,s:I}", "avatar_id",
                (json_int_t)t->avatar_id, "key", key, "photos", (int)n, "bytes",
                (json_int_t)zip_len);
out:
    free(names);
    free(entries);
    ab_db_keys_free(keys, n);
    return err;
}

/* FAL unreachable: the user is told once that we wait; after the retry budget the run ends
 * and the avatar is back to 'ready' with its photos. */
static ab_job_outcome submit_unavailable(ab_job_ctx *ctx, ab_training *t, const char *detail)
{
    ab_run_fal_error("unavailable");
    if (ctx->job->attempts >= ctx->job->max_attempts)
        return ab_run_end_now(ctx, t, AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_UNAVAILABLE, detail);
    char text[1024];
    ab_training_line(ab_run_lang(t), AB_MSG_TRAINING_WAITING, t->avatar_name, text, sizeof text);
    ab_run_progress(ctx, t, "preparing", 0, text, 1);
    snprintf(ctx->error, sizeof ctx->error, "FAL unavailable: %.400s", detail);
    return AB_JOB_RETRY;
}

static ab_job_outcome submit(ab_job_ctx *ctx, ab_training *t);

/* The last attempt must not leave the avatar in 'training' with nothing to end it: whatever
 * kept failing (storage, the database), the run ends and the avatar is ready again. */
ab_job_outcome ab_job_training_submit(ab_job_ctx *ctx)
{
    ab_training t;
    memset(&t, 0, sizeof t);
    ab_job_outcome out = submit(ctx, &t);
    if (out == AB_JOB_RETRY && ctx->job->attempts >= ctx->job->max_attempts && t.request_id[0])
        ab_run_end_now(ctx, &t, AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_UNAVAILABLE, ctx->error);
    return out;
}

static ab_job_outcome submit(ab_job_ctx *ctx, ab_training *run)
{
    ab_training t;
    ab_job_outcome none;
    if (!ab_run_load_open(ctx, &t, AB_JOB_RETRY, &none))
        return none; /* cancelled or deleted before it was submitted */
    int64_t avatar_id = t.avatar_id;
    ab_err err;
    if (strcmp(t.status, "preparing") != 0)
        return AB_JOB_DONE; /* already submitted (a re-run of this job) */
    *run = t;

    const ab_config *cfg = ctx->app->cfg;
    const ab_trainer *trainer = ab_trainer_by_app(t.app_id);
    if (!trainer)
        trainer = ab_trainer_for_type(cfg, t.training_type);
    char key[256], *url = NULL;
    err = build_dataset(ctx, &t, key, sizeof key, &url);
    if (ab_storage_err_retryable(err) || err == AB_ERR_DB_DOWN || err == AB_ERR_DB)
        return db_retry(ctx, "building the dataset failed", err); /* storage or db hiccup */
    if (err != AB_OK) {
        AB_ERROR("training dataset could not be built", "{s:I,s:s}", "avatar_id",
                 (json_int_t)avatar_id, "error", ab_err_name(err));
        return ab_run_end_now(ctx, &t, AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_REFUSED,
                              "dataset could not be built");
    }
    json_t *input = ab_trainer_input(cfg, trainer, url, t.trigger, t.avatar_type, t.avatar_name);
    free(url);
    if (!input)
        return db_retry(ctx, "building the input failed", AB_ERR_NOMEM);
    if (strcmp(t.mode, "simulate") == 0) {
        char *text = ab_json_dump(input);
        json_decref(input);
        ab_job_outcome sim = text ? submit_simulated(ctx, &t, text, key)
                                  : db_retry(ctx, "building the input failed", AB_ERR_NOMEM);
        free(text);
        return sim;
    }
    char webhook[1200];
    snprintf(webhook, sizeof webhook, "%s/fal/webhook", cfg->public_base_url);
    ab_fal_submission sub;
    ab_fal_error ferr;
    err = ab_fal_submit(ctx->http, cfg->fal_queue_base, cfg->fal_key, trainer->app_id, webhook,
                        input, &sub, &ferr);
    char *input_text = ab_json_dump(input);
    json_decref(input);
    ab_job_outcome out;
    if (err == AB_OK) {
        err = ab_db_training_submitted(ctx->db, t.request_id, sub.request_id, sub.status_url,
                                       sub.response_url, sub.cancel_url, input_text, key);
        if (err == AB_ERR_CONFLICT) {
            /* the user cancelled while we were submitting: cancel at FAL too */
            ab_fal_cancel_outcome co;
            ab_fal_cancel(ctx->http, cfg->fal_key, sub.cancel_url, &co, NULL);
            out = AB_JOB_DONE;
        } else if (err != AB_OK) {
            out = db_retry(ctx, "recording the submission failed", err);
        } else {
            AB_INFO("training submitted", "{s:s,s:I,s:s}", "request_id", sub.request_id,
                    "avatar_id", (json_int_t)avatar_id, "trainer", trainer->app_id);
            out = submitted(ctx, &t, sub.request_id);
        }
    } else if (err == AB_ERR_REMOTE) {
        /* refused (bad key, unknown app, validation, no credit): retrying will not help */
        ab_run_fal_error("refused");
        AB_ERROR("FAL refused the training", "{s:I,s:s,s:i,s:s}", "avatar_id",
                 (json_int_t)avatar_id, "trainer", trainer->app_id, "http_status",
                 (int)ferr.http_status, "detail", ferr.detail);
        out = ab_run_end_now(ctx, &t, AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_REFUSED, ferr.detail);
    } else {
        out = submit_unavailable(ctx, &t, ferr.detail[0] ? ferr.detail : ab_err_name(err));
    }
    free(input_text);
    return out;
}

ab_job_outcome ab_job_training_finish(ab_job_ctx *ctx)
{
    const char *request_id = ab_json_nonempty(ctx->payload, "request_id");
    const char *status = ab_json_str(ctx->payload, "status");
    if (!request_id || !status) {
        snprintf(ctx->error, sizeof ctx->error, "no request_id or status");
        return AB_JOB_FAIL;
    }
    ab_training t;
    ab_err err = ab_db_training_by_request(ctx->db, request_id, &t);
    if (err == AB_ERR_NOT_FOUND)
        return AB_JOB_DONE;
    if (err != AB_OK)
        return db_retry(ctx, "loading the run failed", err);
    json_t *payload = json_object_get(ctx->payload, "payload");
    if (strcmp(status, "OK") == 0) {
        if (json_is_object(payload))
            return ab_run_end_now(ctx, &t, AB_RUN_COMPLETED, payload, AB_MSG__COUNT, NULL);
        /* OK without a payload (FAL could not serialize it: payload_error): fetch it */
        ab_job_outcome out;
        return ab_run_take_result(ctx, &t, &out) == AB_OK ? out : AB_JOB_RETRY;
    }
    ab_run_fal_error("failed");
    char detail[1024];
    const char *error = ab_json_str(ctx->payload, "error");
    json_t *d = json_object_get(payload, "detail");
    char *dtext = d ? ab_json_dump(d) : NULL;
    snprintf(detail, sizeof detail, "%s%s%.800s", error ? error : "ERROR", dtext ? ": " : "",
             dtext ? dtext : "");
    free(dtext);
    return ab_run_end_now(ctx, &t, AB_RUN_FAILED, payload, AB_MSG_REASON_FAL_FAILED, detail);
}

ab_job_outcome ab_job_training_cancel(ab_job_ctx *ctx)
{
    ab_training t;
    ab_job_outcome none;
    if (!ab_run_load_open(ctx, &t, AB_JOB_RETRY, &none))
        return none; /* it ended meanwhile; its own message says how */
    if (strcmp(t.mode, "simulate") == 0 || strcmp(t.status, "preparing") == 0)
        /* nothing at FAL yet (a submit in flight sees the cancel and cancels there) */
        return ab_run_end_now(ctx, &t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, NULL);
    const char *key = ctx->app->cfg->fal_key;
    ab_fal_cancel_outcome co;
    ab_fal_error ferr;
    ab_err err = ab_fal_cancel(ctx->http, key, t.cancel_url, &co, &ferr);
    if (err == AB_ERR_HTTP || err == AB_ERR_TIMEOUT) {
        ab_run_fal_error("unavailable");
        snprintf(ctx->error, sizeof ctx->error, "FAL cancel failed: %.400s", ferr.detail);
        return AB_JOB_RETRY;
    }
    if (err == AB_OK && co == AB_FAL_CANCEL_TOO_LATE) {
        /* it finished first: take the result instead */
        ab_job_outcome out;
        return ab_run_take_result(ctx, &t, &out) == AB_OK ? out : AB_JOB_RETRY;
    }
    if (err != AB_OK)
        AB_WARN("FAL refused the cancel; cancelled here", "{s:s,s:i,s:s}", "request_id",
                t.request_id, "http_status", (int)ferr.http_status, "detail", ferr.detail);
    return ab_run_end_now(ctx, &t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, NULL);
}
