/* The prober: every two seconds, on its own connection, asks the database for its schema
 * version and the queue gauges (inbox, outbox, jobs), and keeps the answers in the app.
 * /readyz and /metrics answer from them on the event loop, without a database round trip:
 * a probe that waits on a slow database, or queues behind FAL's callbacks for a helper thread,
 * fails readiness on every replica at once, and the ingress then drops Telegram's webhooks. */
#include <stdatomic.h>

#include "core/log.h"
#include "core/metrics.h"
#include "db/inbox.h"
#include "db/jobs.h"
#include "db/migrate.h"
#include "db/outbox.h"
#include "workers/workers.h"

#define PROBE_EVERY_MS 2000

/* The gauges read from the database: absent, not frozen at their last value, while it does
 * not answer. */
static const ab_metric_id FROM_DATABASE[] = {
    AB_M_INBOX_PENDING,         AB_M_INBOX_LAG_SECONDS, AB_M_OUTBOX_PENDING,
    AB_M_OUTBOX_OLDEST_SECONDS, AB_M_JOBS_PENDING,      AB_M_JOBS_OLDEST_SECONDS,
};

static void forget_gauges(void)
{
    for (size_t i = 0; i < sizeof FROM_DATABASE / sizeof FROM_DATABASE[0]; i++)
        ab_metrics_clear(FROM_DATABASE[i]);
}

static void probe(ab_app *app, ab_db *db)
{
    int version = 0;
    if (ab_migrate_current_version(db, &version) != AB_OK) {
        forget_gauges();
        return;
    }
    int64_t count = 0;
    double age = 0;
    if (ab_db_inbox_stats(db, &count, &age) == AB_OK) {
        ab_metrics_set(AB_M_INBOX_PENDING, "", (double)count);
        ab_metrics_set(AB_M_INBOX_LAG_SECONDS, "", age);
    }
    if (ab_db_outbox_pending(db, &count, &age) == AB_OK) {
        ab_metrics_set(AB_M_OUTBOX_PENDING, "", (double)count);
        ab_metrics_set(AB_M_OUTBOX_OLDEST_SECONDS, "", age);
    }
    if (ab_db_jobs_stats(db, &count, &age) == AB_OK) {
        ab_metrics_set(AB_M_JOBS_PENDING, "", (double)count);
        ab_metrics_set(AB_M_JOBS_OLDEST_SECONDS, "", age);
    } else {
        forget_gauges(); /* the database went away mid-probe */
    }
    /* published last, so a replica answers ready only once its gauges have been read */
    atomic_store(&app->schema_version, version);
    atomic_store(&app->db_seen_ms, ab_app_clock_ms());
}

void *ab_prober_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    while (atomic_load(&app->running)) {
        if (!db && ab_db_connect(app->cfg->database_url, &db) != AB_OK) {
            db = NULL;
            forget_gauges();
        }
        if (db)
            probe(app, db);
        ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), PROBE_EVERY_MS);
    }
    ab_db_close(db);
    return NULL;
}
