/* Inbox statements. The per-lane advisory lock (held by the dispatcher's session for one
 * round, so a crashed replica's locks vanish with its connection) is what keeps one chat's
 * updates strictly sequential across all workers of all replicas. */
#include "db/inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A round's lanes found, locked and claimed in one statement: the oldest pending lanes whose
 * lock is free (session-level locks, so they outlive the steps' transactions and vanish with
 * a dead replica's connection; ab_lock_pending_lanes, migration 0022) and, for each, its
 * oldest pending update with the attempt counted and committed. Counting at the claim,
 * outside the step's transaction, is what makes a crash count: an update whose step kills the
 * replica is claimed with one more attempt each time, and past the limit it is set aside
 * instead of killing the next replica too. One row per lane locked; a lane whose oldest update
 * waits (not_before) or was handled meanwhile comes back without one. The lane's oldest is
 * looked up per lane: the scan starts at `low`, and an older update of the lane may be below. */
static const ab_db_stmt CLAIM_LANES = {
    "inbox_claim_lanes",
    "WITH locked AS MATERIALIZED (SELECT chat_id AS lane, update_id AS seen"
    "                             FROM ab_lock_pending_lanes($1::int, $2::bigint)),"
    " oldest AS (SELECT (SELECT update_id FROM inbox WHERE chat_id = l.lane"
    "                    AND status = 'pending' ORDER BY chat_id, update_id LIMIT 1) AS id"
    "            FROM locked l)," /* inbox_pending_by_chat */
    /* By primary key, whatever the statistics say: a join here let the planner scan the
     * whole inbox (3 ms a round), and a plain `status = 'pending'` lets it pick the partial
     * index inbox_pending_by_chat, which statistics taken with nothing pending (a live inbox,
     * usually) show as empty; with a backlog that scan reads every pending entry per claim
     * (20,000 entries, 8-12 ms, measured in bench/README.md). Written `status || ''`, the test
     * implies no partial index's predicate, so the primary key is the only index left and the
     * table's live size rules out a sequential scan. The test still holds in the UPDATE's
     * recheck of a row a step marked done after this statement's snapshot. */
    " claimed AS (UPDATE inbox i SET attempts = i.attempts + 1"
    "   WHERE i.update_id = ANY (ARRAY(SELECT id FROM oldest)) AND i.status || '' = 'pending'"
    "   AND (i.not_before IS NULL OR i.not_before <= now())" /* deferred: the lane waits */
    "   RETURNING i.chat_id, i.update_id, i.attempts, i.payload::text AS payload)"
    " SELECT l.lane, l.seen, c.update_id, c.attempts, c.payload"
    " FROM locked l LEFT JOIN claimed c ON c.chat_id = l.lane",
    2};

ab_err ab_db_inbox_claim_lanes(ab_db *db, int64_t from, int max, ab_inbox_claim *claims,
                               int *claimed, int *locked, int64_t *oldest)
{
    char lim[24], low[24];
    const char *params[] = {ab_db_i64(lim, max), ab_db_i64(low, from)};
    PGresult *res = NULL;
    *claimed = *locked = 0;
    *oldest = from;
    ab_err err = ab_db_exec(db, &CLAIM_LANES, params, &res);
    if (err != AB_OK)
        return err;
    *locked = PQntuples(res);
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t seen = ab_db_get_i64(res, r, 1);
        if (r == 0 || seen < *oldest)
            *oldest = seen;
    }
    for (int r = 0; r < PQntuples(res) && *claimed < max && err == AB_OK; r++) {
        if (PQgetisnull(res, r, 2))
            continue;
        ab_inbox_claim *c = &claims[*claimed];
        c->lane = ab_db_get_i64(res, r, 0);
        c->update_id = ab_db_get_i64(res, r, 2);
        c->attempts = (int)ab_db_get_i64(res, r, 3);
        c->payload = strdup(PQgetvalue(res, r, 4));
        if (c->payload)
            (*claimed)++;
        else
            err = AB_ERR_NOMEM;
    }
    PQclear(res);
    return err;
}

void ab_inbox_claims_free(ab_inbox_claim *claims, int n)
{
    for (int i = 0; i < n; i++) {
        free(claims[i].payload);
        claims[i].payload = NULL;
    }
}

static const ab_db_stmt RELEASE_LANES = {"inbox_release_lanes", "SELECT pg_advisory_unlock_all()",
                                         0};

ab_err ab_db_inbox_release_lanes(ab_db *db)
{
    return ab_db_exec(db, &RELEASE_LANES, NULL, NULL);
}

static const ab_db_stmt MARK_DONE = {
    "inbox_mark_done",
    "UPDATE inbox SET status = 'done', handled_at = now() WHERE update_id = $1::bigint", 1};

ab_err ab_db_inbox_mark_done(ab_db *db, int64_t update_id)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, update_id)};
    return ab_db_exec(db, &MARK_DONE, params, NULL);
}

/* The attempt was counted at the claim; here the update is set aside once it had them all. */
static const ab_db_stmt RECORD_FAILURE = {
    "inbox_record_failure",
    "UPDATE inbox SET last_error = left($2, 500),"
    " status = CASE WHEN attempts >= $3::int THEN 'failed' ELSE 'pending' END,"
    " handled_at = CASE WHEN attempts >= $3::int THEN now() END"
    " WHERE update_id = $1::bigint RETURNING status",
    3};

ab_err ab_db_inbox_record_failure(ab_db *db, int64_t update_id, const char *error, int max_attempts,
                                  bool *failed)
{
    char id[24], max[24];
    const char *params[] = {ab_db_i64(id, update_id), error, ab_db_i64(max, max_attempts)};
    PGresult *res = NULL;
    *failed = false;
    ab_err err = ab_db_exec(db, &RECORD_FAILURE, params, &res);
    if (err != AB_OK)
        return err;
    *failed = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "failed") == 0;
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt DEFER = {
    "inbox_defer",
    "UPDATE inbox SET attempts = greatest(attempts - 1, 0), deferrals = deferrals + 1,"
    " not_before = now() + make_interval(secs => least(60, 2 ^ least(deferrals + 1, 6))"
    "                                            * (0.8 + 0.4 * random())),"
    " last_error = left($2, 500)"
    " WHERE update_id = $1::bigint AND status = 'pending'",
    2};

ab_err ab_db_inbox_defer(ab_db *db, int64_t update_id, const char *error)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, update_id), error};
    return ab_db_exec(db, &DEFER, params, NULL);
}

static const ab_db_stmt STATS = {
    "inbox_stats",
    "SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8"
    " FROM inbox WHERE status = 'pending'",
    0};

ab_err ab_db_inbox_stats(ab_db *db, int64_t *pending, double *oldest_age_s)
{
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &STATS, NULL, &res);
    if (err != AB_OK)
        return err;
    *pending = ab_db_get_i64(res, 0, 0);
    *oldest_age_s = strtod(PQgetvalue(res, 0, 1), NULL);
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt PURGE = {
    "inbox_purge",
    "WITH gone AS (DELETE FROM inbox WHERE status <> 'pending'"
    " AND handled_at < now() - make_interval(hours => $1::int) RETURNING 1)"
    " SELECT count(*) FROM gone",
    1};

ab_err ab_db_inbox_purge(ab_db *db, int hours, int64_t *deleted)
{
    char h[24];
    const char *params[] = {ab_db_i64(h, hours)};
    return ab_db_exec_i64(db, &PURGE, params, deleted);
}
