/* What the running service shares between its layers: configuration, the database pool, the
 * wake-up signals and the run/drain flags. Built by `serve`, borrowed by everyone else. */
#ifndef AB_CORE_APP_H
#define AB_CORE_APP_H

#include <stdatomic.h>
#include <time.h>

#include "core/config.h"
#include "core/signal.h"

struct ab_db_pool;
struct ab_ratelimit;
struct ab_outbox_share;
struct ab_inbox_batcher;
struct ab_fal_verifier;

typedef struct {
    const ab_config *cfg;
    struct ab_db_pool *pool;                 /* for the HTTP threads */
    struct ab_ratelimit *ratelimit;          /* Bot API pacing, shared by the senders */
    struct ab_outbox_share *outbox_share;    /* the senders' shared claim (workers own it) */
    ab_signal inbox_ready;                   /* new updates stored */
    ab_signal outbox_ready;                  /* new Bot API calls queued */
    ab_signal jobs_ready;                    /* new jobs queued */
    ab_signal stop;                          /* raised once at shutdown: cuts every pause short */
    struct ab_inbox_batcher *batcher;        /* group commit of webhook inserts */
    struct ab_fal_verifier *fal_verifier;    /* FAL webhook signatures (cached JWKS) */
    unsigned char webhook_secret_sha256[32]; /* of TELEGRAM_WEBHOOK_SECRET, made once */
    char replica_id[96];                     /* host, pid and a random part (replicas table) */
    /* NOTIFY for other replicas is sent by the notifier thread, coalesced, outside the hot
     * transactions: a NOTIFY in a transaction serializes every commit of the database. */
    ab_signal notify_request;
    /* Webhook requests waiting for their inbox commit, and a signal raised each time none is
     * left: background work gives way to them (ab_worker_give_way). */
    atomic_int webhooks_waiting;
    ab_signal webhooks_done;
    atomic_int notify_inbox, notify_outbox, notify_jobs;
    /* What the prober last saw of the database (probes and scrapes answer from it, so they
     * never wait on the database or on anything else): when it last answered (CLOCK_MONOTONIC
     * ms, 0 = never) and its schema version. */
    _Atomic long long db_seen_ms;
    atomic_int schema_version;
    atomic_int running;  /* workers loop while set */
    atomic_int draining; /* readiness says 503 while set */
} ab_app;

/** CLOCK_MONOTONIC in milliseconds: the clock of db_seen_ms. */
static inline long long ab_app_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/** Asks the notifier to tell other replicas there is new work (cheap; coalesced). */
static inline void ab_app_request_notify(ab_app *app, atomic_int *flag)
{
    atomic_store(flag, 1);
    ab_signal_raise_one(&app->notify_request);
}

#endif
