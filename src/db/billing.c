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
