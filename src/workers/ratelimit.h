/* Pacing of Bot API messages within Telegram's limits: a global token bucket (about 30
 * messages per second), in memory: the global limit is the bot's, so each replica takes its
 * share of it (the janitor counts the replicas alive); and per chat about 1 per second with
 * bursts of 3, against the chat's clock that the replicas share in the database (db/outbox.h).
 * 429 answers with retry_after remain the authority. */
#ifndef AB_WORKERS_RATELIMIT_H
#define AB_WORKERS_RATELIMIT_H

typedef struct ab_ratelimit ab_ratelimit;

ab_ratelimit *ab_ratelimit_new(double global_rate, double per_chat_rate);
void ab_ratelimit_free(ab_ratelimit *rl);
/** This replica's share of the global rate: the configured rate divided by replicas (≥ 1). */
void ab_ratelimit_share(ab_ratelimit *rl, int replicas);
/** Seconds between two messages to one chat (what a sent message moves its chat's clock on). */
double ab_ratelimit_chat_interval(const ab_ratelimit *rl);
/** If the chat (whose clock reads chat_tat; ≤ now when it has none) may have a message now
 *  and the global bucket has a token, takes the token and returns 0; otherwise takes nothing
 *  and returns how many seconds to wait. Both on the monotonic clock, in seconds. */
double ab_ratelimit_take(ab_ratelimit *rl, double chat_tat, double now_s);
#endif
