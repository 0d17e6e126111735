/* training.poll: one round every FAL_POLL_SECONDS while a run is open. It reads FAL's status
 * (logs included), turns it into a percentage (step counts from the logs when there are any,
 * else the time it has run against the type's expected duration, never 100 before the end)
 * and edits the progress message; on COMPLETED it fetches the result and ends the run, so a
 * lost webhook costs at most one poll interval. In simulate mode the percentage is the share
 * of FAL_SIMULATE_SECONDS gone by, and the end produces a result of the trainer's shape.
 *
 * A run is never ended here while FAL may still be training it (a second paid training could
 * then start beside it): FAL refusing our key (401/403, e.g. after a key rotation) only makes
 * the run wait, and a run past MAX_RUN_S is asked to stop at FAL and followed, 'cancelling',
 * until FAL reports it ended, as is one whose cancel FAL refused (training_run.h). */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "fal/queue.h"
#include "fal/trainers.h"
#include "ui/training.h"
#include "workers/training_run.h"

#define MAX_RUN_S (6 * 3600)

static int time_percent(const ab_config *cfg, const char *type, double running_s)
{
    int lo, hi;
    ab_config_training_minutes(cfg, type, &lo, &hi);
    double pct = running_s > 0 ? running_s / ((lo + hi) / 2.0 * 60.0) * 100.0 : 0;
    return pct > 95 ? 95 : (int)pct;
}

static json_t *simulated_result(const ab_training *t)
{
    unsigned char rnd[16];
    char hex[40];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        memset(rnd, 7, sizeof rnd);
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    const ab_trainer *tr = ab_trainer_by_app(t->app_id);
    if (tr && tr->result == AB_RESULT_FINETUNE)
        return json_pack("{s:s+}", "finetune_id", "sim-", hex);
    char lora[160], config[160];
    snprintf(lora, sizeof lora,
             "https://simulated.fal.invalid/files/%s/pytorch_lora_weights.safetensors", hex);
    snprintf(config, sizeof config, "https://simulated.fal.invalid/files/%s/config.json", hex);
    return json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}", "diffusers_lora_file", "url", lora,
                     "content_type", "application/octet-stream", "file_name",
                     "pytorch_lora_weights.safetensors", "config_file", "url", config,
                     "content_type", "application/json", "file_name", "config.json");
}

static ab_job_outcome again(ab_job_ctx *ctx)
{
    ctx->again_s = ctx->app->cfg->fal_poll_seconds;
    return AB_JOB_AGAIN;
}

static ab_job_outcome show_progress(ab_job_ctx *ctx, const ab_training *t, const char *status,
                                    int percent, double running_s)
{
    char text[1024];
    int left = ab_trainer_minutes_left(ctx->app->cfg, t->training_type, percent, running_s);
    ab_ui_training_progress(ab_run_lang(t), t->avatar_name, percent, left, text, sizeof text);
    ab_err err = ab_run_progress(ctx, t, status, percent, text, 0);
    if (err != AB_OK)
        AB_WARN("training progress not recorded", "{s:s,s:s}", "request_id", t->request_id, "error",
                ab_err_name(err));
    return again(ctx);
}

static ab_job_outcome poll_simulated(ab_job_ctx *ctx, const ab_training *t)
{
    double total = ctx->app->cfg->fal_simulate_seconds;
    if (t->elapsed_s >= total) {
        json_t *result = simulated_result(t);
        ab_job_outcome out = ab_run_end_now(ctx, t, AB_RUN_COMPLETED, result, AB_MSG__COUNT, NULL);
        json_decref(result);
        return out == AB_JOB_DONE ? AB_JOB_DONE : out;
    }
    int percent = (int)(t->elapsed_s / total * 100.0);
    if (percent > 99)
        percent = 99;
    char text[1024];
    int left = (int)((total - t->elapsed_s + 59) / 60);
    ab_ui_training_progress(ab_run_lang(t), t->avatar_name, percent, left, text, sizeof text);
    ab_run_progress(ctx, t, "in_progress", percent, text, 0);
    ctx->again_s = ctx->app->cfg->fal_poll_seconds;
    if (ctx->again_s > total - t->elapsed_s + 0.05)
        ctx->again_s = total - t->elapsed_s + 0.05; /* wake up right at the end */
    return AB_JOB_AGAIN;
}

