/* Job statements. */
#include "db/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ab_db_stmt ENQUEUE = {
    "job_enqueue",
    "INSERT INTO jobs (kind, chat_id, user_id, avatar_id, payload)"
    " VALUES ($1, $2::bigint, $3::bigint, $4::bigint, coalesce($5::jsonb, '{}'))",
    5};

ab_err ab_db_job_enqueue(ab_db *db, const char *kind, int64_t chat_id, int64_t user_id,
                         int64_t avatar_id, const char *payload_json)
{
    char cid[24], uid[24], aid[24];
    const char *params[] = {kind, chat_id ? ab_db_i64(cid, chat_id) : NULL,
                            user_id ? ab_db_i64(uid, user_id) : NULL,
                            avatar_id ? ab_db_i64(aid, avatar_id) : NULL, payload_json};
    return ab_db_exec(db, &ENQUEUE, params, NULL);
}

static const ab_db_stmt ENQUEUE_EX = {
    "job_enqueue_ex",
    "INSERT INTO jobs (kind, chat_id, user_id, avatar_id, payload, run_after, dedup_key,"
    " max_attempts)"
    " VALUES ($1, $2::bigint, $3::bigint, $4::bigint, coalesce($5::jsonb, '{}'),"
    " now() + make_interval(secs => $6::float8), $7, coalesce($8::int, 8))"
    " ON CONFLICT (dedup_key) DO NOTHING",
    8};

ab_err ab_db_job_enqueue_spec(ab_db *db, const ab_job_spec *spec)
{
    char cid[24], uid[24], aid[24], delay[32], max[24];
    snprintf(delay, sizeof delay, "%.3f", spec->delay_s);
    const char *params[] = {spec->kind,
                            spec->chat_id ? ab_db_i64(cid, spec->chat_id) : NULL,
                            spec->user_id ? ab_db_i64(uid, spec->user_id) : NULL,
                            spec->avatar_id ? ab_db_i64(aid, spec->avatar_id) : NULL,
                            spec->payload_json,
                            delay,
                            spec->dedup_key,
                            spec->max_attempts ? ab_db_i64(max, spec->max_attempts) : NULL};
    return ab_db_exec(db, &ENQUEUE_EX, params, NULL);
}

static const ab_db_stmt CLAIM = {
    "job_claim",
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now(),"
    " lease_until = now() + make_interval(secs => $1::int)"
    " WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_after <= now()"
    "             ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, kind, coalesce(chat_id, 0), coalesce(user_id, 0), coalesce(avatar_id, 0),"
    " payload::text, attempts, max_attempts",
    1};

ab_err ab_db_job_claim(ab_db *db, int lease_s, ab_job *job, bool *found)
{
    char lease[24];
    const char *params[] = {ab_db_i64(lease, lease_s)};
    PGresult *res = NULL;
    memset(job, 0, sizeof *job);
    *found = false;
    ab_err err = ab_db_exec(db, &CLAIM, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        job->id = ab_db_get_i64(res, 0, 0);
        snprintf(job->kind, sizeof job->kind, "%s", PQgetvalue(res, 0, 1));
        job->chat_id = ab_db_get_i64(res, 0, 2);
        job->user_id = ab_db_get_i64(res, 0, 3);
        job->avatar_id = ab_db_get_i64(res, 0, 4);
        job->payload = strdup(PQgetvalue(res, 0, 5));
        job->attempts = (int)ab_db_get_i64(res, 0, 6);
        job->max_attempts = (int)ab_db_get_i64(res, 0, 7);
        *found = job->payload != NULL;
        if (!job->payload)
            err = AB_ERR_NOMEM;
    }
    PQclear(res);
    return err;
}

void ab_job_free(ab_job *job)
{
    free(job->payload);
    job->payload = NULL;
}

static const ab_db_stmt DONE = {
    "job_done",
    "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = now()"
    " WHERE id = $1::bigint",
    1};

ab_err ab_db_job_done(ab_db *db, int64_t id)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, id)};
    return ab_db_exec(db, &DONE, params, NULL);
}

static const ab_db_stmt RETRY = {
    "job_retry",
    "UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now(),"
    " run_after = now() + make_interval(secs => $2::float8), last_error = left($3, 500)"
    " WHERE id = $1::bigint",
    3};

ab_err ab_db_job_retry(ab_db *db, int64_t id, double delay_s, const char *error)
{
    char sid[24], delay[32];
    snprintf(delay, sizeof delay, "%.3f", delay_s);
    const char *params[] = {ab_db_i64(sid, id), delay, error};
    return ab_db_exec(db, &RETRY, params, NULL);
}

static const ab_db_stmt AGAIN = {
    "job_again",
    "UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now(), attempts = 0,"
    " run_after = now() + make_interval(secs => $2::float8), last_error = NULL"
    " WHERE id = $1::bigint",
    2};

ab_err ab_db_job_again(ab_db *db, int64_t id, double delay_s)
{
    char sid[24], delay[32];
    snprintf(delay, sizeof delay, "%.3f", delay_s);
    const char *params[] = {ab_db_i64(sid, id), delay};
    return ab_db_exec(db, &AGAIN, params, NULL);
}

static const ab_db_stmt DEAD = {
    "job_dead",
    "UPDATE jobs SET status = 'dead', lease_until = NULL, updated_at = now(),"
    " last_error = left($2, 500) WHERE id = $1::bigint",
    2};

ab_err ab_db_job_dead(ab_db *db, int64_t id, const char *error)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, id), error};
    return ab_db_exec(db, &DEAD, params, NULL);
}

static const ab_db_stmt RECOVER = {
    "jobs_recover",
    "WITH back AS (UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now()"
    " WHERE status = 'running' AND lease_until < now() RETURNING 1)"
    " SELECT count(*) FROM back",
    0};

ab_err ab_db_jobs_recover(ab_db *db, int64_t *recovered)
{
    return ab_db_exec_i64(db, &RECOVER, NULL, recovered);
}
