/* What the running service shares between its layers: configuration, the database pool, the
 * wake-up signals and the run/drain flags. Built by `serve`, borrowed by everyone else. */
#ifndef AB_CORE_APP_H
#define AB_CORE_APP_H

#include <stdatomic.h>

#include "core/config.h"
#include "core/signal.h"

struct ab_db_pool;
struct ab_ratelimit;

typedef struct {
    const ab_config *cfg;
    struct ab_db_pool *pool;    /* for the HTTP threads */
    struct ab_ratelimit *ratelimit; /* Bot API pacing, shared by the senders */
    ab_signal inbox_ready;      /* new updates stored */
    ab_signal outbox_ready;     /* new Bot API calls queued */
    ab_signal stop;             /* raised once at shutdown: cuts every pause short */
    atomic_int running;         /* workers loop while set */
    atomic_int draining;        /* readiness says 503 while set */
} ab_app;

#endif
