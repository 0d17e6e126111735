/* The janitor: every few seconds says this replica is alive and takes its share of the bot's
 * message rate (the replicas alive share it), renews the leases of the jobs this replica runs,
 * and returns expired outbox and job leases (a sender or runner that died mid-call) to their
 * queues; every hour deletes handled updates past the deduplication window, and every
 * RETENTION_INTERVAL_SECONDS what the retention says is old enough (db/retention.h). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "db/inbox.h"
#include "db/jobs.h"
#include "db/outbox.h"
#include "db/replicas.h"
#include "db/retention.h"
#include "workers/jobs.h"
#include "workers/ratelimit.h"
#include "workers/workers.h"

/* A replica unseen for this long no longer counts (three missed beats at most 5 s apart). */
#define ALIVE_WINDOW_S 15

static void heartbeat(ab_app *app, ab_db *db)
{
    int alive = 1;
    if (ab_db_replica_heartbeat(db, app->replica_id, ALIVE_WINDOW_S, &alive) != AB_OK) {
        AB_WARN("replica heartbeat failed", "{s:s}", "error", ab_db_last_message(db));
        return; /* keep the share we have: the others still count this replica */
    }
    ab_ratelimit_share(app->ratelimit, alive);
    ab_metrics_set(AB_M_REPLICAS_ALIVE, NULL, alive);
}

static ab_err retention_tx(ab_db *db, void *arg)
{
    ab_app *app = ((void **)arg)[0];
    ab_retention_counts *c = ((void **)arg)[1];
    const ab_config *cfg = app->cfg;
    return ab_db_retention_run(db, cfg->photo_retention_days, cfg->records_retention_days,
                               cfg->retention_clock_offset_days, c);
}

/* Deletes what is old enough (db/retention.h); true when it ran. Every replica may: the
 * statements delete what is there, so two at once only find less. */
static bool retention(ab_app *app, ab_db *db)
{
    ab_retention_counts c;
    void *arg[] = {app, &c};
    if (ab_db_tx(db, retention_tx, arg) != AB_OK) {
        AB_WARN("retention failed", "{s:s}", "error", ab_db_last_message(db));
        return false;
    }
    static const char *const KINDS[] = {"photos", "datasets", "messages",
                                        "jobs",   "batches",  "webhook_bodies"};
    const int64_t counts[] = {c.photos, c.datasets, c.messages,
                              c.jobs,   c.batches,  c.webhook_bodies};
    int64_t total = 0;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char labels[48];
        snprintf(labels, sizeof labels, "kind=\"%s\"", KINDS[i]);
        if (counts[i])
            ab_metrics_add(AB_M_RETENTION_DELETED, labels, (double)counts[i]);
        total += counts[i];
    }
    if (total > 0) {
        AB_INFO("retention applied", "{s:I,s:I,s:I,s:I,s:I,s:I}", "photos", (json_int_t)c.photos,
                "datasets", (json_int_t)c.datasets, "messages", (json_int_t)c.messages, "jobs",
                (json_int_t)c.jobs, "batches", (json_int_t)c.batches, "webhook_bodies",
                (json_int_t)c.webhook_bodies);
        if (c.photos || c.datasets)
            ab_signal_raise(&app->jobs_ready);
    }
    return true;
}

void *ab_janitor_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    time_t last_purge = 0, last_retention = 0;
    /* a third of a job lease, so two renewals may fail before a running job's lease expires */
    int period_ms = app->cfg->job_lease_s * 1000 / 3;
    if (period_ms > 5000)
        period_ms = 5000;
    for (bool first = true; atomic_load(&app->running); first = false) {
        if (!first)
            ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), period_ms);
        if (!atomic_load(&app->running))
            break;
        if (!db) {
            if (ab_db_connect(app->cfg->database_url, &db) != AB_OK)
                continue;
            ab_worker_session(db);
        }
        heartbeat(app, db);
        if (ab_job_leases_renew(db, app->cfg->job_lease_s) != AB_OK)
            AB_WARN("job leases not renewed", "{s:s}", "error", ab_db_last_message(db));
        int64_t n = 0;
        if (ab_db_outbox_recover(db, &n) == AB_OK && n > 0) {
            AB_WARN("outbox leases expired, calls requeued", "{s:I}", "count", (json_int_t)n);
            ab_signal_raise(&app->outbox_ready);
        }
        ab_db_outbox_pace_prune(db); /* a chat's pace lasts seconds: kept small */
        if (ab_db_jobs_recover(db, &n) == AB_OK && n > 0) {
            AB_WARN("job leases expired, jobs requeued", "{s:I}", "count", (json_int_t)n);
            ab_signal_raise(&app->jobs_ready);
        }
        time_t now = time(NULL);
        if (now - last_retention >= app->cfg->retention_interval_s && retention(app, db))
            last_retention = now;
        if (now - last_purge >= 3600) {
            if (ab_db_inbox_purge(db, app->cfg->inbox_retention_hours, &n) == AB_OK) {
                last_purge = now;
                if (n > 0)
                    AB_INFO("old handled updates deleted", "{s:I}", "count", (json_int_t)n);
            }
        }
    }
    if (db)
        ab_db_replica_leave(db, app->replica_id); /* the others take its share at once */
    ab_db_close(db);
    return NULL;
}
