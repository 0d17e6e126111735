/* Dispatcher threads: find lanes (chats) with pending updates, oldest first, and run one FSM
 * step on each lane whose lock is free. Workers on every replica do the same; the lane lock
 * and the "oldest pending first" read make that safe and keep each chat's order. When there is
 * nothing to do, a worker sleeps until a NOTIFY (or a local insert) wakes it, or one second
 * passes — the polling fallback for a lost notification. */
#include <stdatomic.h>

#include "core/log.h"
#include "db/inbox.h"
#include "workers/workers.h"

#define LANES_PER_ROUND 16

void *ab_dispatcher_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    while (atomic_load(&app->running)) {
        if (!db) {
            if (ab_db_connect(app->cfg->database_url, &db) != AB_OK) {
                ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 1000);
                continue;
            }
            ab_worker_session(db);
        }
        unsigned long seen = ab_signal_seq(&app->inbox_ready);
        int64_t lanes[LANES_PER_ROUND];
        int n = 0;
        ab_err err = ab_db_inbox_pending_lanes(db, lanes, LANES_PER_ROUND, &n);
        if (err != AB_OK) {
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 500);
            continue;
        }
        if (n > 1)
            ab_signal_raise_one(&app->inbox_ready); /* more than one chat waiting: bring help */
        int progressed = 0;
        for (int i = 0; i < n && atomic_load(&app->running); i++) {
            ab_step_output out;
            ab_step_result r = ab_step_run_lane_ex(db, lanes[i], &out);
            progressed |= r == AB_STEP_DONE || r == AB_STEP_FAILED;
            if (out.calls) {
                ab_signal_raise_one(&app->outbox_ready);
                ab_app_request_notify(app, &app->notify_outbox);
            }
            if (out.jobs)
                ab_app_request_notify(app, &app->notify_jobs);
        }
        if (n == 0)
            ab_signal_wait(&app->inbox_ready, seen, 1000);
        else if (!progressed)
            ab_signal_wait(&app->inbox_ready, ab_signal_seq(&app->inbox_ready), 20);
    }
    ab_db_close(db);
    return NULL;
}
