/* What `avatarbot admin` reads and changes: the statements behind each admin command. Each
 * returns the rows to print (the caller PQclear()s *out); the changes return the rows they
 * changed, so an id that matched nothing is visible as an empty result. */
#ifndef AB_DB_ADMIN_H
#define AB_DB_ADMIN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/** Jobs an operator should look at: dead, running past their lease, retrying after errors. */
ab_err ab_db_admin_jobs(ab_db *db, PGresult **out);
/** Queues a dead or pending job again now, from its first attempt (id 0: every dead job). */
ab_err ab_db_admin_jobs_requeue(ab_db *db, int64_t id, PGresult **out);
/** Gives up a job that has not finished: dead, with "cancelled by an operator". */
ab_err ab_db_admin_jobs_cancel(ab_db *db, int64_t id, PGresult **out);
/** Updates set aside after failing every attempt. */
ab_err ab_db_admin_inbox(ab_db *db, PGresult **out);
/** Queues a failed update again, from its first attempt. */
ab_err ab_db_admin_inbox_requeue(ab_db *db, int64_t update_id, PGresult **out);
/** One user (by id, or by "@username"): the user, then avatars, then FAL requests, then the
 *  credit ledger, as four results in out[0..3]. *found false when no such user. */
ab_err ab_db_admin_user(ab_db *db, const char *who, PGresult *out[4], bool *found);
/** The day's figures (day "YYYY-MM-DD", or NULL for today, UTC): name/value rows. */
ab_err ab_db_admin_stats(ab_db *db, const char *day, PGresult **out);
/** What erasing a user touches outside the database: the user's avatar ids (their stored
 *  objects) and FAL requests still running ({request_id, app_id, cancel_url, mode}). */
ab_err ab_db_admin_erase_plan(ab_db *db, int64_t user_id, PGresult **avatars, PGresult **runs);
/** Erases every row of the user in one transaction (conversation, updates, messages, jobs, FAL
 *  requests, avatars, photos, generations, the user): a {what, rows} table of what went;
 *  *found false when there is no such user. */
ab_err ab_db_admin_erase(ab_db *db, int64_t user_id, PGresult **out, bool *found);
/* Refunding a Telegram Stars payment (`admin refund`), in the caller's transaction. */
typedef struct {
    bool found, refunded;
    int64_t user_id, credits, balance;
} ab_admin_payment;
/** The payment of charge_id, locked until the transaction ends. */
ab_err ab_db_admin_payment_lock(ab_db *db, const char *charge_id, ab_admin_payment *out);
/** Marks it refunded and takes its credits back as far as the balance holds them
 *  (*taken_back: how many). */
ab_err ab_db_admin_payment_refunded(ab_db *db, const char *charge_id, int64_t *taken_back);
/** Adds delta credits (negative: takes them) to the user's balance as an 'adjustment' ledger
 *  entry with the operator's note; AB_ERR_LIMIT below zero, an error for no such user. */
ab_err ab_db_admin_credit_adjust(ab_db *db, int64_t user_id, int64_t delta, const char *note,
                                 PGresult **out);
/** Promo codes, newest first. */
ab_err ab_db_admin_promo_list(ab_db *db, PGresult **out);
/** A new promo code (days > 0: expires then); no row when the code exists. */
ab_err ab_db_admin_promo_create(ab_db *db, const char *code, int credits, int uses, int days,
                                PGresult **out);
/** Wakes the replicas' dispatchers and job runners (after a requeue). */
ab_err ab_db_admin_wake(ab_db *db);

#endif
