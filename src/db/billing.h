/* Credits in the database (migration 0018): the ledger, the balance beside the user, and the
 * payments in Telegram Stars. Every change of a balance is a ledger insert (the database moves
 * the balance with it and refuses one below zero), in the caller's transaction. */
#ifndef AB_DB_BILLING_H
#define AB_DB_BILLING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/billing.h"
#include "db/db.h"

/* A successful_payment as Telegram reported it, with the package its payload names. */
typedef struct {
    int64_t user_id;
    const char *telegram_charge_id, *provider_charge_id; /* the latter may be NULL */
    const char *currency, *payload;
    int64_t total_amount;
    int credits;
} ab_payment;

/**
 * Records the payment and credits its package, once per telegram_charge_id: *credited is
 * false when that charge was recorded before (a repeated delivery; nothing changes).
 * *balance is the user's balance afterwards either way.
 */
ab_err ab_db_billing_credit_payment(ab_db *db, const ab_payment *p, bool *credited,
                                    int64_t *balance);
/** Gives the user the welcome gift of credits, once per user (no-op when given before). */
ab_err ab_db_billing_welcome(ab_db *db, int64_t user_id, int credits);
/** The user's balance and last AB_BILLING_HISTORY ledger entries, newest first. */
ab_err ab_db_billing_view(ab_db *db, int64_t user_id, ab_billing_view *out);

#endif