/* FAL refused our key: the request may well be running on, so it is not ended for that. */
static bool auth_refused(const ab_fal_error *ferr)
{
    return ferr->http_status == 401 || ferr->http_status == 403;
}

static ab_job_outcome completed(ab_job_ctx *ctx, const ab_training *t);

/* A run being stopped: asked again every round (a refused cancel may be taken once the key
 * works again); it ends only when FAL reports the request ended or no longer knows it. */
static ab_job_outcome poll_cancelling(ab_job_ctx *ctx, ab_training *t)
{
    const char *key = ctx->app->cfg->fal_key;
    if (strcmp(t->mode, "simulate") == 0)
        return ab_run_end_stopped(ctx, t, NULL);
    ab_fal_status_info st;
    ab_fal_error ferr;
    ab_err err = ab_fal_status(ctx->http, key, t->status_url, &st, &ferr);
    if (err == AB_ERR_REMOTE && !auth_refused(&ferr))
        return ab_run_end_stopped(ctx, t, ferr.detail);
    if (err == AB_OK && st.state == AB_FAL_COMPLETED)
        return completed(ctx, t); /* a model made after all is the user's; else stopped */
    if (err != AB_OK) {
        ab_run_fal_error(auth_refused(&ferr) ? "auth" : "unavailable");
        AB_WARN("stopping training: status unavailable", "{s:s,s:s}", "request_id", t->request_id,
                "detail", ferr.detail[0] ? ferr.detail : ab_err_name(err));
        return again(ctx);
    }
    ab_fal_cancel_outcome co;
    err = ab_fal_cancel(ctx->http, key, t->cancel_url, &co, &ferr);
    if (err == AB_OK && co == AB_FAL_CANCEL_NOT_FOUND)
        return ab_run_end_stopped(ctx, t, "FAL no longer knows the request");
    if (err != AB_OK)
        AB_WARN("stopping training: FAL did not take the cancel", "{s:s,s:i,s:s}", "request_id",
                t->request_id, "http_status", (int)ferr.http_status, "detail",
                ferr.detail[0] ? ferr.detail : ab_err_name(err));
    return again(ctx); /* ALREADY_COMPLETED: the next round reads how it ended */
}

/* Past the time limit: FAL is asked to stop it, and the run ends once FAL confirms. */
static ab_job_outcome over_time(ab_job_ctx *ctx, ab_training *t)
{
    ab_fal_cancel_outcome co;
    ab_fal_error ferr;
    ab_err err = ab_fal_cancel(ctx->http, ctx->app->cfg->fal_key, t->cancel_url, &co, &ferr);
    if (err == AB_OK && co == AB_FAL_CANCEL_TOO_LATE)
        return completed(ctx, t);
    if (err == AB_OK && co == AB_FAL_CANCEL_NOT_FOUND)
        return ab_run_end_now(ctx, t, AB_RUN_FAILED, NULL, AB_MSG_REASON_FAL_TOO_LONG,
                              "no result within the time limit; FAL no longer knows it");
    ab_run_stopping(ctx, t, "time_limit", err == AB_OK ? "cancel requested" : ferr.detail);
    return again(ctx);
}

/* A run whose submit job was given up with its outcome unknown (job_training_give_up.c): it
 * takes the request FAL turns out to have (the webhook's nonce, the listing), and when the
 * reconcile window passes without a sign it ends as never started. It is not submitted
 * again: the submit that could do so is the job that was given up. */
static ab_job_outcome reconcile_handed_over(ab_job_ctx *ctx, ab_training *t)
{
    if (ab_run_sweep_listing(ctx, t, true)) {
        AB_INFO("handed-over run adopted its request", "{s:s,s:I}", "request_id", t->request_id,
                "avatar_id", (json_int_t)t->avatar_id);
        return again(ctx);
    }
    if (t->reconcile_left_s > 0)
        return again(ctx);
    return ab_run_end_from(ctx, t, "reconciling", AB_RUN_REFUSED, NULL,
                           AB_MSG_REASON_FAL_UNAVAILABLE,
                           "submit given up; no sign of its request at FAL within the window");
}

