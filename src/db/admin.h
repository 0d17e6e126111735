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
/** One user (by id, or by "@username"): the user, then avatars, then trainings, as three
 *  results in out[0..2]. *found false when no such user. */
ab_err ab_db_admin_user(ab_db *db, const char *who, PGresult *out[3], bool *found);
/** The day's figures (day "YYYY-MM-DD", or NULL for today, UTC): name/value rows. */
ab_err ab_db_admin_stats(ab_db *db, const char *day, PGresult **out);
/** What erasing a user touches outside the database: the user's avatar ids (their stored
 *  objects) and FAL requests still running ({request_id, app_id, cancel_url, mode}). */
ab_err ab_db_admin_erase_plan(ab_db *db, int64_t user_id, PGresult **avatars, PGresult **runs);
/** Erases every row of the user in one transaction (conversation, updates, messages, jobs, FAL
 *  requests, avatars, photos, generations, the user): a {what, rows} table of what went;
 *  *found false when there is no such user. */
ab_err ab_db_admin_erase(ab_db *db, int64_t user_id, PGresult **out, bool *found);
/** Wakes the replicas' dispatchers and job runners (after a requeue). */
ab_err ab_db_admin_wake(ab_db *db);

#endif
