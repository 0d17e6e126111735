/* Admin statements (see admin.h). */
#include "db/admin.h"

#include <string.h>

static const ab_db_stmt JOBS = {
    "admin_jobs",
    "SELECT id, kind, CASE WHEN status = 'running' THEN 'stuck' WHEN status = 'dead' THEN 'dead'"
    " ELSE 'failing' END AS state, user_id, avatar_id, attempts, max_attempts,"
    " to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS updated_utc,"
    " coalesce(last_error, '') AS last_error FROM jobs"
    " WHERE status = 'dead' OR (status = 'running' AND lease_until < now())"
    " OR (status = 'pending' AND attempts > 0 AND last_error IS NOT NULL)"
    " ORDER BY id",
    0};

ab_err ab_db_admin_jobs(ab_db *db, PGresult **out)
{
    return ab_db_exec(db, &JOBS, NULL, out);
}

static const ab_db_stmt JOBS_REQUEUE = {
    "admin_jobs_requeue",
    "UPDATE jobs SET status = 'pending', attempts = 0, run_after = now(), lease_until = NULL,"
    " updated_at = now() WHERE status IN ('dead', 'pending')"
    " AND (id = $1::bigint OR ($1::bigint = 0 AND status = 'dead'))"
    " RETURNING id, kind, status",
    1};

ab_err ab_db_admin_jobs_requeue(ab_db *db, int64_t id, PGresult **out)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, id)};
    return ab_db_exec(db, &JOBS_REQUEUE, params, out);
}

/* A running job's runner finds its claim gone when it finishes (finishing is fenced on the
 * claim), so cancelling one that runs is safe: it stops mattering, not running. */
static const ab_db_stmt JOBS_CANCEL = {
    "admin_jobs_cancel",
    "UPDATE jobs SET status = 'dead', lease_until = NULL, claims = claims + 1,"
    " last_error = 'cancelled by an operator', updated_at = now()"
    " WHERE id = $1::bigint AND status IN ('pending', 'running')"
    " RETURNING id, kind, status",
    1};

ab_err ab_db_admin_jobs_cancel(ab_db *db, int64_t id, PGresult **out)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, id)};
    return ab_db_exec(db, &JOBS_CANCEL, params, out);
}

static const ab_db_stmt INBOX = {
    "admin_inbox",
    "SELECT update_id, chat_id, kind, attempts,"
    " to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS received_utc,"
    " coalesce(last_error, '') AS last_error FROM inbox WHERE status = 'failed'"
    " ORDER BY update_id",
    0};

ab_err ab_db_admin_inbox(ab_db *db, PGresult **out)
{
    return ab_db_exec(db, &INBOX, NULL, out);
}

static const ab_db_stmt INBOX_REQUEUE = {
    "admin_inbox_requeue",
    "UPDATE inbox SET status = 'pending', attempts = 0, deferrals = 0, not_before = NULL,"
    " handled_at = NULL WHERE update_id = $1::bigint AND status = 'failed'"
    " RETURNING update_id, chat_id, status",
    1};

ab_err ab_db_admin_inbox_requeue(ab_db *db, int64_t update_id, PGresult **out)
{
    char sid[24];
    const char *params[] = {ab_db_i64(sid, update_id)};
    return ab_db_exec(db, &INBOX_REQUEUE, params, out);
}

static const ab_db_stmt USER = {
    "admin_user",
    "SELECT id, first_name, coalesce(username, '') AS username,"
    " coalesce(language_code, '') AS language_code, avatars_count,"
    " CASE WHEN blocked_at IS NULL THEN 'no' ELSE 'yes' END AS blocked,"
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_utc"
    " FROM users WHERE id::text = $1 OR ('@' || lower(username)) = lower($1)",
    1};

static const ab_db_stmt USER_AVATARS = {
    "admin_user_avatars",
    "SELECT a.id, a.name, a.training_type, a.status,"
    " (SELECT count(*) FROM avatar_photos p WHERE p.avatar_id = a.id) AS photos,"
    " coalesce(a.trainer, '') AS trainer, coalesce(a.fal_request_id, '') AS fal_request_id"
    " FROM avatars a WHERE a.user_id = $1::bigint ORDER BY a.id",
    1};

