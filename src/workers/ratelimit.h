/* Pacing of Bot API messages within Telegram's limits: a global token bucket (about 30
 * messages per second) and per-chat buckets (about 1 per second, short bursts allowed).
 * In-memory per replica; 429 answers with retry_after remain the authority across replicas. */
#ifndef AB_WORKERS_RATELIMIT_H
#define AB_WORKERS_RATELIMIT_H

#include <stdint.h>

typedef struct ab_ratelimit ab_ratelimit;

ab_ratelimit *ab_ratelimit_new(double global_rate, double per_chat_rate);
void ab_ratelimit_free(ab_ratelimit *rl);
/** Takes a token for chat_id if both buckets have one and returns 0; otherwise takes nothing
 *  and returns how many seconds to wait. now_s is a monotonic clock reading. */
double ab_ratelimit_take(ab_ratelimit *rl, int64_t chat_id, double now_s);

#endif
