/* Admin statements (see admin.h). */
#include "db/admin.h"

#include "db/fal_submit.h"

#include <stdio.h>
#include <stdlib.h>
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
    " CASE WHEN blocked_at IS NULL THEN 'no' ELSE 'yes' END AS blocked, credits,"
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

static const ab_db_stmt USER_LEDGER = {
    "admin_user_ledger",
    "SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_utc,"
    " delta, reason, coalesce(reference, '') AS reference,"
    " coalesce(refund_of::text, '') AS refund_of, balance_after"
    " FROM credit_ledger WHERE user_id = $1::bigint ORDER BY id",
    1};

ab_err ab_db_admin_user(ab_db *db, const char *who, PGresult *out[4], bool *found)
{
    out[0] = out[1] = out[2] = out[3] = NULL;
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
    if (err == AB_OK)
        err = ab_db_exec(db, &USER_LEDGER, p2, &out[3]);
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
    "  WHERE handled_at >= since AND handled_at < until AND status = 'failed'"
    " UNION ALL SELECT 'stars received', coalesce(sum(total_amount), 0)::text FROM payments, r"
    "  WHERE created_at >= since AND created_at < until"
    " UNION ALL SELECT 'credits ' || s, coalesce(sum(abs(l.delta)), 0)::text"
    "  FROM unnest(ARRAY['purchase', 'training', 'images', 'refund', 'promo']) AS s"
    "  LEFT JOIN (SELECT l.* FROM credit_ledger l, r WHERE l.created_at >= r.since"
    "             AND l.created_at < r.until) l ON l.reason = s GROUP BY s",
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

static const ab_db_stmt ERASE_AVATARS = {
    "admin_erase_avatars", "SELECT id FROM avatars WHERE user_id = $1::bigint ORDER BY id", 1};

static const ab_db_stmt ERASE_RUNS = {
    "admin_erase_runs",
    "SELECT request_id, app_id, cancel_url, mode FROM fal_requests WHERE user_id = $1::bigint"
    " AND cancel_url IS NOT NULL AND status IN " AB_DB_FAL_OPEN_STATES " ORDER BY opened_at",
    1};

ab_err ab_db_admin_erase_plan(ab_db *db, int64_t user_id, PGresult **avatars, PGresult **runs)
{
    char uid[24];
    const char *p1[] = {ab_db_i64(uid, user_id)};
    *avatars = *runs = NULL;
    ab_err err = ab_db_exec(db, &ERASE_AVATARS, p1, avatars);
    return err == AB_OK ? ab_db_exec(db, &ERASE_RUNS, p1, runs) : err;
}

/* One statement a table, in an order no cascade crosses: the FAL requests (which point at
 * the avatars' status messages) before the user, whose delete cascades to the avatars, their
 * photos, batches and generations. A private chat's id is its user's. */
static const ab_db_stmt ERASE[] = {
    /* what is still to be sent goes out (the bot's last words: /forget's own answer) */
    {"admin_erase_outbox",
     "DELETE FROM outbox WHERE chat_id = $1::bigint AND status NOT IN ('pending', 'sending')", 1},
    {"admin_erase_inbox", "DELETE FROM inbox WHERE chat_id = $1::bigint", 1},
    /* a running job finishes on its own (the user's /forget is one) */
    {"admin_erase_jobs",
     "DELETE FROM jobs WHERE (user_id = $1::bigint OR chat_id = $1::bigint) AND status <> "
     "'running'",
     1},
    {"admin_erase_fal_requests", "DELETE FROM fal_requests WHERE user_id = $1::bigint", 1},
    {"admin_erase_generations", "DELETE FROM generations WHERE user_id = $1::bigint", 1},
    {"admin_erase_photos", "DELETE FROM avatar_photos WHERE user_id = $1::bigint", 1},
    {"admin_erase_avatars_rows", "DELETE FROM avatars WHERE user_id = $1::bigint", 1},
    {"admin_erase_chat",
     "DELETE FROM chat_state WHERE chat_id = $1::bigint OR user_id = $1::bigint", 1},
    {"admin_erase_user", "DELETE FROM users WHERE id = $1::bigint", 1},
};
static const char *const ERASED[] = {"messages sent", "updates",      "jobs",
                                     "FAL requests",  "generations",  "photos",
                                     "avatars",       "conversation", "user"};

typedef struct {
    int64_t user_id;
    long counts[sizeof ERASE / sizeof ERASE[0]];
} erase_ctx;

static ab_err erase_tx(ab_db *db, void *arg)
{
    erase_ctx *e = arg;
    char uid[24];
    const char *p1[] = {ab_db_i64(uid, e->user_id)};
    for (size_t i = 0; i < sizeof ERASE / sizeof ERASE[0]; i++) {
        PGresult *res = NULL;
        ab_err err = ab_db_exec(db, &ERASE[i], p1, &res);
        if (err != AB_OK)
            return err;
        e->counts[i] = atol(PQcmdTuples(res));
        PQclear(res);
    }
    return AB_OK;
}

static const ab_db_stmt ERASED_TABLE = {
    "admin_erased",
    "SELECT what, rows::bigint FROM unnest($1::text[], $2::bigint[]) AS t(what, rows)", 2};

ab_err ab_db_admin_erase(ab_db *db, int64_t user_id, PGresult **out, bool *found)
{
    erase_ctx e = {.user_id = user_id};
    *out = NULL;
    ab_err err = ab_db_tx(db, erase_tx, &e);
    if (err != AB_OK)
        return err;
    size_t n = sizeof ERASE / sizeof ERASE[0];
    *found = e.counts[n - 1] > 0;
    char names[512] = "{", counts[256] = "{";
    for (size_t i = 0; i < n; i++) {
        size_t a = strlen(names), b = strlen(counts);
        snprintf(names + a, sizeof names - a, "%s\"%s\"", i ? "," : "", ERASED[i]);
        snprintf(counts + b, sizeof counts - b, "%s%ld", i ? "," : "", e.counts[i]);
    }
    strcat(names, "}");
    strcat(counts, "}");
    const char *p2[] = {names, counts};
    return ab_db_exec(db, &ERASED_TABLE, p2, out);
}

/* A Stars payment and whether it can still be refunded; locked until the refund commits, so
 * two operators refunding at once refund once. */
static const ab_db_stmt PAYMENT_LOCK = {
    "admin_payment_lock",
    "SELECT p.user_id, p.credits, p.status, coalesce(u.credits, 0) FROM payments p"
    " LEFT JOIN users u ON u.id = p.user_id"
    " WHERE p.telegram_payment_charge_id = $1 FOR UPDATE OF p",
    1};

ab_err ab_db_admin_payment_lock(ab_db *db, const char *charge_id, ab_admin_payment *out)
{
    const char *params[] = {charge_id};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    ab_err err = ab_db_exec(db, &PAYMENT_LOCK, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        out->found = true;
        out->user_id = ab_db_get_i64(res, 0, 0);
        out->credits = ab_db_get_i64(res, 0, 1);
        out->refunded = strcmp(PQgetvalue(res, 0, 2), "refunded") == 0;
        out->balance = ab_db_get_i64(res, 0, 3);
    }
    PQclear(res);
    return AB_OK;
}

/* The payment marked refunded, and its credits taken back as far as the balance still holds
 * them (the rest was spent: the balance never goes below zero). */
static const ab_db_stmt PAYMENT_REFUNDED = {
    "admin_payment_refunded",
    "WITH p AS (UPDATE payments SET status = 'refunded', refunded_at = now()"
    "   WHERE telegram_payment_charge_id = $1 AND status = 'paid'"
    "   RETURNING user_id, credits, telegram_payment_charge_id),"
    " t AS (SELECT p.*, least(p.credits, u.credits) AS back FROM p JOIN users u ON u.id = "
    "p.user_id)"
    " INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    " SELECT user_id, -back, 'refund', 'stars ' || telegram_payment_charge_id FROM t"
    " WHERE back > 0 RETURNING -delta",
    1};

ab_err ab_db_admin_payment_refunded(ab_db *db, const char *charge_id, int64_t *taken_back)
{
    const char *params[] = {charge_id};
    return ab_db_exec_i64(db, &PAYMENT_REFUNDED, params, taken_back);
}

static const ab_db_stmt PROMO_LIST = {
    "admin_promo_list",
    "SELECT code, credits, used, uses_max,"
    " coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')"
    "   AS expires_utc,"
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_utc"
    " FROM promo_codes ORDER BY created_at DESC",
    0};

ab_err ab_db_admin_promo_list(ab_db *db, PGresult **out)
{
    return ab_db_exec(db, &PROMO_LIST, NULL, out);
}

static const ab_db_stmt PROMO_CREATE = {
    "admin_promo_create",
    "INSERT INTO promo_codes (code, credits, uses_max, expires_at)"
    " VALUES ($1, $2::int, $3::int,"
    "   CASE WHEN $4::int > 0 THEN now() + make_interval(days => $4::int) END)"
    " ON CONFLICT (code) DO NOTHING"
    " RETURNING code, credits, used, uses_max,"
    " coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '')"
    "   AS expires_utc",
    4};

ab_err ab_db_admin_promo_create(ab_db *db, const char *code, int credits, int uses, int days,
                                PGresult **out)
{
    char c[24], u[24], d[24];
    const char *params[] = {code, ab_db_i64(c, credits), ab_db_i64(u, uses), ab_db_i64(d, days)};
    return ab_db_exec(db, &PROMO_CREATE, params, out);
}

/* An operator's correction of a user's credits: a ledger entry like any other (the database
 * refuses one that would take the balance below zero). */
static const ab_db_stmt CREDIT_ADJUST = {
    "admin_credit_adjust",
    "INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    " VALUES ($1::bigint, $2::bigint, 'adjustment', $3)"
    " RETURNING id, user_id, delta, reason, reference, balance_after",
    3};

ab_err ab_db_admin_credit_adjust(ab_db *db, int64_t user_id, int64_t delta, const char *note,
                                 PGresult **out)
{
    char uid[24], d[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(d, delta), note};
    return ab_db_exec(db, &CREDIT_ADJUST, params, out);
}
