/* Starting and stopping the background threads. */
#include "workers/workers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "workers/jobs.h"
#include "workers/outbox_share.h"

struct ab_workers {
    ab_app *app;
    pthread_t *threads;
    int count;
};

void ab_worker_yield_to_ingress(void)
{
    /* Telegram holds a chat's next update until we answer the webhook, so answering comes
     * first: background threads run at a lower CPU priority than the HTTP threads (on Linux,
     * nice applies per thread). Under saturation this keeps acknowledgements fast while the
     * backlog is worked off; when idle it changes nothing. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
}

/* The longest a background thread waits for the webhook per round: under a sustained flood of
 * webhooks the backlog is still worked off, only more slowly. */
#define GIVE_WAY_MAX_MS 20

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ab_worker_give_way(ab_app *app)
{
    /* nice alone does not do it: most of a step's CPU is spent by its PostgreSQL backend,
     * which competes with the webhook's inserts at full priority. So a dispatcher, sender or
     * job does not start its next database round trip while webhooks wait for theirs. */
    int64_t until = 0;
    while (atomic_load(&app->webhooks_waiting) > 0 && atomic_load(&app->running)) {
        unsigned long seen = ab_signal_seq(&app->webhooks_done);
        if (atomic_load(&app->webhooks_waiting) == 0)
            break;
        int64_t now = mono_ms();
        if (!until)
            until = now + GIVE_WAY_MAX_MS;
        if (now >= until)
            break;
        ab_signal_wait(&app->webhooks_done, seen, (int)(until - now));
    }
}

void ab_worker_session(ab_db *db)
{
    /* Only the webhook's insert must be on disk before we answer (it backs Telegram's
     * acknowledgement). A step or a delivery record lost in a database crash is redone from
     * the inbox and outbox, at the cost of at most a repeated message; in exchange these
     * commits do not wait for a WAL flush. */
    ab_db_command(db, "SET synchronous_commit = off");
}

ab_err ab_workers_start(ab_app *app, ab_workers **out)
{
    *out = NULL;
    ab_workers *w = calloc(1, sizeof *w);
    int total = app->cfg->worker_threads + app->cfg->sender_threads + app->cfg->job_threads + 4;
    if (!w || !(w->threads = calloc((size_t)total, sizeof *w->threads))) {
        free(w);
        return AB_ERR_NOMEM;
    }
    w->app = app;
    /* one claim serves every sender of the replica: TAKE_ROWS (8) rows for each */
    int claim_rows = app->cfg->sender_threads * 8;
    app->outbox_share = ab_outbox_share_new(claim_rows);
    if (!app->outbox_share) {
        free(w->threads);
        free(w);
        return AB_ERR_NOMEM;
    }
    atomic_store(&app->running, 1);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    ab_err err = AB_OK;
    for (int i = 0; i < total && err == AB_OK; i++) {
        int k = i - 4; /* after the four singletons */
        void *(*fn)(void *) = i == 0                         ? ab_listener_main
                              : i == 1                       ? ab_janitor_main
                              : i == 2                       ? ab_notifier_main
                              : i == 3                       ? ab_prober_main
                              : k < app->cfg->worker_threads ? ab_dispatcher_main
                              : k < app->cfg->worker_threads + app->cfg->sender_threads
                                  ? ab_sender_main
                                  : ab_job_runner_main;
        if (pthread_create(&w->threads[i], &attr, fn, app) != 0)
            err = AB_ERR_INTERNAL;
        else
            w->count++;
    }
    pthread_attr_destroy(&attr);
    *out = w;
    if (err != AB_OK)
        AB_ERROR("could not start worker threads", "{s:i}", "started", w->count);
    return err;
}

void ab_workers_stop(ab_workers *w)
{
    if (!w)
        return;
    atomic_store(&w->app->running, 0);
    ab_signal_raise(&w->app->stop);
    ab_signal_raise(&w->app->inbox_ready);
    ab_signal_raise(&w->app->outbox_ready);
    ab_signal_raise(&w->app->notify_request);
    ab_signal_raise(&w->app->jobs_ready);
    for (int i = 0; i < w->count; i++)
        pthread_join(w->threads[i], NULL);
    ab_outbox_share_free(w->app->outbox_share);
    w->app->outbox_share = NULL;
    free(w->threads);
    free(w);
}
