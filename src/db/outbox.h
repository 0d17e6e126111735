/* The outbox table: Bot API calls waiting to be made. A row is leased by one sender at a time,
 * and a chat's rows go out strictly in id order (a later row waits while an earlier one of the
 * same chat is pending or being sent). */
#ifndef AB_DB_OUTBOX_H
#define AB_DB_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct {
    int64_t id;
    int64_t chat_id;
    char method[48];
    char *payload;     /* malloc'd JSON text */
    int attempts;      /* including this one */
    int64_t batch_id;  /* a photo batch's status message (send) or an edit of it; 0 = none */
    int64_t update_id; /* the update whose step queued it (0: a job's) */
    double chat_tat;   /* its chat's pace (GCRA theoretical arrival time, shared by the
                        * replicas) on this process's CLOCK_MONOTONIC, in seconds */
} ab_outbox_row;

#define AB_OUTBOX_BATCH_MAX 64

/* Rows leased together (each the oldest open row of its chat), in id order. */
typedef struct {
    ab_outbox_row rows[AB_OUTBOX_BATCH_MAX];
    int n;
} ab_outbox_batch;

/** Inserts calls (a JSON array of {method, chat_id, payload}); the caller wakes senders. */
ab_err ab_db_outbox_insert(ab_db *db, const char *calls_json, int64_t source_update_id);
/** Leases up to max deliverable rows for lease_s seconds (batch->n 0 when none). The rows
 *  come back only once the steps that wrote them are on disk (see outbox.c for why). */
ab_err ab_db_outbox_claim(ab_db *db, int lease_s, int max, ab_outbox_batch *batch);
/** Puts everything committed so far on disk: a synchronous commit that rewrites row row_id. */
ab_err ab_db_outbox_flush(ab_db *db, int64_t row_id);
void ab_outbox_row_free(ab_outbox_row *row);
void ab_outbox_batch_free(ab_outbox_batch *batch);
/** Delivered: marks_json is an array of {"id": the row, "result": Telegram's result (absent
 *  when none), "paced": true for a message paced per chat}, one per row, each marked sent
 *  with its result; a paced one moves its chat's shared pace on by chat_interval_s. */
ab_err ab_db_outbox_sent(ab_db *db, const char *marks_json, double chat_interval_s);
/** Forgets the pace of chats whose clock has passed (the janitor). */
ab_err ab_db_outbox_pace_prune(ab_db *db);
/** Back to pending, to be tried again after delay_s (429, 5xx, timeouts, pacing). If
 *  refund_attempt, the attempt does not count (pacing, not a failure). */
ab_err ab_db_outbox_retry(ab_db *db, int64_t id, double delay_s, int error_code, const char *error,
                          bool refund_attempt);
/** Given up: status failed with the error. */
ab_err ab_db_outbox_fail(ab_db *db, int64_t id, int error_code, const char *error);
/** The user blocked the bot: this row and every open row of the chat are dropped, and the
 *  user is marked blocked. */
ab_err ab_db_outbox_drop_chat(ab_db *db, int64_t id, int64_t chat_id, const char *error);
/** Replaces the call (e.g. an edit of a message that is gone becomes a new message) and
 *  queues it again at once. */
ab_err ab_db_outbox_rewrite(ab_db *db, int64_t id, const char *method, const char *payload);
/** The delivered status message of a photo batch (*message_id 0 while not yet delivered). */
ab_err ab_db_batch_message(ab_db *db, int64_t batch_id, int64_t *message_id);
/** Records the status message of a photo batch once delivered. */
ab_err ab_db_batch_set_message(ab_db *db, int64_t batch_id, int64_t message_id);
/** Returns rows whose lease expired (a sender died mid-call) to pending. */
ab_err ab_db_outbox_recover(ab_db *db, int64_t *recovered);
/** Undelivered count and the age in seconds of the oldest (metrics). */
ab_err ab_db_outbox_pending(ab_db *db, int64_t *pending, double *oldest_age_s);
/** Jobs waiting or running, and how long the oldest due one has waited (metrics). */
ab_err ab_db_jobs_stats(ab_db *db, int64_t *pending, double *oldest_age_s);

#endif
