/* The training jobs that talk to FAL: training.submit (dataset ZIP from the valid photos,
 * stored next to them, a presigned URL valid PRESIGNED_URL_TTL_SECONDS, the queue submit with
 * our webhook), training.finish (a verified webhook's outcome) and training.cancel.
 * training.poll lives in job_training_poll.c. In simulate mode nothing here calls FAL (the dataset
 * is still built and stored); the same rows, attempts, messages and jobs are written, so users
 * cannot tell the modes apart.
 *
 * One press is at most one paid FAL request (db/fal_submit.h): training.submit drives its run
 * through preparing -> submitting -> submitted, one attempt at a time, and keeps running (as a
 * recurring job) while the run is 'submitting' or 'reconciling'. Whatever the job layer does
 * (a lease that expires under a slow dataset build, a replica killed mid-POST, a runner that
 * finishes late), each step is a conditional move of the run's row, so a second runner only
 * ever finds the run in a state it can carry on from: it never sends a second POST for an
 * attempt whose outcome it does not know. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/fal_submit.h"
#include "db/jobs.h"
#include "fal/dataset.h"
#include "fal/queue.h"
#include "fal/webhook_body.h"
#include "fal/trainers.h"
#include "storage/keys.h"
#include "ui/training.h"
#include "workers/fal_once.h"
#include "workers/training_run.h"

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
    ab_job_spec spec = {.kind = AB_JOB_KIND_TRAINING_POLL,
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
        ab_ui_training_progress(lang, t->avatar_name, 0,
                                (ctx->app->cfg->fal_simulate_seconds + 59) / 60, text, sizeof text);
    else
        ab_ui_training_queued(lang, t->avatar_name, 1, text, sizeof text);
    ab_err err = queue_poll(ctx, t, request_id);
    if (err == AB_OK)
        err = ab_run_progress(ctx, t, "submitted", 0, text, 1);
    if (err != AB_OK)
        /* the run is recorded as submitted; the janitor-free way back is the poll job, so
         * insist until the database takes it */
        return db_retry(ctx, "queuing the poll failed", err);
    return AB_JOB_DONE;
}

static ab_job_outcome again_in(ab_job_ctx *ctx, double seconds)
{
    ctx->again_s = seconds > 0.2 ? seconds : 0.2;
    return AB_JOB_AGAIN;
}

/* The answer of attempt nonce named FAL's request: the run takes it, unless it took another or
 * ended meanwhile, in which case this one is cancelled at FAL. */
static ab_job_outcome take_answer(ab_job_ctx *ctx, ab_training *t, const char *app_id,
                                  const char *nonce, const ab_fal_submission *sub)
{
    ab_adopt ad;
    ab_err err = ab_fal_once_adopt(ctx, nonce, sub, &ad);
    if (err != AB_OK)
        /* the run stays 'submitting': the next round reconciles it (the webhook carries the
         * nonce), it never sends again */
        return db_retry(ctx, "recording the submission failed", err);
    if (ad.result == AB_ADOPT_ADOPTED || ad.result == AB_ADOPT_ALREADY) {
        AB_INFO("training submitted", "{s:s,s:I,s:s,s:s}", "request_id", sub->request_id,
                "avatar_id", (json_int_t)t->avatar_id, "trainer", app_id, "mode", t->mode);
        return submitted(ctx, t, sub->request_id);
    }
    if (strcmp(t->mode, "simulate") != 0)
        ab_fal_once_cancel_extra(ctx, app_id, sub);
    return again_in(ctx, 0.5); /* carry on with whatever the run has now */
}

/* Everything but the call to FAL: the dataset, the input and the attempt are made and
 * recorded all the same, so simulate mode exercises storage and the submit states. */
static ab_job_outcome submit_simulated(ab_job_ctx *ctx, ab_training *t, const char *nonce)
{
    unsigned char rnd[12];
    ab_fal_submission sub;
    memset(&sub, 0, sizeof sub);
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return db_retry(ctx, "no randomness", AB_ERR_INTERNAL);
    int n = snprintf(sub.request_id, sizeof sub.request_id, "sim-");
    for (size_t i = 0; i < sizeof rnd; i++)
        n += snprintf(sub.request_id + n, sizeof sub.request_id - (size_t)n, "%02x", rnd[i]);
    AB_INFO("training simulated", "{s:s,s:I,s:s,s:i}", "request_id", sub.request_id, "avatar_id",
            (json_int_t)t->avatar_id, "trainer", t->app_id, "seconds",
            ctx->app->cfg->fal_simulate_seconds);
    return take_answer(ctx, t, t->app_id, nonce, &sub);
}

