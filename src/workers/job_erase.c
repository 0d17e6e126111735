/* user.erase: the user's /forget, carried out (workers/erase_user.h), then told. A storage or
 * database fault is retried: nothing after the failed step was done. */
#include <stdio.h>
#include <stdlib.h>

#include "core/json.h"
#include "ui/messages.h"
#include "workers/batch_message.h"
#include "workers/erase_user.h"
#include "workers/jobs.h"
#include "workers/training_run.h"

ab_job_outcome ab_job_user_erase(ab_job_ctx *ctx)
{
    int64_t user_id = 0;
    if (!ab_json_i64(ctx->payload, "user_id", &user_id) || user_id <= 0) {
        snprintf(ctx->error, sizeof ctx->error, "no user_id");
        return AB_JOB_FAIL;
    }
    ab_erase_report r;
    ab_err err = ab_erase_user(ctx->db, ctx->storage, ctx->http, ctx->app->cfg, user_id, &r);
    PQclear(r.rows);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "%s", r.error);
        return AB_JOB_RETRY;
    }
    /* a private chat's id is its user's */
    ab_lang lang = ab_lang_from_code(ab_json_str(ctx->payload, "lang"));
    err = ab_job_message_send(ctx->db, user_id, ab_msg(lang, AB_MSG_FORGET_DONE), NULL);
    if (err != AB_OK) {
        snprintf(ctx->error, sizeof ctx->error, "telling the user failed: %s", ab_err_name(err));
        return AB_JOB_RETRY; /* erasing again finds nothing and costs nothing */
    }
    ab_run_wake_senders(ctx->app);
    return AB_JOB_DONE;
}
