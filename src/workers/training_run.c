/* Ending runs and reporting their progress (see training_run.h). */
#include "workers/training_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/billing.h"
#include "db/outbox.h"
#include "db/photos.h"
#include "fal/queue.h"
#include "fal/trainers.h"
#include "fsm/effects.h"
#include "ui/billing.h"
#include "ui/training.h"
#include "workers/batch_message.h"

ab_lang ab_run_lang(const ab_training *t)
{
    return ab_lang_from_code(t->language[0] ? t->language : NULL);
}

void ab_run_wake_senders(ab_app *app)
{
    ab_signal_raise(&app->outbox_ready);
    ab_app_request_notify(app, &app->notify_outbox);
}

typedef struct {
    const ab_training *t;
    ab_training_end end;
    ab_run_end how;
    ab_msg_id reason;
    bool ended;
    int64_t refunded; /* credits given back */
} end_ctx;

static ab_err end_tx(ab_db *db, void *arg)
{
    end_ctx *e = arg;
    const ab_training *t = e->t;
    ab_err err = ab_db_training_finish(db, t->request_id, &e->end, &e->ended);
    if (err == AB_OK && e->ended) /* the database gave its credits back, if it should */
        err = ab_db_billing_refunded(db, t->request_id, 0, &e->refunded);
    if (err != AB_OK || !e->ended || !t->chat_id)
        return err;
    ab_lang lang = ab_run_lang(t);
    char line[512];
    ab_ui_named(
        lang, e->how == AB_RUN_COMPLETED ? AB_MSG_TRAINING_DONE_LINE : AB_MSG_TRAINING_STOPPED_LINE,
        t->avatar_name, line, sizeof line);
    if (t->batch_id && (err = ab_batch_message_edit(db, t->batch_id, t->chat_id, line, NULL)))
        return err;
    ab_ui_msg m = {0};
    ab_ui_training_end(lang, e->how, t->avatar_name, e->reason, t->avatar_id, &m);
    ab_ui_refund_note(lang, e->refunded, m.text, sizeof m.text);
    return ab_job_message_send(db, t->chat_id, m.text, m.kb);
}

ab_job_outcome ab_run_end_now(ab_job_ctx *ctx, const ab_training *t, ab_run_end how,
                              const json_t *output, ab_msg_id reason, const char *detail)
{
    return ab_run_end_from(ctx, t, NULL, how, output, reason, detail);
}

ab_job_outcome ab_run_end_from(ab_job_ctx *ctx, const ab_training *t, const char *only_from,
                               ab_run_end how, const json_t *output, ab_msg_id reason,
                               const char *detail)
{
    const char *lora = NULL, *finetune = NULL;
    if (how == AB_RUN_COMPLETED) {
        const ab_trainer *tr = ab_trainer_by_app(t->app_id);
        if (tr && tr->result == AB_RESULT_FINETUNE)
            finetune = ab_json_nonempty(output, "finetune_id");
        else
            lora = ab_json_nonempty(output, "diffusers_lora_file.url");
        if (!lora && !finetune) {
            how = AB_RUN_FAILED;
            reason = AB_MSG_REASON_FAL_FAILED;
            detail = "the result holds no model";
        }
    }
    static const struct {
        const char *run, *avatar, *metric;
    } STATUS[] = {[AB_RUN_COMPLETED] = {"completed", "completed", "completed"},
                  [AB_RUN_FAILED] = {"error", "error", "error"},
                  [AB_RUN_CANCELLED] = {"cancelled", "cancelled", "cancelled"},
                  [AB_RUN_REFUSED] = {"error", "ready", "refused"}};
    char *result = output ? ab_json_dump(output) : NULL;
    end_ctx e = {.t = t,
                 .end = {.run_status = STATUS[how].run,
                         .avatar_status = STATUS[how].avatar,
                         .result_json = result,
                         .error = detail,
                         .lora_url = lora,
                         .finetune_id = finetune,
                         .only_from = only_from},
                 .how = how,
                 .reason = reason};
    ab_err err = ab_db_tx(ctx->db, end_tx, &e);
    free(result);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "ending the run failed: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    if (!e.ended)
        return AB_JOB_DONE; /* someone else (a webhook, a poll, a cancel) ended it first */
    char labels[96];
    snprintf(labels, sizeof labels, "training_type=\"%s\",result=\"%s\"", t->training_type,
             STATUS[how].metric);
    ab_metrics_add(AB_M_TRAININGS_FINISHED, labels, 1);
    if (e.refunded)
        ab_metrics_add(AB_M_CREDITS_REFUNDED, "kind=\"training\"", (double)e.refunded);
    if (how == AB_RUN_COMPLETED) {
        snprintf(labels, sizeof labels, "training_type=\"%s\"", t->training_type);
        ab_metrics_observe(AB_M_TRAINING_SECONDS, labels, t->elapsed_s);
    }
    AB_INFO("training finished", "{s:s,s:I,s:s,s:s,s:s,s:f,s:s?}", "request_id", t->request_id,
            "avatar_id", (json_int_t)t->avatar_id, "result", STATUS[how].metric, "mode", t->mode,
            "trainer", t->app_id, "seconds", t->elapsed_s, "detail", detail);
    ab_run_wake_senders(ctx->app);
    return AB_JOB_DONE;
}

