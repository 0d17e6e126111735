/* Submit attempt statements (see fal_submit.h). */
#include "db/fal_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ab_db_stmt BEGIN_RUN = {
    "fal_submit_begin_run",
    "UPDATE fal_requests SET status = 'submitting', submit_nonce = $2, submitting_at = now(),"
    " reconcile_until = NULL, input = $3::jsonb, dataset_key = coalesce($4, dataset_key),"
    " updated_at = now()"
    " WHERE request_id = $1 AND status = 'preparing'"
    " AND ($5::bigint IS NULL OR opened_at <="
    "      coalesce((SELECT created_at FROM jobs WHERE id = $5::bigint), opened_at))"
    " RETURNING 1",
    5};

static const ab_db_stmt BEGIN_ATTEMPT = {
    "fal_submit_begin_attempt",
    "INSERT INTO fal_submits (nonce, run_id, attempt, app_id, input)"
    " SELECT $2, $1, coalesce(max(attempt), 0) + 1, $3, $4::jsonb FROM fal_submits"
    " WHERE run_id = $1 RETURNING attempt",
    4};

typedef struct {
    const char *run_id, *nonce, *app_id, *input, *dataset_key;
    int64_t job_id;
    int attempt;
} begin_ctx;

static ab_err begin_tx(ab_db *db, void *arg)
{
    begin_ctx *b = arg;
    /* the workers' sessions commit asynchronously; this commit must be on disk before the POST,
     * or a crash could forget an attempt that FAL received */
    ab_err err = ab_db_command(db, "SET LOCAL synchronous_commit = on");
    char job[24];
    const char *p5[] = {b->run_id, b->nonce, b->input, b->dataset_key,
                        b->job_id ? ab_db_i64(job, b->job_id) : NULL};
    int64_t one = 0, attempt = 0;
    if (err == AB_OK)
        err = ab_db_exec_i64(db, &BEGIN_RUN, p5, &one);
    if (err == AB_OK && one != 1)
        return AB_ERR_CONFLICT;
    const char *p4[] = {b->run_id, b->nonce, b->app_id, b->input};
    if (err == AB_OK)
        err = ab_db_exec_i64(db, &BEGIN_ATTEMPT, p4, &attempt);
    b->attempt = (int)attempt;
    return err;
}

ab_err ab_db_fal_submit_begin(ab_db *db, const char *run_id, int64_t job_id, const char *nonce,
                              const char *app_id, const char *input_json, const char *dataset_key,
                              int *attempt)
{
    begin_ctx b = {run_id, nonce, app_id, input_json, dataset_key, job_id, 0};
    ab_err err = ab_db_tx(db, begin_tx, &b);
    *attempt = err == AB_OK ? b.attempt : 0;
    return err;
}

static const ab_db_stmt LOOKUP = {
    "fal_submit_lookup",
    "SELECT s.run_id, s.app_id, f.status, coalesce(f.avatar_id, 0) FROM fal_submits s"
    " JOIN fal_requests f ON f.request_id = s.run_id WHERE s.nonce = $1 FOR UPDATE OF f",
    1};

static const ab_db_stmt ADOPT_RUN = {
    "fal_submit_adopt_run",
    "WITH r AS (UPDATE fal_requests SET request_id = $2, status = 'submitted', status_url = $3,"
    "   response_url = $4, cancel_url = $5, submitted_at = now(), reconcile_until = NULL,"
    "   updated_at = now()"
    "   WHERE request_id = $1 AND status IN ('preparing', 'submitting', 'reconciling')"
    "   RETURNING avatar_id, kind),"
    " a AS (UPDATE avatars SET fal_request_id = $2 FROM r WHERE avatars.id = r.avatar_id"
    "   AND r.kind = 'training')"
    " SELECT count(*) FROM r",
    5};

static const ab_db_stmt ADOPT_ATTEMPT = {
    "fal_submit_adopt_attempt",
    "UPDATE fal_submits SET outcome = 'accepted', request_id = $2, updated_at = now()"
    " WHERE nonce = $1",
    2};

static const ab_db_stmt ATTEMPT_SAW = {
    "fal_submit_attempt_saw",
    "UPDATE fal_submits SET request_id = coalesce(request_id, $2), updated_at = now()"
    " WHERE nonce = $1",
    2};

static const ab_db_stmt EXTRA = {
    "fal_submit_extra",
    "UPDATE fal_requests SET extra_requests = array_append(extra_requests, $2), updated_at = now()"
    " WHERE request_id = $1 AND NOT ($2 = ANY (extra_requests))",
    2};

static void copy_cell(char *dst, size_t n, const PGresult *res, int c)
{
    snprintf(dst, n, "%s", PQgetvalue(res, 0, c));
}

ab_err ab_db_fal_submit_adopt(ab_db *db, const char *nonce, const char *request_id,
                              const char *status_url, const char *response_url,
                              const char *cancel_url, ab_adopt *out)
{
    memset(out, 0, sizeof *out);
    out->result = AB_ADOPT_UNKNOWN;
    const char *p1[] = {nonce};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &LOOKUP, p1, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_OK;
    }
    copy_cell(out->run_id, sizeof out->run_id, res, 0);
    copy_cell(out->app_id, sizeof out->app_id, res, 1);
    out->avatar_id = ab_db_get_i64(res, 0, 3);
    PQclear(res);
    if (strcmp(out->run_id, request_id) == 0) {
        out->result = AB_ADOPT_ALREADY;
        return AB_OK;
    }
    const char *p5[] = {out->run_id, request_id, status_url, response_url, cancel_url};
    int64_t moved = 0;
    err = ab_db_exec_i64(db, &ADOPT_RUN, p5, &moved);
    const char *p2[] = {nonce, request_id};
    if (err == AB_OK && moved == 1) {
        out->result = AB_ADOPT_ADOPTED;
        snprintf(out->run_id, sizeof out->run_id, "%s", request_id);
        return ab_db_exec(db, &ADOPT_ATTEMPT, p2, NULL);
    }
    if (err != AB_OK)
        return err;
    out->result = AB_ADOPT_EXTRA;
    err = ab_db_exec(db, &ATTEMPT_SAW, p2, NULL);
    return err == AB_OK ? ab_db_fal_submit_extra(db, out->run_id, request_id) : err;
}

