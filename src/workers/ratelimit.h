/* Pacing of Bot API messages within Telegram's limits: a global token bucket (about 30
 * messages per second) and per-chat buckets (about 1 per second, short bursts allowed).
 * In memory; the global limit is the bot's, so each replica takes its share of it (the
 * janitor counts the replicas alive). 429 answers with retry_after remain the authority. */
#ifndef AB_WORKERS_RATELIMIT_H
#define AB_WORKERS_RATELIMIT_H

#include <stdint.h>

typedef struct ab_ratelimit ab_ratelimit;

ab_ratelimit *ab_ratelimit_new(double global_rate, double per_chat_rate);
void ab_ratelimit_free(ab_ratelimit *rl);
/** This replica's share of the global rate: the configured rate divided by replicas (≥ 1). */
void ab_ratelimit_share(ab_ratelimit *rl, int replicas);
/** Takes a token for chat_id if both buckets have one and returns 0; otherwise takes nothing
 *  and returns how many seconds to wait. now_s is a monotonic clock reading. */
double ab_ratelimit_take(ab_ratelimit *rl, int64_t chat_id, double now_s);

#endif