/* The dataset's photos come from object storage (fal/dataset.c reads through this). */
static ab_err read_photo(void *storage, const char *key, unsigned char **data, size_t *len)
{
    return ab_storage_get(storage, key, data, len);
}

ab_err ab_training_dataset_store(ab_storage *s, const ab_dataset_entry *entries, size_t n,
                                 const char *key, size_t *zip_len)
{
    ab_dataset_reader reader = {read_photo, s};
    int fd = -1;
    ab_err err = ab_dataset_build_zip(&reader, entries, n, 0, &fd, zip_len);
    if (err == AB_OK)
        err = ab_storage_put_file(s, key, fd, *zip_len, "application/zip");
    if (fd >= 0)
        close(fd);
    if (err != AB_OK)
        *zip_len = 0;
    return err;
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
    if (!ab_key_dataset(key, key_len, t->user_id, t->avatar_id, t->batch_id))
        err = AB_ERR_INTERNAL;
    else
        err = n < 10 ? AB_ERR_INVALID
                     : ab_training_dataset_store(ctx->storage, entries, n, key, &zip_len);
    if (err == AB_OK) /* as the operator set it: FAL may start a queued training hours later */
        err = ab_storage_presign_get(ctx->storage, key, ctx->app->cfg->presigned_url_ttl_s, url);
    if (err == AB_OK)
        AB_INFO("training dataset stored", "{s:I,s:s,s:i,s:I}", "avatar_id",
                (json_int_t)t->avatar_id, "key", key, "photos", (int)n, "bytes",
                (json_int_t)zip_len);
out:
    free(names);
    free(entries);
    ab_db_strings_free(keys, n);
    return err;
}

/* FAL unreachable: the user is told once that we wait; after the retry budget the run ends
 * and the avatar is back to 'ready' with its photos. */
static ab_job_outcome submit_unavailable(ab_job_ctx *ctx, ab_training *t, const char *detail)
{
    ab_run_fal_error("unavailable");
    if (ctx->job->attempts >= ctx->job->max_attempts)
        return ab_run_end_from(ctx, t, "preparing", AB_RUN_REFUSED, NULL,
                               AB_MSG_REASON_FAL_UNAVAILABLE, detail);
    char text[1024];
    ab_ui_named(ab_run_lang(t), AB_MSG_TRAINING_WAITING, t->avatar_name, text, sizeof text);
    ab_run_progress(ctx, t, "preparing", 0, text, 1);
    snprintf(ctx->error, sizeof ctx->error, "FAL unavailable: %.400s", detail);
    return AB_JOB_RETRY;
}

/* The submit's outcome is unknown: the run waits for a sign of the request (db/fal_submit.h)
 * and the user sees it queued, which it most likely is. */
static ab_job_outcome reconcile_from(ab_job_ctx *ctx, ab_training *t, const char *why)
{
    bool moved = false;
    ab_err err =
        ab_db_fal_submit_unknown(ctx->db, t->nonce, ctx->app->cfg->fal_reconcile_s, &moved);
    if (err != AB_OK)
        return db_retry(ctx, "recording the unknown submit failed", err);
    ab_run_fal_error("unknown");
    AB_WARN("FAL submit outcome unknown: reconciling", "{s:I,s:s,s:s,s:b}", "avatar_id",
            (json_int_t)t->avatar_id, "nonce", t->nonce, "why", why, "moved", moved);
    if (moved) {
        char text[1024];
        ab_ui_training_queued(ab_run_lang(t), t->avatar_name, 1, text, sizeof text);
        ab_run_progress(ctx, t, "submitted", 0, text, 1);
    }
    return again_in(ctx, ctx->app->cfg->fal_poll_seconds);
}

