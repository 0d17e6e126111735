/* Ledger and payment statements (see billing.h). The balance moves inside the ledger insert
 * (trigger credit_ledger_apply), so no statement here writes users.credits. */
#include "db/billing.h"

#include <stdio.h>
#include <string.h>

/* The payment row is the once-only key: a repeated charge id inserts nothing, and then no
 * ledger entry is made either. */
static const ab_db_stmt CREDIT_PAYMENT = {
    "billing_credit_payment",
    "WITH p AS (INSERT INTO payments (telegram_payment_charge_id, provider_payment_charge_id,"
    "   user_id, currency, total_amount, credits, invoice_payload)"
    "   VALUES ($1, $2, $3::bigint, $4, $5::int, $6::int, $7)"
    "   ON CONFLICT (telegram_payment_charge_id) DO NOTHING"
    "   RETURNING telegram_payment_charge_id, user_id, credits)"
    " INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    " SELECT user_id, credits, 'purchase', telegram_payment_charge_id FROM p"
    " RETURNING balance_after",
    7};

static const ab_db_stmt BALANCE = {"billing_balance",
                                   "SELECT credits FROM users WHERE id = $1::bigint", 1};

ab_err ab_db_billing_credit_payment(ab_db *db, const ab_payment *p, bool *credited,
                                    int64_t *balance)
{
    char uid[24], amount[24], credits[24];
    const char *params[] = {p->telegram_charge_id,
                            p->provider_charge_id,
                            ab_db_i64(uid, p->user_id),
                            p->currency,
                            ab_db_i64(amount, p->total_amount),
                            ab_db_i64(credits, p->credits),
                            p->payload};
    PGresult *res = NULL;
    *credited = false;
    *balance = 0;
    ab_err err = ab_db_exec(db, &CREDIT_PAYMENT, params, &res);
    if (err != AB_OK)
        return err;
    *credited = PQntuples(res) == 1;
    if (*credited)
        *balance = ab_db_get_i64(res, 0, 0);
    PQclear(res);
    if (*credited)
        return AB_OK;
    const char *q[] = {uid};
    return ab_db_exec_i64(db, &BALANCE, q, balance);
}

static const ab_db_stmt WELCOME = {
    "billing_welcome",
    "INSERT INTO credit_ledger (user_id, delta, reason)"
    " SELECT $1::bigint, $2::bigint, 'welcome' WHERE NOT EXISTS"
    " (SELECT 1 FROM credit_ledger WHERE user_id = $1::bigint AND reason = 'welcome')",
    2};

ab_err ab_db_billing_welcome(ab_db *db, int64_t user_id, int credits)
{
    if (credits <= 0)
        return AB_OK;
    char uid[24], n[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(n, credits)};
    PGresult *res = NULL;
    ab_err err = ab_db_exec(db, &WELCOME, params, &res);
    PQclear(res);
    return err;
}

