/* Token buckets. Chats hash into a fixed table: a collision makes two chats share a bucket,
 * which errs on the slow, safe side and keeps memory constant however many chats there are. */
#include "workers/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

#define CHAT_SLOTS 4096
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
    bucket chats[CHAT_SLOTS];
    int64_t owners[CHAT_SLOTS];
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

double ab_ratelimit_take(ab_ratelimit *rl, int64_t chat_id, double now)
{
    uint64_t h = (uint64_t)chat_id * 0x9E3779B97F4A7C15ull;
    size_t slot = (size_t)(h >> 52) % CHAT_SLOTS;
    double chat_burst = CHAT_BURST;
    pthread_mutex_lock(&rl->lock);
    bucket *c = &rl->chats[slot];
    if (rl->owners[slot] != chat_id || c->updated == 0) {
        /* a slot last used by another chat: if it is full again, it is as good as fresh */
        if (c->updated == 0)
            c->updated = -1;
        rl->owners[slot] = chat_id;
    }
    refill(&rl->global, rl->global_rate, rl->global_burst, now);
    refill(c, rl->chat_rate, chat_burst, now);
    double wait = 0;
    if (rl->global.tokens < 1)
        wait = (1 - rl->global.tokens) / rl->global_rate;
    if (c->tokens < 1) {
        double w = (1 - c->tokens) / rl->chat_rate;
        if (w > wait)
            wait = w;
    }
    if (wait == 0) {
        rl->global.tokens -= 1;
        c->tokens -= 1;
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}
