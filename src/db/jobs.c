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

ab_err ab_db_job_enqueue(ab_db *db, ab_job_kind kind, int64_t chat_id, int64_t user_id,
                         int64_t avatar_id, const char *payload_json)
{
    char cid[24], uid[24], aid[24];
    const char *name = ab_job_kind_name(kind);
    if (!name)
        return AB_ERR_INTERNAL;
    const char *params[] = {name, chat_id ? ab_db_i64(cid, chat_id) : NULL,
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
    const char *name = ab_job_kind_name(spec->kind);
    if (!name)
        return AB_ERR_INTERNAL;
    const char *params[] = {name,
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
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, claims = claims + 1,"
    " updated_at = now(), lease_until = now() + make_interval(secs => $1::int)"
    " WHERE id = (SELECT id FROM jobs j WHERE status = 'pending' AND run_after <= now()"
    /* a user with $2 jobs running waits, so one user's flood does not hold up the others
     * (a soft cap: two runners claiming at the same instant may both pass it) */
    "             AND (j.user_id IS NULL OR (SELECT count(*) FROM jobs r WHERE r.status ="
    "                  'running' AND r.user_id = j.user_id) < $2::int)"
    "             ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING id, kind, coalesce(chat_id, 0), coalesce(user_id, 0), coalesce(avatar_id, 0),"
    " payload::text, attempts, max_attempts, claims, lease_expiries",
    2};

ab_err ab_db_job_claim(ab_db *db, int lease_s, int per_user, ab_job *job, bool *found)
{
    char lease[24], cap[24];
    const char *params[] = {ab_db_i64(lease, lease_s), ab_db_i64(cap, per_user)};
    PGresult *res = NULL;
    memset(job, 0, sizeof *job);
    *found = false;
    ab_err err = ab_db_exec(db, &CLAIM, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        job->id = ab_db_get_i64(res, 0, 0);
        snprintf(job->kind_name, sizeof job->kind_name, "%s", PQgetvalue(res, 0, 1));
        job->kind = ab_job_kind_parse(job->kind_name);
        job->chat_id = ab_db_get_i64(res, 0, 2);
        job->user_id = ab_db_get_i64(res, 0, 3);
        job->avatar_id = ab_db_get_i64(res, 0, 4);
        job->payload = strdup(PQgetvalue(res, 0, 5));
        job->attempts = (int)ab_db_get_i64(res, 0, 6);
        job->max_attempts = (int)ab_db_get_i64(res, 0, 7);
        job->claim = ab_db_get_i64(res, 0, 8);
        job->lease_expiries = (int)ab_db_get_i64(res, 0, 9);
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

/* Every way a job ends its run is fenced on the claim that started it: when the lease expired
 * and another runner claimed the job meanwhile, the late outcome changes nothing. */
#define FENCE " WHERE id = $1::bigint AND status = 'running' AND claims = $2::int"

/* Runs a fenced finishing statement: AB_ERR_CONFLICT when the job is no longer ours. */
static ab_err finish(ab_db *db, const ab_db_stmt *stmt, const ab_job *job, const char *p3,
                     const char *p4)
{
    char sid[24], claim[24];
    const char *params[] = {ab_db_i64(sid, job->id), ab_db_i64(claim, job->claim), p3, p4};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err == AB_OK && PQntuples(res) != 1)
        err = AB_ERR_CONFLICT;
    PQclear(res);
    return err;
}

static const ab_db_stmt DONE = {
    "job_done",
    "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = now()" FENCE " RETURNING id",
    2};

ab_err ab_db_job_done(ab_db *db, const ab_job *job)
{
    return finish(db, &DONE, job, NULL, NULL);
}

static const ab_db_stmt RETRY = {
    "job_retry",
    "UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now(),"
    " run_after = now() + make_interval(secs => $3::float8), last_error = left($4, 500)" FENCE
    " RETURNING id",
    4};

ab_err ab_db_job_retry(ab_db *db, const ab_job *job, double delay_s, const char *error)
{
    char delay[32];
    snprintf(delay, sizeof delay, "%.3f", delay_s);
    return finish(db, &RETRY, job, delay, error);
}

static const ab_db_stmt AGAIN = {
    "job_again",
    "UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now(), attempts = 0,"
    " lease_expiries = 0, run_after = now() + make_interval(secs => $3::float8),"
    " last_error = NULL" FENCE " RETURNING id",
    3};

ab_err ab_db_job_again(ab_db *db, const ab_job *job, double delay_s)
{
    char delay[32];
    snprintf(delay, sizeof delay, "%.3f", delay_s);
    return finish(db, &AGAIN, job, delay, NULL);
}

static const ab_db_stmt DEAD = {
    "job_dead",
    "UPDATE jobs SET status = 'dead', lease_until = NULL, updated_at = now(),"
    " last_error = left($3, 500)" FENCE " RETURNING id",
    3};

ab_err ab_db_job_dead(ab_db *db, const ab_job *job, const char *error)
{
    return finish(db, &DEAD, job, error, NULL);
}

static const ab_db_stmt HEARTBEAT = {
    "jobs_heartbeat",
    "WITH mine AS (SELECT unnest($1::bigint[]) AS id, unnest($2::int[]) AS claims)"
    " UPDATE jobs j SET lease_until = now() + make_interval(secs => $3::int)"
    " FROM mine WHERE j.id = mine.id AND j.claims = mine.claims AND j.status = 'running'",
    3};

ab_err ab_db_jobs_heartbeat(ab_db *db, const ab_job_lease *leases, int n, int lease_s)
{
    if (n <= 0)
        return AB_OK;
    /* two int arrays as text: {1,2,3} */
    char ids[32 * 64 + 3], claims[32 * 64 + 3], lease[24];
    if (n > 64)
        n = 64;
    size_t a = 0, b = 0;
    ids[a++] = claims[b++] = '{';
    for (int i = 0; i < n; i++) {
        a += (size_t)snprintf(ids + a, sizeof ids - a, "%s%lld", i ? "," : "",
                              (long long)leases[i].id);
        b += (size_t)snprintf(claims + b, sizeof claims - b, "%s%lld", i ? "," : "",
                              (long long)leases[i].claim);
    }
    snprintf(ids + a, sizeof ids - a, "}");
    snprintf(claims + b, sizeof claims - b, "}");
    const char *params[] = {ids, claims, ab_db_i64(lease, lease_s)};
    return ab_db_exec(db, &HEARTBEAT, params, NULL);
}

static const ab_db_stmt RECOVER = {
    "jobs_recover",
    "WITH back AS (UPDATE jobs SET status = 'pending', lease_until = NULL, updated_at = now(),"
    " lease_expiries = lease_expiries + 1,"
    " last_error = 'lease expired: the replica running it stopped (crash, kill, lost database)'"
    " WHERE status = 'running' AND lease_until < now() RETURNING 1)"
    " SELECT count(*) FROM back",
    0};

ab_err ab_db_jobs_recover(ab_db *db, int64_t *recovered)
{
    return ab_db_exec_i64(db, &RECOVER, NULL, recovered);
}