static const ab_db_stmt HISTORY = {
    "billing_history",
    "SELECT u.credits, l.reason, l.delta, to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    " FROM users u LEFT JOIN LATERAL (SELECT reason, delta, created_at FROM credit_ledger"
    "   WHERE user_id = u.id ORDER BY id DESC LIMIT 10) l ON true"
    " WHERE u.id = $1::bigint",
    1};

ab_err ab_db_billing_view(ab_db *db, int64_t user_id, ab_billing_view *out)
{
    char uid[24];
    const char *params[] = {ab_db_i64(uid, user_id)};
    PGresult *res = NULL;
    memset(out, 0, sizeof *out);
    ab_err err = ab_db_exec(db, &HISTORY, params, &res);
    if (err != AB_OK)
        return err;
    int rows = PQntuples(res);
    for (int r = 0; r < rows; r++) {
        out->credits = ab_db_get_i64(res, r, 0);
        if (PQgetisnull(res, r, 1) || out->n_entries == AB_BILLING_HISTORY)
            continue;
        ab_ledger_entry *e = &out->entries[out->n_entries++];
        snprintf(e->reason, sizeof e->reason, "%s", PQgetvalue(res, r, 1));
        e->delta = ab_db_get_i64(res, r, 2);
        snprintf(e->date, sizeof e->date, "%s", PQgetvalue(res, r, 3));
    }
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt CHARGE_TRAINING = {
    "billing_charge_training",
    "WITH l AS (INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    "   VALUES ($1::bigint, -$3::bigint, 'training', 'avatar ' || $2) RETURNING id)"
    " UPDATE fal_requests r SET spend_id = l.id FROM l"
    " WHERE r.status_batch_id = $4::bigint AND r.user_id = $1::bigint RETURNING r.spend_id",
    4};

static const ab_db_stmt CHARGE_GENERATION = {
    "billing_charge_generation",
    "WITH l AS (INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    "   VALUES ($1::bigint, -$3::bigint, 'images', 'generation ' || $2) RETURNING id)"
    " UPDATE generations g SET spend_id = l.id FROM l"
    " WHERE g.id = $2::bigint AND g.user_id = $1::bigint RETURNING g.spend_id",
    3};

/* The run must exist: a spend that names no run could never be refunded. */
static ab_err charge(ab_db *db, const ab_db_stmt *stmt, const char *const *params)
{
    bool found = false;
    ab_err err = ab_db_exec_found(db, stmt, params, &found);
    return err != AB_OK ? err : found ? AB_OK : AB_ERR_NOT_FOUND;
}

ab_err ab_db_billing_charge_training(ab_db *db, int64_t user_id, int64_t avatar_id,
                                     int64_t batch_id, int price)
{
    if (price <= 0)
        return AB_OK;
    char uid[24], aid[24], p[24], bid[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(aid, avatar_id), ab_db_i64(p, price),
                            ab_db_i64(bid, batch_id)};
    return charge(db, &CHARGE_TRAINING, params);
}

ab_err ab_db_billing_charge_generation(ab_db *db, int64_t user_id, int64_t generation_id, int price)
{
    if (price <= 0)
        return AB_OK;
    char uid[24], gid[24], p[24];
    const char *params[] = {ab_db_i64(uid, user_id), ab_db_i64(gid, generation_id),
                            ab_db_i64(p, price)};
    return charge(db, &CHARGE_GENERATION, params);
}

static const ab_db_stmt REFUNDED = {
    "billing_refunded",
    "SELECT coalesce(sum(l.delta), 0) FROM credit_ledger l"
    " WHERE l.refund_of = CASE WHEN $1::text IS NOT NULL"
    "   THEN (SELECT spend_id FROM fal_requests WHERE request_id = $1)"
    "   ELSE (SELECT spend_id FROM generations WHERE id = $2::bigint) END",
    2};

ab_err ab_db_billing_refunded(ab_db *db, const char *request_id, int64_t generation_id,
                              int64_t *credits)
{
    char gid[24];
    const char *params[] = {request_id, ab_db_i64(gid, generation_id)};
    return ab_db_exec_i64(db, &REFUNDED, params, credits);
}

static const char *const DAILY_KIND[] = {
    [AB_FAL_DAILY_TRAININGS] = "trainings", [AB_FAL_DAILY_IMAGES] = "images"};

static const ab_db_stmt DAILY_USED = {
    "fal_daily_used",
    "SELECT coalesce((SELECT used FROM fal_daily_usage"
    " WHERE day = (now() AT TIME ZONE 'UTC')::date AND kind = $1), 0)",
    1};

ab_err ab_db_fal_daily_used(ab_db *db, ab_fal_daily kind, int *used)
{
    const char *params[] = {DAILY_KIND[kind]};
    int64_t v = 0;
    ab_err err = ab_db_exec_i64(db, &DAILY_USED, params, &v);
    *used = (int)v;
    return err;
}