ab_err ab_run_progress(ab_job_ctx *ctx, const ab_training *t, const char *status, int percent,
                       const char *text, int force)
{
    const ab_config *cfg = ctx->app->cfg;
    int edit = text && strcmp(text, t->progress_text) != 0 &&
               (force || t->since_edit_s < 0 || t->since_edit_s >= cfg->fal_progress_edit_seconds);
    ab_err err = ab_db_training_progress(ctx->db, t, status, percent, edit ? text : NULL);
    if (err == AB_OK && edit && t->batch_id)
        err = ab_batch_message_edit(ctx->db, t->batch_id, t->chat_id, text,
                                    ab_ui_training_kb_running(ab_run_lang(t), t->avatar_id));
    if (err == AB_OK && edit)
        ab_run_wake_senders(ctx->app);
    return err;
}

bool ab_run_load_open(ab_job_ctx *ctx, ab_training *t, ab_job_outcome on_db_error,
                      ab_job_outcome *out)
{
    int64_t avatar_id = 0;
    if (!ab_json_i64(ctx->payload, "avatar_id", &avatar_id) || avatar_id <= 0) {
        snprintf(ctx->error, sizeof ctx->error, "no avatar_id");
        *out = AB_JOB_FAIL;
        return false;
    }
    ab_err err = ab_db_training_open(ctx->db, avatar_id, t);
    if (err == AB_OK)
        return true;
    if (err == AB_ERR_NOT_FOUND) {
        *out = AB_JOB_DONE;
    } else {
        snprintf(ctx->error, sizeof ctx->error, "loading the run failed: %s", ab_err_name(err));
        AB_WARN("training run not loaded", "{s:I,s:s,s:s}", "avatar_id", (json_int_t)avatar_id,
                "job", ctx->job->kind_name, "error", ab_err_name(err));
        ctx->again_s = ctx->app->cfg->fal_poll_seconds;
        *out = on_db_error;
    }
    return false;
}

ab_err ab_run_take_result(ab_job_ctx *ctx, const ab_training *t, ab_job_outcome *out)
{
    json_t *result = NULL;
    ab_fal_error ferr;
    ab_err err = ab_fal_result(ctx->http, ctx->app->cfg->fal_key, t->response_url, &result, &ferr);
    if (err == AB_OK) {
        *out = ab_run_end_now(ctx, t, AB_RUN_COMPLETED, result, AB_MSG__COUNT, NULL);
        json_decref(result);
    } else if (err == AB_ERR_REMOTE && strcmp(t->status, "cancelling") == 0) {
        *out = ab_run_end_stopped(ctx, t, ferr.detail); /* FAL stopped it as asked */
        err = AB_OK;
    } else if (err == AB_ERR_REMOTE) {
        ab_run_fal_error("failed");
        *out = ab_run_end_now(ctx, t, AB_RUN_FAILED, NULL, AB_MSG_REASON_FAL_FAILED, ferr.detail);
        err = AB_OK;
    } else {
        snprintf(ctx->error, sizeof ctx->error, "fetching the result failed: %.400s",
                 ferr.detail[0] ? ferr.detail : ab_err_name(err));
    }
    return err;
}

ab_job_outcome ab_run_stopping(ab_job_ctx *ctx, ab_training *t, const char *reason,
                               const char *detail)
{
    bool moved = false;
    ab_err err = ab_db_training_cancelling(ctx->db, t->request_id, reason, &moved);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "recording the stop failed: %s", ab_err_name(err));
        return AB_JOB_RETRY;
    }
    if (!moved)
        return AB_JOB_DONE; /* already stopping, ended, or not at FAL: nothing changes */
    snprintf(t->status, sizeof t->status, "cancelling");
    snprintf(t->cancel_reason, sizeof t->cancel_reason, "%s", reason);
    AB_WARN("training stopping: kept open until FAL confirms", "{s:s,s:I,s:s,s:s}", "request_id",
            t->request_id, "avatar_id", (json_int_t)t->avatar_id, "reason", reason, "detail",
            detail ? detail : "");
    char text[1024];
    ab_ui_named(ab_run_lang(t),
                strcmp(reason, "user") == 0 ? AB_MSG_TRAINING_STOPPING : AB_MSG_TRAINING_TOO_LONG,
                t->avatar_name, text, sizeof text);
    ab_run_progress(ctx, t, "cancelling", t->progress, text, 1);
    return AB_JOB_DONE;
}

ab_job_outcome ab_run_end_stopped(ab_job_ctx *ctx, const ab_training *t, const char *detail)
{
    if (strcmp(t->cancel_reason, "time_limit") == 0)
        return ab_run_end_now(ctx, t, AB_RUN_FAILED, NULL, AB_MSG_REASON_FAL_TOO_LONG,
                              detail && *detail ? detail : "no result within the time limit");
    return ab_run_end_now(ctx, t, AB_RUN_CANCELLED, NULL, AB_MSG__COUNT, detail);
}

void ab_run_fal_error(const char *kind)
{
    char labels[48];
    snprintf(labels, sizeof labels, "kind=\"%s\"", kind);
    ab_metrics_add(AB_M_FAL_ERRORS, labels, 1);
}
