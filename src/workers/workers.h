/* Background threads of `serve`: dispatchers (inbox → FSM → outbox), senders (outbox → Bot
 * API), the NOTIFY listener, and the janitor (lease recovery, retention). */
#ifndef AB_WORKERS_WORKERS_H
#define AB_WORKERS_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "db/db.h"
#include "db/inbox.h"

typedef struct ab_workers ab_workers;

/** Starts every background thread. */
ab_err ab_workers_start(ab_app *app, ab_workers **out);
/** Asks every thread to finish what it holds and joins them. */
void ab_workers_stop(ab_workers *w);

/* One FSM step on a claimed lane (the dispatcher's unit of work), exposed for tests and
 * benches. */
typedef enum { AB_STEP_IDLE, AB_STEP_BUSY, AB_STEP_DONE, AB_STEP_FAILED } ab_step_result;
/** What a step produced, so the caller can wake the threads that deliver it. */
typedef struct {
    int64_t update_id;
    bool calls; /* outbox rows were written */
    bool jobs;  /* jobs were queued */
} ab_step_output;
/** Handles the claimed update (see ab_db_inbox_claim_lanes). */
ab_step_result ab_step_run_claimed(ab_db *db, const ab_inbox_claim *claim, ab_step_output *out);
/** Handles a round's n claims, in one transaction when it can (see step.c), giving way to
 *  webhooks between steps (app NULL: never); results[i] and outs[i] are claims[i]'s. */
void ab_step_run_round(ab_app *app, ab_db *db, const ab_inbox_claim *claims, int n,
                       ab_step_result *results, ab_step_output *outs);
/** Session settings for worker connections: their commits need not wait for the disk, since
 *  a lost step is re-run from the durable inbox (see workers.c). */
void ab_worker_session(ab_db *db);
/** Lowers the calling thread's CPU priority below the HTTP threads'. */
void ab_worker_yield_to_ingress(void);
/** Waits (a little, see workers.c) while webhook requests wait for their commit. */
void ab_worker_give_way(ab_app *app);

/* Thread bodies. */
void *ab_dispatcher_main(void *app);
void *ab_sender_main(void *app);
void *ab_listener_main(void *app);
void *ab_janitor_main(void *app);
void *ab_notifier_main(void *app);
void *ab_prober_main(void *app);

#endif
