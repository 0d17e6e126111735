/* What every training job does to a run: report progress on the one progress message, and end
 * the run once (completed, failed, cancelled, or never accepted by FAL) with the user told in
 * plain words, the avatar moved and the metrics counted. */
#ifndef AB_WORKERS_TRAINING_RUN_H
#define AB_WORKERS_TRAINING_RUN_H

#include <jansson.h>

#include "db/training.h"
#include "ui/training.h"
#include "workers/jobs.h"

/**
 * Ends the run t: output is FAL's result (borrowed, may be NULL), reason the plain-language
 * reason shown to the user (AB_MSG_REASON_FAL_*), detail FAL's own error text (kept on the run
 * and logged for the operator, never shown to the user). A completed result that holds no
 * model becomes a failure. Returns the job outcome (retry when the database is unreachable).
 */
ab_job_outcome ab_run_end_now(ab_job_ctx *ctx, const ab_training *t, ab_run_end how,
                              const json_t *output, ab_msg_id reason, const char *detail);
/** As ab_run_end_now, but only a run whose status is only_from (NULL: any open one) ends. */
ab_job_outcome ab_run_end_from(ab_job_ctx *ctx, const ab_training *t, const char *only_from,
                               ab_run_end how, const json_t *output, ab_msg_id reason,
                               const char *detail);
/**
 * Records progress (status "in_queue" | "in_progress", percent) and edits the progress message
 * to text when it differs from what it shows and the last edit is old enough
 * (FAL_PROGRESS_EDIT_SECONDS); force skips the pause.
 */
ab_err ab_run_progress(ab_job_ctx *ctx, const ab_training *t, const char *status, int percent,
                       const char *text, int force);
/**
 * The open run of the job payload's "avatar_id", into t; true when there is one. Otherwise
 * *out says what the job does: done (no run: it ended, or the avatar is gone), fail (no
 * avatar_id), or on_db_error when the database could not be asked.
 */
bool ab_run_load_open(ab_job_ctx *ctx, ab_training *t, ab_job_outcome on_db_error,
                      ab_job_outcome *out);
/**
 * Fetches FAL's result of t and ends the run with it: completed, or failed when FAL answers
 * with the training's error (*out is then set, AB_OK). A transport error or "not finished yet"
 * is returned for the caller to decide (retry, or poll again), with ctx->error set.
 */
ab_err ab_run_take_result(ab_job_ctx *ctx, const ab_training *t, ab_job_outcome *out);
/**
 * FAL's request listing (FAL_RECONCILE_LISTING; false at once when off or simulated): the
 * requests whose input is one that an attempt of run t sent. With take, the earliest is adopted
 * if t is still waiting for one (true then, t->request_id updated); every other one is recorded
 * as an extra of t and cancelled at FAL while it runs.
 */
bool ab_run_sweep_listing(ab_job_ctx *ctx, ab_training *t, bool take);
/**
 * FAL was asked to stop the submitted run t (reason "user": the user's cancel; "time_limit")
 * but has not confirmed that the request ended: the run goes 'cancelling' and stays open (the
 * avatar stays 'training', so it cannot be trained again beside it) and the progress message
 * says so. The poll job follows it until FAL reports the request ended (ab_run_end_stopped).
 * Done when moved or when there was nothing to move; retry when the database failed.
 */
ab_job_outcome ab_run_stopping(ab_job_ctx *ctx, ab_training *t, const char *reason,
                               const char *detail);
/** Ends a 'cancelling' run that FAL reports ended without a model: cancelled when the user
 *  asked, failed ("took far longer") at the time limit. */
ab_job_outcome ab_run_end_stopped(ab_job_ctx *ctx, const ab_training *t, const char *detail);
/** Counts a failure talking to FAL (avatarbot_fal_errors_total{kind}). */
void ab_run_fal_error(const char *kind);
/** The user's language of a run. */
ab_lang ab_run_lang(const ab_training *t);
/** Wakes the senders (here and on other replicas) after queuing messages. */
void ab_run_wake_senders(ab_app *app);

#endif
