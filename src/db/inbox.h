/* The inbox table: durable Telegram updates, deduplicated by update_id, handled in update_id
 * order one chat (lane) at a time. Updates are written by the batcher (inbox_batch.h). */
#ifndef AB_DB_INBOX_H
#define AB_DB_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/** A lane claimed for one dispatcher round: its lock held, its oldest pending update with
 *  this claim counted in attempts. */
typedef struct {
    int64_t lane, update_id;
    int attempts;  /* including this claim */
    char *payload; /* the update's JSON, malloc'd: ab_inbox_claims_free */
} ab_inbox_claim;
/** Outside any transaction: finds up to max lanes (chat ids) with updates pending at or after
 *  update id `from`, each once, by its oldest pending update (so one chat's backlog cannot hide
 *  the others), takes the lock of each that no one holds, and for each counts an attempt on
 *  its oldest pending update (committed before any step runs, so a crash counts) and returns
 *  it in claims[] (*claimed of them). While the lock is held nobody else changes it, so the
 *  step needs no second read. *locked is the number of lanes locked (a lane whose update waits
 *  included): their locks stay held until ab_db_inbox_release_lanes(). *oldest is the oldest
 *  pending update id the scan met (`from` when none). Scanning from a recent low mark skips
 *  the run of just-handled rows at the head of the index, whose dead entries cannot be pruned
 *  while other transactions are open (measured: 16 ms per scan under load). */
ab_err ab_db_inbox_claim_lanes(ab_db *db, int64_t from, int max, ab_inbox_claim *claims,
                               int *claimed, int *locked, int64_t *oldest);
/** Releases every lane lock of this connection. */
ab_err ab_db_inbox_release_lanes(ab_db *db);
/** Frees the payloads of n claims. */
void ab_inbox_claims_free(ab_inbox_claim *claims, int n);
/** Marks an update handled. */
ab_err ab_db_inbox_mark_done(ab_db *db, int64_t update_id);
/** Records a failed attempt's error; the update becomes 'failed' once its attempts (counted
 *  at the claim) reach max_attempts. *failed says whether it did. */
ab_err ab_db_inbox_record_failure(ab_db *db, int64_t update_id, const char *error, int max_attempts,
                                  bool *failed);
/** A step that failed for the database's sake (busy, timed out, connection lost), not the
 *  update's: gives its attempt back and holds its lane for a growing pause (2 s, 4 s … 60 s,
 *  jittered). */
ab_err ab_db_inbox_defer(ab_db *db, int64_t update_id, const char *error);
/** Pending count and age in seconds of the oldest pending update (metrics, readiness). */
ab_err ab_db_inbox_stats(ab_db *db, int64_t *pending, double *oldest_age_s);
/** Deletes handled updates older than hours (dedup window must exceed Telegram's 24 h). */
ab_err ab_db_inbox_purge(ab_db *db, int hours, int64_t *deleted);

#endif
