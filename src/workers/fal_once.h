/* The workers' side of "one press, at most one paid FAL request" (db/fal_submit.h), for any
 * kind of run (trainings today, generations later): attempt nonces, adopting FAL's request
 * with a synchronous commit, cancelling extras at FAL, and FAL's request listing as a source
 * of requests whose submit answer was lost. What a run does with them (its messages, its poll
 * job) stays with its own jobs. */
#ifndef AB_WORKERS_FAL_ONCE_H
#define AB_WORKERS_FAL_ONCE_H

#include <stdbool.h>

#include "db/fal_submit.h"
#include "fal/queue.h"
#include "workers/jobs.h"

/** A fresh attempt nonce: 128 random bits in hex (unguessable: it lets a webhook attach a
 *  request to a run). False when no randomness could be had. */
bool ab_fal_once_nonce(char out[33]);
/**
 * Attaches FAL's request sub to the run of attempt nonce (ab_db_fal_submit_adopt, committed
 * synchronously), trying a few times on database errors: the request is paid for already, and
 * its id would otherwise only come back with its webhook.
 */
ab_err ab_fal_once_adopt(ab_job_ctx *ctx, const char *nonce, const ab_fal_submission *sub,
                         ab_adopt *out);
/** Cancels at FAL a request of app_id that its run did not adopt (sub's cancel URL, or one
 *  built from its id), logged and counted (avatarbot_fal_errors_total{kind="extra"}). */
void ab_fal_once_cancel_extra(ab_job_ctx *ctx, const char *app_id, const ab_fal_submission *sub);

/** A run as the listing sweep needs it. */
typedef struct {
    const char *run_id; /* its request id: the placeholder, or FAL's once adopted */
    const char *app_id;
    const char *nonce; /* its current attempt's, to adopt under */
    double opened_s;   /* since it was opened: the listing is read from a little before */
} ab_fal_once_run;

/**
 * Reads FAL's request listing (FAL_RECONCILE_LISTING must be on) for requests whose input is
 * one that an attempt of the run sent. With take, the earliest one is adopted if the run still
 * waits for a request (true, its id in adopted); every other such request is recorded as an
 * extra of the run and cancelled at FAL while it runs.
 */
bool ab_fal_once_sweep(ab_job_ctx *ctx, const ab_fal_once_run *run, bool take, char adopted[128]);

#endif
