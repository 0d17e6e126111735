/* The inbox table: durable Telegram updates, deduplicated by update_id, handled in update_id
 * order one chat (lane) at a time. Updates are written by the batcher (inbox_batch.h). */
#ifndef AB_DB_INBOX_H
#define AB_DB_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/** Lanes (chat ids) that have pending updates with update_id >= from, oldest first, at most
 *  max; *oldest gets the oldest such update_id (from when none). Scanning from a recent low
 *  mark skips the run of just-handled rows at the head of the index, whose dead entries cannot
 *  be pruned while other transactions are open (measured: 16 ms per scan under load). */
ab_err ab_db_inbox_pending_lanes(ab_db *db, int64_t from, int64_t *lanes, int max, int *n,
                                 int64_t *oldest);
/** In a transaction: tries the lane's lock without waiting (*locked says if we hold it) and,
 *  when granted, reads the lane's oldest pending update, locked. *found false when the lane is
 *  busy or has nothing pending. *payload is malloc'd (caller frees). */
ab_err ab_db_inbox_claim_lane(ab_db *db, int64_t lane, bool *locked, int64_t *update_id,
                              char **payload, int *attempts, bool *found);
/** Marks an update handled. */
ab_err ab_db_inbox_mark_done(ab_db *db, int64_t update_id);
/** Records a failed attempt; the update becomes 'failed' once attempts reach max_attempts.
 *  *failed says whether it did. */
ab_err ab_db_inbox_record_failure(ab_db *db, int64_t update_id, const char *error, int max_attempts,
                                  bool *failed);
/** Pending count and age in seconds of the oldest pending update (metrics, readiness). */
ab_err ab_db_inbox_stats(ab_db *db, int64_t *pending, double *oldest_age_s);
/** Deletes handled updates older than hours (dedup window must exceed Telegram's 24 h). */
ab_err ab_db_inbox_purge(ab_db *db, int hours, int64_t *deleted);

#endif
