/* Group commit for the webhook: concurrent HTTP threads hand their updates to a batcher, and
 * one of them (the leader) writes everything queued in a single INSERT and a single commit.
 * Under load one WAL flush then acknowledges dozens of updates instead of one. */
#ifndef AB_DB_INBOX_BATCH_H
#define AB_DB_INBOX_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct ab_inbox_batcher ab_inbox_batcher;

/** max_leaders: how many batches may be written at once (each takes a pool connection). */
ab_inbox_batcher *ab_inbox_batcher_new(ab_db_pool *pool, int max_leaders);
void ab_inbox_batcher_free(ab_inbox_batcher *b);
/**
 * Stores one update durably and returns once it is committed (or failed). payload must stay
 * valid until then. *inserted is false when the update_id was already stored.
 * Errors: AB_ERR_DB_DOWN when no connection could be had, or the database's error.
 */
ab_err ab_inbox_batcher_submit(ab_inbox_batcher *b, int64_t update_id, int64_t lane,
                               const char *kind, const char *payload, bool *inserted);

#endif
