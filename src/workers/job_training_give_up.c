/* What a given-up training job (retries exhausted, or its runner died twice while running it)
 * leaves behind: never a run and an avatar stuck in 'training' with nothing to end them, and
 * never a run ended, or submitted again, while FAL may be training it (db/fal_submit.h,
 * training_run.h). By the run's state:
 *   preparing            nothing was sent: the run ends, the avatar is ready, the user told;
 *   submitting,
 *   reconciling          the submit's outcome is unknown: a poll job takes the run over and
 *                        only reconciles it (the webhook's nonce, FAL's listing); once the
 *                        reconcile window passes without a sign it ends as never started, it
 *                        is not submitted again;
 *   submitted .. in_progress, cancelling
 *                        FAL has it: a poll job follows it (a given-up cancel asks FAL to stop
 *                        it, 'cancelling'); a given-up poll is queued again, later;
 *   and a given-up finish ends the run as FAL's webhook said (FAL has ended it). */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "db/fal_submit.h"
#include "db/jobs.h"
#include "ui/training.h"
#include "workers/training_run.h"

/* A poll that crashed its runners twice is queued again only after this long, so a run that
 * kills the poll cannot take the replicas down one lease after another. */
#define POLL_AGAIN_AFTER_GIVE_UP_S 300.0

/* A new poll job of t's avatar; handover: it reconciles an unknown submit (no new attempt).
 * It takes the run's usual key (one poll per request) unless that is the given-up job's. */
static ab_err poll_job(ab_job_ctx *ctx, const ab_training *t, double delay_s, bool handover)
{
    char payload[96], dedup[200];
    snprintf(payload, sizeof payload, "{\"avatar_id\":%lld%s}", (long long)t->avatar_id,
             handover ? ",\"handover\":true" : "");
    if (handover || ctx->job->kind == AB_JOB_KIND_TRAINING_POLL)
        snprintf(dedup, sizeof dedup, "poll-after:%lld", (long long)ctx->job->id);
    else
        snprintf(dedup, sizeof dedup, "poll:%s", t->request_id);
    ab_job_spec spec = {.kind = AB_JOB_KIND_TRAINING_POLL,
                        .chat_id = t->chat_id,
                        .user_id = t->user_id,
                        .avatar_id = t->avatar_id,
                        .payload_json = payload,
                        .delay_s = delay_s,
                        .dedup_key = dedup};
    ab_err err = ab_db_job_enqueue_spec(ctx->db, &spec);
    if (err == AB_OK) {
        ab_signal_raise(&ctx->app->jobs_ready);
        ab_app_request_notify(ctx->app, &ctx->app->notify_jobs);
    }
    return err;
}

static bool is(const ab_training *t, const char *status)
{
    return strcmp(t->status, status) == 0;
}

static bool pre_submit(const ab_training *t)
{
    return is(t, "preparing") || is(t, "submitting") || is(t, "reconciling");
}

/* A given-up submit whose attempt may be at FAL: reconciling, followed by a poll job. */
static ab_err hand_over(ab_job_ctx *ctx, ab_training *t)
{
    bool moved = false;
    ab_err err = AB_OK;
    if (is(t, "submitting"))
        err = ab_db_fal_submit_unknown(ctx->db, t->nonce, ctx->app->cfg->fal_reconcile_s, &moved);
    if (err == AB_OK && moved) {
        char text[1024];
        ab_ui_training_queued(ab_run_lang(t), t->avatar_name, 1, text, sizeof text);
        ab_run_progress(ctx, t, "submitted", 0, text, 1);
    }
    return err == AB_OK ? poll_job(ctx, t, 0.2, true) : err;
}

static ab_err avatar_give_up(ab_job_ctx *ctx, ab_training *t)
{
    ab_job_kind kind = ctx->job->kind;
    bool cancel = kind == AB_JOB_KIND_TRAINING_CANCEL;
    if (cancel && pre_submit(t)) {
        /* as the cancel job would: a request that shows up later finds the run ended and is
         * cancelled at FAL as an extra */
        ab_run_end_now(ctx, t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, ctx->error);
        return AB_OK;
    }
    if (is(t, "preparing") && kind == AB_JOB_KIND_TRAINING_SUBMIT) {
        /* nothing was sent: the user hears that it did not start, the avatar is ready */
        ab_run_end_from(ctx, t, "preparing", AB_RUN_REFUSED, NULL, AB_MSG_REASON_FAL_UNAVAILABLE,
                        ctx->error);
        return AB_OK;
    }
    if (pre_submit(t))
        return kind == AB_JOB_KIND_TRAINING_SUBMIT ? hand_over(ctx, t) : AB_OK;
    if (cancel)
        ab_run_stopping(ctx, t, "user", ctx->error); /* the poll asks FAL again each round */
    return poll_job(ctx, t,
                    kind == AB_JOB_KIND_TRAINING_POLL ? POLL_AGAIN_AFTER_GIVE_UP_S
                                                      : ctx->app->cfg->fal_poll_seconds,
                    false);
}

/* FAL said the request ended (the webhook in the payload): the run ends as it said. */
static void finish_give_up(ab_job_ctx *ctx, const char *request_id)
{
    ab_training t;
    if (ab_db_training_by_request(ctx->db, request_id, &t) != AB_OK ||
        !(pre_submit(&t) || is(&t, "submitted") || is(&t, "in_queue") || is(&t, "in_progress") ||
          is(&t, "cancelling")))
        return;
    json_t *payload = json_object_get(ctx->payload, "payload");
    const char *status = ab_json_str(ctx->payload, "status");
    if (status && strcmp(status, "OK") == 0 && json_is_object(payload))
        ab_run_end_now(ctx, &t, AB_RUN_COMPLETED, payload, AB_MSG__COUNT, NULL);
    else if (is(&t, "cancelling"))
        ab_run_end_stopped(ctx, &t, ctx->error);
    else
        ab_run_end_now(ctx, &t, AB_RUN_FAILED, NULL, AB_MSG_REASON_FAL_FAILED, ctx->error);
}

void ab_job_training_give_up(ab_job_ctx *ctx)
{
    char error[sizeof ctx->error];
    snprintf(error, sizeof error, "%s", ctx->error);
    const char *request_id = ab_json_nonempty(ctx->payload, "request_id");
    int64_t avatar_id = 0;
    ab_training t;
    ab_err err = AB_OK;
    if (ctx->job->kind == AB_JOB_KIND_TRAINING_FINISH && request_id)
        finish_give_up(ctx, request_id);
    else if (ab_json_i64(ctx->payload, "avatar_id", &avatar_id) &&
             (err = ab_db_training_open(ctx->db, avatar_id, &t)) == AB_OK)
        err = avatar_give_up(ctx, &t);
    if (err != AB_OK && err != AB_ERR_NOT_FOUND)
        AB_ERROR("a given-up training job left its run as it was", "{s:I,s:s,s:s}", "job_id",
                 (json_int_t)ctx->job->id, "kind", ctx->job->kind_name, "error", ab_err_name(err));
    else
        AB_WARN("training job given up: run handed on", "{s:I,s:s,s:I}", "job_id",
                (json_int_t)ctx->job->id, "kind", ctx->job->kind_name, "avatar_id",
                (json_int_t)avatar_id);
    snprintf(ctx->error, sizeof ctx->error, "%s", error);
}