/* One attempt of a 'preparing' run: dataset, input, the attempt recorded, the POST. */
static ab_job_outcome attempt(ab_job_ctx *ctx, ab_training *t)
{
    const ab_config *cfg = ctx->app->cfg;
    const ab_trainer *trainer = ab_trainer_by_app(t->app_id);
    if (!trainer)
        trainer = ab_trainer_for_type(cfg, t->training_type);
    char key[256], *url = NULL;
    ab_err err = build_dataset(ctx, t, key, sizeof key, &url);
    if (ab_storage_err_retryable(err) || err == AB_ERR_DB_DOWN || err == AB_ERR_DB)
        return db_retry(ctx, "building the dataset failed", err); /* storage or db hiccup */
    if (err != AB_OK) {
        AB_ERROR("training dataset could not be built", "{s:I,s:s}", "avatar_id",
                 (json_int_t)t->avatar_id, "error", ab_err_name(err));
        return ab_run_end_from(ctx, t, "preparing", AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_REFUSED,
                               "dataset could not be built");
    }
    json_t *input = ab_trainer_input(cfg, trainer, url, t->trigger, t->avatar_type, t->avatar_name);
    free(url);
    char *input_text = input ? ab_json_dump(input) : NULL;
    if (!input_text || !ab_fal_once_nonce(t->nonce)) {
        json_decref(input);
        free(input_text);
        return db_retry(ctx, "building the input failed", AB_ERR_NOMEM);
    }
    int n = 0;
    err = ab_db_fal_submit_begin(ctx->db, t->request_id, ctx->job->id, t->nonce, trainer->app_id,
                                 input_text, key, &n);
    free(input_text);
    if (err != AB_OK) {
        json_decref(input);
        if (err != AB_ERR_CONFLICT)
            return db_retry(ctx, "recording the submit attempt failed", err);
        /* another runner began it, it was cancelled, or this job belongs to an older press */
        ab_training now;
        ab_job_outcome none;
        if (!ab_run_load_open(ctx, &now, AB_JOB_RETRY, &none))
            return none;
        return strcmp(now.status, "preparing") == 0 ? AB_JOB_DONE : again_in(ctx, 1);
    }
    if (strcmp(t->mode, "simulate") == 0) {
        json_decref(input);
        return submit_simulated(ctx, t, t->nonce);
    }
    char webhook[1200];
    snprintf(webhook, sizeof webhook, "%s/fal/webhook?run=%s", cfg->public_base_url, t->nonce);
    ab_fal_submission sub;
    ab_fal_error ferr;
    err = ab_fal_submit(ctx->http, cfg->fal_queue_base, cfg->fal_key, trainer->app_id, webhook,
                        input, cfg->fal_submit_timeout_s, &sub, &ferr);
    json_decref(input);
    if (err == AB_OK)
        return take_answer(ctx, t, trainer->app_id, t->nonce, &sub);
    if (ferr.maybe_accepted)
        return reconcile_from(ctx, t, ferr.detail[0] ? ferr.detail : ab_err_name(err));
    bool moved = false;
    ab_err dberr = ab_db_fal_submit_refused(ctx->db, t->nonce, &moved);
    if (dberr != AB_OK)
        return db_retry(ctx, "recording the refused submit failed", dberr);
    if (!moved)
        return again_in(ctx, 1); /* a cancel or a late adoption moved it first */
    if (err == AB_ERR_REMOTE) {
        /* refused (bad key, unknown app, validation, no credit): retrying will not help */
        ab_run_fal_error("refused");
        AB_ERROR("FAL refused the training", "{s:I,s:s,s:i,s:s}", "avatar_id",
                 (json_int_t)t->avatar_id, "trainer", trainer->app_id, "http_status",
                 (int)ferr.http_status, "detail", ferr.detail);
        return ab_run_end_from(ctx, t, "preparing", AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_REFUSED,
                               ferr.detail);
    }
    return submit_unavailable(ctx, t, ferr.detail[0] ? ferr.detail : ab_err_name(err));
}

bool ab_run_sweep_listing(ab_job_ctx *ctx, ab_training *t, bool take)
{
    if (strcmp(t->mode, "simulate") == 0)
        return false;
    ab_fal_once_run run = {t->request_id, t->app_id, t->nonce, t->opened_s};
    char adopted[128];
    if (!ab_fal_once_sweep(ctx, &run, take, adopted))
        return false;
    snprintf(t->request_id, sizeof t->request_id, "%s", adopted);
    return true;
}

/* A 'reconciling' run: adopt what FAL shows, else wait out the window, then a new attempt. */
static ab_job_outcome reconcile(ab_job_ctx *ctx, ab_training *t)
{
    const ab_config *cfg = ctx->app->cfg;
    if (ab_run_sweep_listing(ctx, t, true))
        return submitted(ctx, t, t->request_id);
    if (t->reconcile_left_s > 0)
        return again_in(ctx, t->reconcile_left_s < cfg->fal_poll_seconds
                                 ? t->reconcile_left_s + 0.05
                                 : cfg->fal_poll_seconds);
    bool moved = false;
    ab_err err = ab_db_fal_submit_supersede(ctx->db, t->nonce, &moved);
    if (err != AB_OK)
        return db_retry(ctx, "superseding the submit failed", err);
    if (moved)
        AB_WARN("no sign of the submit at FAL: submitting again", "{s:I,s:s,s:f}", "avatar_id",
                (json_int_t)t->avatar_id, "nonce", t->nonce, "waited_s",
                (double)cfg->fal_reconcile_s);
    return again_in(ctx, 0.2);
}

