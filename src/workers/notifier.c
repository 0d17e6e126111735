/* The notifier: sends NOTIFY ab_inbox / ab_outbox / ab_jobs on behalf of the rest of the
 * replica, in its own short transactions. Requests made while one NOTIFY is in flight, or
 * within NOTIFY_GAP_MS after it, fold into the next, so a burst of a thousand inserts costs a
 * handful of NOTIFYs. (PostgreSQL takes
 * a database-wide lock while committing a transaction that notifies; keeping NOTIFY out of the
 * ingress and step transactions is what lets their commits be grouped.) */
#include <stdatomic.h>

#include "core/log.h"
#include "workers/workers.h"

static const ab_db_stmt NOTIFY = {"notify",
                                  "SELECT pg_notify('ab_inbox', '') WHERE $1::bool"
                                  " UNION ALL SELECT pg_notify('ab_outbox', '') WHERE $2::bool"
                                  " UNION ALL SELECT pg_notify('ab_jobs', '') WHERE $3::bool",
                                  3};

/* Other replicas learn of new work at most this much later; their own webhooks wake them at
 * once. Without the gap a busy replica sent a NOTIFY per ~2 updates (a commit each: as many
 * WAL flushes as the webhook's own batches). */
#define NOTIFY_GAP_MS 5

void *ab_notifier_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    while (atomic_load(&app->running)) {
        unsigned long seen = ab_signal_seq(&app->notify_request);
        int inbox = atomic_exchange(&app->notify_inbox, 0);
        int outbox = atomic_exchange(&app->notify_outbox, 0);
        int jobs = atomic_exchange(&app->notify_jobs, 0);
        if (!(inbox || outbox || jobs)) {
            ab_signal_wait(&app->notify_request, seen, 1000);
            continue;
        }
        if (!db && ab_db_connect(app->cfg->database_url, &db) == AB_OK)
            ab_db_command(db, "SET synchronous_commit = off");
        if (!db)
            continue; /* other replicas fall back to polling meanwhile */
        const char *params[] = {inbox ? "true" : "false", outbox ? "true" : "false",
                                jobs ? "true" : "false"};
        if (ab_db_exec(db, &NOTIFY, params, NULL) == AB_ERR_DB_DOWN) {
            ab_db_close(db);
            db = NULL;
        }
        ab_signal_sleep(&app->stop, ab_signal_seq(&app->stop), NOTIFY_GAP_MS);
    }
    ab_db_close(db);
    return NULL;
}
