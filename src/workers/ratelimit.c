/* The global token bucket, this replica's share of the bot's rate, and the per-chat pace as
 * a GCRA: a chat's clock (its theoretical arrival time) is kept in the database and shared by
 * the replicas (db/outbox.c); here it is only compared with now. */
#include "workers/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

#define CHAT_BURST 3.0

typedef struct {
    double tokens;
    double updated;
} bucket;

struct ab_ratelimit {
    pthread_mutex_t lock;
    double global_configured;                    /* the bot's rate, all replicas together */
    double global_rate, chat_rate, global_burst; /* this replica's share, per chat */
    bucket global;
};

ab_ratelimit *ab_ratelimit_new(double global_rate, double per_chat_rate)
{
    ab_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->lock, NULL);
    rl->global_configured = rl->global_rate = global_rate;
    rl->chat_rate = per_chat_rate;
    rl->global_burst = global_rate < 1 ? 1 : global_rate;
    rl->global.tokens = rl->global_burst;
    rl->global.updated = -1;
    return rl;
}

void ab_ratelimit_free(ab_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

void ab_ratelimit_share(ab_ratelimit *rl, int replicas)
{
    if (replicas < 1)
        replicas = 1;
    pthread_mutex_lock(&rl->lock);
    rl->global_rate = rl->global_configured / replicas;
    rl->global_burst = rl->global_rate < 1 ? 1 : rl->global_rate;
    if (rl->global.tokens > rl->global_burst)
        rl->global.tokens = rl->global_burst;
    pthread_mutex_unlock(&rl->lock);
}

static void refill(bucket *b, double rate, double burst, double now)
{
    if (b->updated < 0) {
        b->tokens = burst;
    } else {
        b->tokens += (now - b->updated) * rate;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    b->updated = now;
}

double ab_ratelimit_chat_interval(const ab_ratelimit *rl)
{
    return 1.0 / rl->chat_rate;
}

double ab_ratelimit_take(ab_ratelimit *rl, double chat_tat, double now)
{
    /* GCRA: a message conforms once now >= tat - (burst - 1) intervals */
    double wait = chat_tat - (CHAT_BURST - 1) / rl->chat_rate - now;
    if (wait < 0)
        wait = 0;
    pthread_mutex_lock(&rl->lock);
    refill(&rl->global, rl->global_rate, rl->global_burst, now);
    if (rl->global.tokens < 1) {
        double w = (1 - rl->global.tokens) / rl->global_rate;
        if (w > wait)
            wait = w;
    }
    if (wait == 0)
        rl->global.tokens -= 1;
    pthread_mutex_unlock(&rl->lock);
    return wait;
}