/* Carries the avatar's open run one step further, whatever state an earlier runner left. */
static ab_job_outcome drive(ab_job_ctx *ctx, ab_training *t)
{
    ab_job_outcome none;
    if (!ab_run_load_open(ctx, t, AB_JOB_RETRY, &none))
        return none; /* cancelled or deleted */
    if (strcmp(t->status, "preparing") == 0)
        return attempt(ctx, t);
    if (strcmp(t->status, "submitting") == 0) {
        /* an attempt of a runner that died or lost its lease: its POST has certainly ended
         * once the submit timeout is behind it, and then nobody knows how */
        double settle = ctx->app->cfg->fal_submit_timeout_s + 10.0;
        double poll = ctx->app->cfg->fal_poll_seconds;
        if (t->submitting_s >= 0 && t->submitting_s < settle) /* look again, the sooner of */
            return again_in(ctx, settle - t->submitting_s < poll ? settle - t->submitting_s : poll);
        return reconcile_from(ctx, t, "the submitting runner went away");
    }
    if (strcmp(t->status, "reconciling") == 0)
        return reconcile(ctx, t);
    /* submitted or running: the poll job follows it (queued again in case it was lost) */
    ab_err err = queue_poll(ctx, t, t->request_id);
    return err == AB_OK ? AB_JOB_DONE : db_retry(ctx, "queuing the poll failed", err);
}

/* When the last attempt fails too (storage, the database), the job is given up and
 * ab_job_training_give_up ends or hands on the run. */
ab_job_outcome ab_job_training_submit(ab_job_ctx *ctx)
{
    ab_training t;
    memset(&t, 0, sizeof t);
    return drive(ctx, &t);
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
    char detail[1024];
    ab_fal_finish_detail(ctx->payload, detail, sizeof detail);
    if (strcmp(t.status, "cancelling") == 0)
        return ab_run_end_stopped(ctx, &t, detail); /* the stop we asked for, confirmed */
    ab_run_fal_error("failed");
    return ab_run_end_now(ctx, &t, AB_RUN_FAILED, payload, AB_MSG_REASON_FAL_FAILED, detail);
}

ab_job_outcome ab_job_training_cancel(ab_job_ctx *ctx)
{
    ab_training t;
    ab_job_outcome none;
    if (!ab_run_load_open(ctx, &t, AB_JOB_RETRY, &none))
        return none; /* it ended meanwhile; its own message says how */
    if (strcmp(t.mode, "simulate") == 0 || strcmp(t.status, "preparing") == 0 ||
        strcmp(t.status, "submitting") == 0 || strcmp(t.status, "reconciling") == 0) {
        /* nothing at FAL that we know of: a submit in flight, or a request that shows up later
         * (its answer, its webhook, the listing), finds the run ended and is cancelled there */
        ab_job_outcome out = ab_run_end_now(ctx, &t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, NULL);
        if (out == AB_JOB_DONE && strcmp(t.status, "reconciling") == 0)
            ab_run_sweep_listing(ctx, &t, false);
        return out;
    }
    const char *key = ctx->app->cfg->fal_key;
    ab_fal_cancel_outcome co;
    ab_fal_error ferr;
    ab_err err = ab_fal_cancel(ctx->http, key, t.cancel_url, &co, &ferr);
    if ((err == AB_ERR_HTTP || err == AB_ERR_TIMEOUT) &&
        ctx->job->attempts < ctx->job->max_attempts) {
        ab_run_fal_error("unavailable");
        snprintf(ctx->error, sizeof ctx->error, "FAL cancel failed: %.400s", ferr.detail);
        return AB_JOB_RETRY;
    }
    if (err == AB_OK && co == AB_FAL_CANCEL_TOO_LATE) {
        /* it finished first: take the result instead */
        ab_job_outcome out;
        return ab_run_take_result(ctx, &t, &out) == AB_OK ? out : AB_JOB_RETRY;
    }
    if (err == AB_OK) /* FAL stops it (or no longer knows it): nothing more will be trained */
        return ab_run_end_now(ctx, &t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, NULL);
    /* refused (a rotated key, a 403) or never answered: FAL may still be training it, so the
     * run stays open, and the poll job asks again until FAL reports it ended */
    ab_run_fal_error(err == AB_ERR_REMOTE ? "cancel_refused" : "unavailable");
    AB_WARN("FAL did not take the cancel; the run stays open until FAL reports it ended",
            "{s:s,s:i,s:s}", "request_id", t.request_id, "http_status", (int)ferr.http_status,
            "detail", ferr.detail[0] ? ferr.detail : ab_err_name(err));
    return ab_run_stopping(ctx, &t, "user", ferr.detail);
}
