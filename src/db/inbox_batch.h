/* Group commit for the webhook: HTTP requests queue their updates here without waiting, and a
 * writer thread (INBOX_WRITERS of them, one by default) stores everything queued in a single
 * INSERT and a single commit, then reports each update's outcome through its callback. Under
 * load one WAL flush acknowledges dozens of updates, and no thread waits per request. */
#ifndef AB_DB_INBOX_BATCH_H
#define AB_DB_INBOX_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct ab_inbox_batcher ab_inbox_batcher;

/**
 * Called once per queued update, from a writer thread, after its batch committed (err AB_OK;
 * inserted false when the update_id was already stored) or failed (AB_ERR_DB_DOWN when no
 * connection could be had, or the database's error).
 */
typedef void (*ab_inbox_stored_fn)(void *arg, ab_err err, bool inserted);

/** writers: how many batches may be written at once (each takes a pool connection). */
ab_inbox_batcher *ab_inbox_batcher_new(ab_db_pool *pool, int writers);
/** Stores what is queued (each gets its callback), then stops the writers; from then on
 *  enqueue refuses. Idempotent. */
void ab_inbox_batcher_stop(ab_inbox_batcher *b);
/** Stops (if not yet) and frees. */
void ab_inbox_batcher_free(ab_inbox_batcher *b);
/**
 * Queues one update and returns at once. payload must stay valid until stored() is called;
 * kind is copied. Errors (stored() is then never called): AB_ERR_NOMEM, AB_ERR_INVALID for a
 * kind of 32 bytes or more, AB_ERR_SHUTTING_DOWN once stopped.
 */
ab_err ab_inbox_batcher_enqueue(ab_inbox_batcher *b, int64_t update_id, int64_t lane,
                                const char *kind, const char *payload, ab_inbox_stored_fn stored,
                                void *arg);

#endif