/* COMPLETED: the result ends the run; if it cannot be had yet (FAL down, or not quite done),
 * the next round tries again. */
static ab_job_outcome completed(ab_job_ctx *ctx, const ab_training *t)
{
    ab_job_outcome out;
    if (ab_run_take_result(ctx, t, &out) == AB_OK)
        return out;
    ab_run_fal_error("unavailable");
    return again(ctx);
}

ab_job_outcome ab_job_training_poll(ab_job_ctx *ctx)
{
    ab_training t;
    ab_job_outcome out;
    /* ended (webhook, cancel, deletion): polling stops; the database away: keep polling,
     * never give up the run */
    if (!ab_run_load_open(ctx, &t, AB_JOB_AGAIN, &out))
        return out;
    ab_err err;
    if (strcmp(t.status, "reconciling") == 0 &&
        json_is_true(json_object_get(ctx->payload, "handover")))
        return reconcile_handed_over(ctx, &t);
    if (strcmp(t.status, "preparing") == 0 || strcmp(t.status, "submitting") == 0 ||
        strcmp(t.status, "reconciling") == 0)
        return again(ctx);
    if (strcmp(t.status, "cancelling") == 0)
        return poll_cancelling(ctx, &t);
    if (strcmp(t.mode, "simulate") == 0)
        return poll_simulated(ctx, &t);
    if (t.unseen_attempts > 0) /* an earlier attempt's request may still be running at FAL */
        ab_run_sweep_listing(ctx, &t, false);
    if (t.elapsed_s > MAX_RUN_S)
        return over_time(ctx, &t);
    ab_fal_status_info st;
    ab_fal_error ferr;
    err = ab_fal_status(ctx->http, ctx->app->cfg->fal_key, t.status_url, &st, &ferr);
    if (err == AB_ERR_REMOTE && auth_refused(&ferr)) {
        /* our key, not the request: it may be training on, so the run waits, and the
         * operator hears of it */
        ab_run_fal_error("auth");
        AB_ERROR("FAL refused the status check: the run is kept open", "{s:s,s:i,s:s}",
                 "request_id", t.request_id, "http_status", (int)ferr.http_status, "detail",
                 ferr.detail);
        char text[1024];
        ab_ui_named(ab_run_lang(&t), AB_MSG_TRAINING_WAITING, t.avatar_name, text, sizeof text);
        ab_run_progress(ctx, &t, t.status, t.progress, text, 0);
        return again(ctx);
    }
    if (err == AB_ERR_REMOTE) { /* FAL does not know the request (any more) */
        ab_run_fal_error("failed");
        return ab_run_end_now(ctx, &t, AB_RUN_FAILED, NULL, AB_MSG_REASON_FAL_FAILED, ferr.detail);
    }
    if (err != AB_OK) {
        ab_run_fal_error("unavailable");
        AB_WARN("training status unavailable", "{s:s,s:s}", "request_id", t.request_id, "detail",
                ferr.detail[0] ? ferr.detail : ab_err_name(err));
        return again(ctx);
    }
    switch (st.state) {
    case AB_FAL_IN_QUEUE: {
        char text[1024];
        ab_ui_training_queued(ab_run_lang(&t), t.avatar_name, st.queue_position + 1, text,
                              sizeof text);
        ab_run_progress(ctx, &t, "in_queue", 0, text, 0);
        return again(ctx);
    }
    case AB_FAL_IN_PROGRESS: {
        double running = t.running_s < 0 ? 0 : t.running_s;
        int percent =
            st.percent >= 0 ? st.percent : time_percent(ctx->app->cfg, t.training_type, running);
        if (percent < t.progress)
            percent = t.progress; /* never backwards */
        return show_progress(ctx, &t, "in_progress", percent, running);
    }
    case AB_FAL_COMPLETED:
        break;
    }
    return completed(ctx, &t);
}
