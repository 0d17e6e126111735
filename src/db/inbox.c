/* Inbox statements. The per-lane advisory lock (transaction-scoped, so a crashed replica's
 * locks vanish with its connection) is what keeps one chat's updates strictly sequential
 * across all workers of all replicas. */
#include "db/inbox.h"

#include <stdlib.h>
#include <string.h>

static const ab_db_stmt PENDING_LANES = {
    "inbox_pending_lanes",
    /* see migrations/0003 and 0004 for why this is a function */
    "SELECT chat_id, update_id FROM ab_pending_lanes($1::int, $2::bigint)", 2};

ab_err ab_db_inbox_pending_lanes(ab_db *db, int64_t from, int64_t *lanes, int max, int *n,
                                 int64_t *oldest)
{
    char lim[24], low[24];
    const char *params[] = {ab_db_i64(lim, (int64_t)max * 4), ab_db_i64(low, from)};
    PGresult *res = NULL;
    *n = 0;
    ab_err err = ab_db_exec(db, &PENDING_LANES, params, &res);
    if (err != AB_OK)
        return err;
    *oldest = PQntuples(res) > 0 ? ab_db_get_i64(res, 0, 1) : from;
    for (int r = 0; r < PQntuples(res) && *n < max; r++) {
        int64_t lane = ab_db_get_i64(res, r, 0);
        int seen = 0;
        for (int i = 0; i < *n && !seen; i++)
            seen = lanes[i] == lane;
        if (!seen)
            lanes[(*n)++] = lane;
    }
    PQclear(res);
    return AB_OK;
}

/* The lane lock and the lane's oldest pending update in one round trip. The lock is taken in
 * a fenced subquery (OFFSET 0 keeps it from being merged into the join), and the update is read
 * only when it was granted: the lateral subquery's condition on it is checked before its scan. */
static const ab_db_stmt CLAIM_LANE = {
    "inbox_claim_lane",
    "SELECT l.locked, i.update_id, i.payload::text, i.attempts"
    " FROM (SELECT pg_try_advisory_xact_lock($1::bigint) AS locked OFFSET 0) l"
    " LEFT JOIN LATERAL (SELECT update_id, payload, attempts FROM inbox"
    "  WHERE l.locked AND chat_id = $1::bigint AND status = 'pending'"
    "  ORDER BY chat_id, update_id LIMIT 1 FOR UPDATE) i ON true", /* inbox_pending_by_chat */
    1};

ab_err ab_db_inbox_claim_lane(ab_db *db, int64_t lane, bool *locked, int64_t *update_id,
                              char **payload, int *attempts, bool *found)
{
    char ln[24];
    const char *params[] = {ab_db_i64(ln, lane)};
    PGresult *res = NULL;
    *locked = *found = false;
    *payload = NULL;
    ab_err err = ab_db_exec(db, &CLAIM_LANE, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        *locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        if (*locked && !PQgetisnull(res, 0, 1)) {
            *update_id = ab_db_get_i64(res, 0, 1);
            *payload = strdup(PQgetvalue(res, 0, 2));
            *attempts = (int)ab_db_get_i64(res, 0, 3);
            *found = *payload != NULL;
            if (!*payload)
                err = AB_ERR_NOMEM;
        }
    }
    PQclear(res);
    return err;
}

static const ab_db_stmt MARK_DONE = {
    "inbox_mark_done",
    "UPDATE inbox SET status = 'done', handled_at = now(), attempts = attempts + 1"
    " WHERE update_id = $1::bigint",
    1};

ab_err ab_db_inbox_mark_done(ab_db *db, int64_t update_id)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, update_id)};
    return ab_db_exec(db, &MARK_DONE, params, NULL);
}

static const ab_db_stmt RECORD_FAILURE = {
    "inbox_record_failure",
    "UPDATE inbox SET attempts = attempts + 1, last_error = left($2, 500),"
    " status = CASE WHEN attempts + 1 >= $3::int THEN 'failed' ELSE 'pending' END,"
    " handled_at = CASE WHEN attempts + 1 >= $3::int THEN now() END"
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
