/* The senders of a replica share their outbox claims: whichever sender finds nothing left
 * claims for all of them, and each takes a few rows at a time. One claim per replica at a time
 * instead of one per sender: the claims of many senders racing for the head of the outbox were
 * the main cost of a second replica (issue 19, bench/RESULTS.md). */
#ifndef AB_WORKERS_OUTBOX_SHARE_H
#define AB_WORKERS_OUTBOX_SHARE_H

#include "db/outbox.h"

typedef struct ab_outbox_share ab_outbox_share;

/** claim_rows: how many rows one claim leases for all (at most AB_OUTBOX_BATCH_MAX). */
ab_outbox_share *ab_outbox_share_new(int claim_rows);
void ab_outbox_share_free(ab_outbox_share *share);

/** Moves up to max claimed rows (each its chat's next, so any sender may deliver any of them)
 *  into batch, with the end of their lease (CLOCK_MONOTONIC seconds). When none are left it
 *  claims the next ones on db, leased lease_s seconds, while other senders wait for it.
 *  batch->n is 0 when nothing is deliverable; an error is the claim's. */
ab_err ab_outbox_share_take(ab_outbox_share *share, ab_db *db, int lease_s, int max,
                            ab_outbox_batch *batch, double *lease_end);
/** A stopping sender gives back on db the rows claimed and not yet taken, uncounted. */
void ab_outbox_share_give_back(ab_outbox_share *share, ab_db *db);

#endif