/* The row lock of the upsert orders two replicas taking the last places. */
static const ab_db_stmt DAILY_TAKE = {
    "fal_daily_take",
    "INSERT INTO fal_daily_usage AS u (day, kind, used)"
    " VALUES ((now() AT TIME ZONE 'UTC')::date, $1, $2::int)"
    " ON CONFLICT (day, kind) DO UPDATE SET used = u.used + excluded.used"
    " WHERE u.used + excluded.used <= $3::int"
    " RETURNING used",
    3};

ab_err ab_db_fal_daily_take(ab_db *db, ab_fal_daily kind, int n, int max)
{
    if (max <= 0 || n <= 0)
        return AB_OK;
    if (n > max)
        return AB_ERR_LIMIT;
    char sn[24], smax[24];
    const char *params[] = {DAILY_KIND[kind], ab_db_i64(sn, n), ab_db_i64(smax, max)};
    bool found = false;
    ab_err err = ab_db_exec_found(db, &DAILY_TAKE, params, &found);
    return err != AB_OK ? err : found ? AB_OK : AB_ERR_LIMIT;
}

/* What redeeming code would do for the user now; the redemption repeats these conditions as
 * constraints, so a race lost between the two shows up as an error and the step runs again. */
static const ab_db_stmt PROMO_CHECK = {
    "promo_check",
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM promo_redemptions r"
    "   WHERE r.code = p.code AND r.user_id = $2::bigint) THEN 'already'"
    " WHEN p.expires_at IS NOT NULL AND p.expires_at <= now() THEN 'expired'"
    " WHEN p.used >= p.uses_max THEN 'used_up' ELSE 'ok' END, p.credits"
    " FROM promo_codes p WHERE p.code = $1",
    2};

ab_err ab_db_promo_check(ab_db *db, int64_t user_id, const char *code, ab_promo_check *out)
{
    char uid[24];
    const char *params[] = {code, ab_db_i64(uid, user_id)};
    PGresult *res = NULL;
    out->status = AB_PROMO_UNKNOWN;
    out->credits = 0;
    ab_err err = ab_db_exec(db, &PROMO_CHECK, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) == 1) {
        static const struct {
            const char *name;
            ab_promo_status status;
        } NAMES[] = {{"ok", AB_PROMO_OK},
                     {"already", AB_PROMO_ALREADY},
                     {"expired", AB_PROMO_EXPIRED},
                     {"used_up", AB_PROMO_USED_UP}};
        for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
            if (strcmp(PQgetvalue(res, 0, 0), NAMES[i].name) == 0)
                out->status = NAMES[i].status;
        out->credits = (int)ab_db_get_i64(res, 0, 1);
    }
    PQclear(res);
    return AB_OK;
}

/* The redemption row first (a second one of the user: unique violation), then a use (past
 * uses_max: check violation; expired meanwhile: no row), then the credits. */
static const ab_db_stmt PROMO_REDEEM = {
    "promo_redeem",
    "WITH r AS (INSERT INTO promo_redemptions (code, user_id) VALUES ($1, $2::bigint)"
    "   RETURNING code),"
    " p AS (UPDATE promo_codes p SET used = used + 1 FROM r WHERE p.code = r.code"
    "   AND (p.expires_at IS NULL OR p.expires_at > now()) RETURNING p.code, p.credits)"
    " INSERT INTO credit_ledger (user_id, delta, reason, reference)"
    " SELECT $2::bigint, credits, 'promo', code FROM p RETURNING balance_after",
    2};

ab_err ab_db_promo_redeem(ab_db *db, int64_t user_id, const char *code)
{
    char uid[24];
    const char *params[] = {code, ab_db_i64(uid, user_id)};
    bool found = false;
    ab_err err = ab_db_exec_found(db, &PROMO_REDEEM, params, &found);
    return err != AB_OK ? err : found ? AB_OK : AB_ERR_NOT_FOUND;
}
