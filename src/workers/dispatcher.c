/* Dispatcher threads: take the lanes (chats) with the oldest pending updates whose lock no one
 * holds and claim their oldest update each (one statement: lanes skipped while another
 * dispatcher holds them, locks taken, attempts counted), run one FSM step on each (the round's
 * steps in one transaction, see step.c), and let go of the locks. Workers on every replica do
 * the same; the lane lock and the "oldest pending first" read make that safe and keep each
 * chat's order. When there is nothing to do, a worker sleeps until a NOTIFY (or a local
 * insert) wakes it, or one second passes — the polling fallback for a lost notification. */
#include <stdatomic.h>
#include <time.h>

#include "core/log.h"
#include "db/inbox.h"
#include "workers/workers.h"

/* Lanes a round takes: its steps share one transaction and each of their statements (step.c),
 * so a round's cost is mostly per round, not per update. Measured with bench/ (issue 19,
 * 20,000 /start over 2,000 chats): 16 → 32 → 64 lanes gave about 3,070 → 3,950 → 4,580
 * updates/s and 0.54 → 0.44 → 0.34 ms of CPU per update. A round's lanes wait for the whole
 * round, a few ms more with 64 than with 16. */
#define LANES_PER_ROUND 64
/* How often a dispatcher scans from the very start again, to pick up an older update left
 * pending (a lane that was busy, a failed attempt) behind its low mark. */
#define FULL_SCAN_EVERY_S 2
#define STRAGGLER_WINDOW 256

void *ab_dispatcher_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    int64_t low = 0;
    time_t last_full = 0;
    ab_worker_yield_to_ingress();
    while (atomic_load(&app->running)) {
        if (!db) {
            if (ab_db_connect(app->cfg->database_url, &db) != AB_OK) {
                ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 1000);
                continue;
            }
            ab_worker_session(db);
        }
        ab_worker_give_way(app);
        unsigned long seen = ab_signal_seq(&app->inbox_ready);
        int64_t oldest = 0;
        int n = 0, m = 0;
        time_t now = time(NULL);
        if (now - last_full >= FULL_SCAN_EVERY_S) {
            low = 0;
            last_full = now;
        }
        ab_inbox_claim claims[LANES_PER_ROUND];
        ab_err err = ab_db_inbox_claim_lanes(db, low, LANES_PER_ROUND, claims, &m, &n, &oldest);
        int64_t scanned_from = low;
        /* Updates of different chats arrive concurrently and commit slightly out of id
         * order: start the next scan a little below the oldest pending one seen. */
        low = n > 0 && oldest > STRAGGLER_WINDOW ? oldest - STRAGGLER_WINDOW : 0;
        if (err != AB_OK) {
            ab_inbox_claims_free(claims, m);
            if (ab_db_inbox_release_lanes(db) != AB_OK) { /* a partial claim may hold some */
                ab_db_close(db);
                db = NULL;
            }
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 500);
            continue;
        }
        if (n >= LANES_PER_ROUND)
            ab_signal_raise_one(&app->inbox_ready); /* more chats may be waiting: bring help */
        int progressed = 0;
        ab_step_result results[LANES_PER_ROUND];
        ab_step_output outs[LANES_PER_ROUND];
        int ran = m > 0 && atomic_load(&app->running) ? m : 0;
        if (ran > 0)
            ab_step_run_round(app, db, claims, ran, results,
                              outs); /* one transaction when it can */
        for (int i = 0; i < ran; i++) {
            progressed |= results[i] == AB_STEP_DONE || results[i] == AB_STEP_FAILED;
            if (outs[i].calls) {
                ab_signal_raise_one(&app->outbox_ready);
                ab_app_request_notify(app, &app->notify_outbox);
            }
            if (outs[i].jobs) {
                ab_signal_raise_one(&app->jobs_ready);
                ab_app_request_notify(app, &app->notify_jobs);
            }
        }
        ab_inbox_claims_free(claims, m);
        /* every lane tried, granted or not (a failed claim may still have taken some) */
        if (n > 0 && ab_db_inbox_release_lanes(db) != AB_OK) {
            ab_db_close(db); /* a connection that cannot let go of its locks must go */
            db = NULL;
        }
        if (n == 0 && scanned_from > 0)
            continue; /* nothing above the mark: look again from the start, at once */
        if (n == 0)
            ab_signal_wait(&app->inbox_ready, seen, 1000);
        else if (!progressed)
            ab_signal_wait(&app->inbox_ready, ab_signal_seq(&app->inbox_ready), 20);
    }
    ab_db_close(db);
    return NULL;
}