static const ab_db_stmt USER_TRAININGS = {
    "admin_user_trainings",
    "SELECT request_id, kind, coalesce(avatar_id::text, '') AS avatar_id, app_id, status, mode,"
    " to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS opened_utc"
    " FROM fal_requests WHERE user_id = $1::bigint ORDER BY opened_at",
    1};

ab_err ab_db_admin_user(ab_db *db, const char *who, PGresult *out[3], bool *found)
{
    out[0] = out[1] = out[2] = NULL;
    *found = false;
    const char *p1[] = {who};
    ab_err err = ab_db_exec(db, &USER, p1, &out[0]);
    if (err != AB_OK || PQntuples(out[0]) != 1)
        return err;
    *found = true;
    const char *p2[] = {PQgetvalue(out[0], 0, 0)};
    err = ab_db_exec(db, &USER_AVATARS, p2, &out[1]);
    if (err == AB_OK)
        err = ab_db_exec(db, &USER_TRAININGS, p2, &out[2]);
    return err;
}

static const ab_db_stmt STATS = {
    "admin_stats",
    "WITH d AS (SELECT coalesce($1::date, (now() AT TIME ZONE 'UTC')::date) AS day),"
    " r AS (SELECT (day::timestamp AT TIME ZONE 'UTC') AS since,"
    "              ((day + 1)::timestamp AT TIME ZONE 'UTC') AS until FROM d)"
    " SELECT 'day', (SELECT day::text FROM d)"
    " UNION ALL SELECT 'users', count(*)::text FROM users"
    " UNION ALL SELECT 'users new', count(*)::text FROM users, r"
    "  WHERE created_at >= since AND created_at < until"
    " UNION ALL SELECT 'avatars new', count(*)::text FROM avatars, r"
    "  WHERE created_at >= since AND created_at < until"
    " UNION ALL SELECT 'photos received', count(*)::text FROM avatar_photos, r"
    "  WHERE created_at >= since AND created_at < until"
    " UNION ALL SELECT 'trainings ' || s, count(f.request_id)::text"
    "  FROM unnest(ARRAY['completed', 'error', 'cancelled']) AS s"
    "  LEFT JOIN (SELECT f.* FROM fal_requests f, r WHERE f.completed_at >= r.since"
    "             AND f.completed_at < r.until AND f.kind = 'training') f ON f.status = s"
    "  GROUP BY s"
    " UNION ALL SELECT 'trainings started', count(*)::text FROM fal_requests, r"
    "  WHERE opened_at >= since AND opened_at < until AND kind = 'training'"
    " UNION ALL SELECT 'generations ' || s, count(g.id)::text"
    "  FROM unnest(ARRAY['delivered', 'failed', 'cancelled']) AS s"
    "  LEFT JOIN (SELECT g.* FROM generations g, r WHERE g.finished_at >= r.since"
    "             AND g.finished_at < r.until) g ON g.status = s GROUP BY s"
    " UNION ALL SELECT 'generations started', count(*)::text FROM generations, r"
    "  WHERE created_at >= since AND created_at < until"
    " UNION ALL SELECT 'pictures delivered', coalesce(sum(jsonb_array_length(file_ids)), 0)::text"
    "  FROM generations, r WHERE finished_at >= since AND finished_at < until"
    " UNION ALL SELECT 'fal requests extra (cancelled duplicates)',"
    "  coalesce(sum(cardinality(extra_requests)), 0)::text FROM fal_requests, r"
    "  WHERE opened_at >= since AND opened_at < until"
    " UNION ALL SELECT 'updates handled', count(*)::text FROM inbox, r"
    "  WHERE handled_at >= since AND handled_at < until AND status = 'done'"
    " UNION ALL SELECT 'updates failed', count(*)::text FROM inbox, r"
    "  WHERE handled_at >= since AND handled_at < until AND status = 'failed'",
    1};

ab_err ab_db_admin_stats(ab_db *db, const char *day, PGresult **out)
{
    const char *params[] = {day};
    return ab_db_exec(db, &STATS, params, out);
}

ab_err ab_db_admin_wake(ab_db *db)
{
    return ab_db_command(db, "SELECT pg_notify('ab_inbox', ''), pg_notify('ab_jobs', '')");
}
