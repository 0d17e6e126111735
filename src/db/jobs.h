/* The jobs table: long work (photo ingest, training submit and polling, storage clean-up)
 * claimed with SKIP LOCKED under a lease, retried with back-off, bounded attempts, the last
 * error kept. */
#ifndef AB_DB_JOBS_H
#define AB_DB_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/job_kind.h"
#include "db/db.h"

typedef struct {
    int64_t id, chat_id, user_id, avatar_id;
    ab_job_kind kind;           /* AB_JOB_KIND__COUNT: a kind this build does not know */
    char kind_name[48];         /* as stored */
    char *payload;              /* malloc'd JSON text */
    int attempts, max_attempts; /* attempts count claims, so a crash counts too */
    int64_t claim;              /* the fence: this claim's number */
    int lease_expiries;         /* runs whose runner died before this claim */
} ab_job;

/** Queues a job (kind, JSON payload) for the job runners. */
ab_err ab_db_job_enqueue(ab_db *db, ab_job_kind kind, int64_t chat_id, int64_t user_id,
                         int64_t avatar_id, const char *payload_json);
/** A job with the less common options. */
typedef struct {
    ab_job_kind kind;
    int64_t chat_id, user_id, avatar_id;
    const char *payload_json;
    double delay_s;        /* not before now + delay_s */
    const char *dedup_key; /* NULL = none; a second job with the same key is not queued */
    int max_attempts;      /* 0 = the default (8) */
} ab_job_spec;
ab_err ab_db_job_enqueue_spec(ab_db *db, const ab_job_spec *spec);
/** Leases the next due job for lease_s seconds, skipping users who already have per_user jobs
 *  running; *found false when none is due. */
ab_err ab_db_job_claim(ab_db *db, int lease_s, int per_user, ab_job *job, bool *found);
void ab_job_free(ab_job *job);
/* Ending a claimed job's run. Each is fenced on the claim: AB_ERR_CONFLICT when the lease
 * was lost and the job is another runner's now (nothing is changed then). */
ab_err ab_db_job_done(ab_db *db, const ab_job *job);
/** Back to pending after delay_s, keeping the error. */
ab_err ab_db_job_retry(ab_db *db, const ab_job *job, double delay_s, const char *error);
/** A recurring job (a poll) ran fine and wants to run again after delay_s; its attempts
 *  start over. */
ab_err ab_db_job_again(ab_db *db, const ab_job *job, double delay_s);
/** Given up for good. */
ab_err ab_db_job_dead(ab_db *db, const ab_job *job, const char *error);
/** A job this process is running, for the heartbeat. */
typedef struct {
    int64_t id, claim;
} ab_job_lease;
/** Extends the leases of the given running jobs (at most 64) to now + lease_s, where the claim
 *  still matches. */
ab_err ab_db_jobs_heartbeat(ab_db *db, const ab_job_lease *leases, int n, int lease_s);
/** Running jobs whose lease expired (a runner died) go back to pending, the expiry counted. */
ab_err ab_db_jobs_recover(ab_db *db, int64_t *recovered);

#endif