ab_err ab_db_fal_submit_extra(ab_db *db, const char *run_id, const char *request_id)
{
    const char *p2[] = {run_id, request_id};
    return ab_db_exec(db, &EXTRA, p2, NULL);
}

static const ab_db_stmt LOOKUP_PLAIN = {
    "fal_submit_lookup_plain", "SELECT run_id, app_id FROM fal_submits WHERE nonce = $1", 1};

ab_err ab_db_fal_submit_lookup(ab_db *db, const char *nonce, char run_id[128], char app_id[96])
{
    const char *p1[] = {nonce};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &LOOKUP_PLAIN, p1, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return AB_ERR_NOT_FOUND;
    }
    copy_cell(run_id, 128, res, 0);
    copy_cell(app_id, 96, res, 1);
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt UNKNOWN = {
    "fal_submit_unknown",
    "WITH r AS (UPDATE fal_requests SET status = 'reconciling',"
    "   reconcile_until = coalesce(submitting_at, now()) + make_interval(secs => $2::int),"
    "   updated_at = now()"
    "   WHERE submit_nonce = $1 AND status = 'submitting' RETURNING 1),"
    " s AS (UPDATE fal_submits SET outcome = 'unknown', updated_at = now()"
    "   WHERE nonce = $1 AND outcome = 'sending' AND EXISTS (SELECT 1 FROM r))"
    " SELECT count(*) FROM r",
    2};

static const ab_db_stmt REFUSED = {
    "fal_submit_refused",
    "WITH r AS (UPDATE fal_requests SET status = 'preparing', submit_nonce = NULL,"
    "   submitting_at = NULL, updated_at = now()"
    "   WHERE submit_nonce = $1 AND status = 'submitting' RETURNING 1),"
    " s AS (UPDATE fal_submits SET outcome = 'refused', updated_at = now()"
    "   WHERE nonce = $1 AND EXISTS (SELECT 1 FROM r))"
    " SELECT count(*) FROM r",
    1};

static const ab_db_stmt SUPERSEDE = {
    "fal_submit_supersede",
    "WITH r AS (UPDATE fal_requests SET status = 'preparing', submit_nonce = NULL,"
    "   submitting_at = NULL, reconcile_until = NULL, updated_at = now()"
    "   WHERE submit_nonce = $1 AND status = 'reconciling' AND reconcile_until <= now()"
    "   RETURNING 1),"
    " s AS (UPDATE fal_submits SET outcome = 'superseded', updated_at = now()"
    "   WHERE nonce = $1 AND EXISTS (SELECT 1 FROM r))"
    " SELECT count(*) FROM r",
    1};

static ab_err move(ab_db *db, const ab_db_stmt *stmt, const char *const *params, bool *moved)
{
    int64_t n = 0;
    ab_err err = ab_db_exec_i64(db, stmt, params, &n);
    *moved = err == AB_OK && n == 1;
    return err;
}

ab_err ab_db_fal_submit_unknown(ab_db *db, const char *nonce, int window_s, bool *moved)
{
    char w[24];
    const char *p2[] = {nonce, ab_db_i64(w, window_s)};
    return move(db, &UNKNOWN, p2, moved);
}

ab_err ab_db_fal_submit_refused(ab_db *db, const char *nonce, bool *moved)
{
    const char *p1[] = {nonce};
    return move(db, &REFUSED, p1, moved);
}

ab_err ab_db_fal_submit_supersede(ab_db *db, const char *nonce, bool *moved)
{
    const char *p1[] = {nonce};
    return move(db, &SUPERSEDE, p1, moved);
}

static const ab_db_stmt INPUTS = {
    "fal_submit_inputs",
    "SELECT DISTINCT input::text FROM fal_submits WHERE run_id = $1 AND input IS NOT NULL", 1};

ab_err ab_db_fal_submit_inputs(ab_db *db, const char *run_id, char ***inputs, size_t *n)
{
    const char *params[] = {run_id};
    return ab_db_exec_strings(db, &INPUTS, params, inputs, n);
}

static const ab_db_stmt EVENT = {
    "fal_event",
    "UPDATE fal_requests SET events = CASE WHEN EXISTS (SELECT 1 FROM"
    "   jsonb_array_elements(events) e WHERE e = $2::jsonb) THEN events"
    "   ELSE events || jsonb_build_array($2::jsonb) END, updated_at = now()"
    " WHERE request_id = $1"
    " RETURNING (status IN " AB_DB_FAL_OPEN_STATES ")::int, (kind = 'generation')::int",
    2};

ab_err ab_db_fal_event(ab_db *db, const char *request_id, const char *event_json, bool *open,
                       bool *generation)
{
    const char *params[] = {request_id, event_json};
    PGresult *res = NULL;
    *open = *generation = false;
    ab_err err = ab_db_exec(db, &EVENT, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) != 1) {
        err = AB_ERR_NOT_FOUND;
    } else {
        *open = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
        *generation = strcmp(PQgetvalue(res, 0, 1), "1") == 0;
    }
    PQclear(res);
    return err;
}
