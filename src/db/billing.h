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

/* Paying for FAL work (migration 0019): the spend is written in the transaction that opens the
 * run and the run points at it; the database gives it back when the run fails (see the
 * migration for which endings refund what). */

/**
 * Spends price credits of the user on the training run whose status batch is batch_id.
 * AB_ERR_LIMIT when the balance does not cover it (nothing is written).
 */
ab_err ab_db_billing_charge_training(ab_db *db, int64_t user_id, int64_t avatar_id,
                                     int64_t batch_id, int price);
/** The same for generation generation_id. */
ab_err ab_db_billing_charge_generation(ab_db *db, int64_t user_id, int64_t generation_id,
                                       int price);
/**
 * The credits given back for a run's spend, to tell the user (0: none, or not charged): of
 * the training run request_id, or (request_id NULL) of generation generation_id.
 */
ab_err ab_db_billing_refunded(ab_db *db, const char *request_id, int64_t generation_id,
                              int64_t *credits);

/* FAL work per UTC day across all users (FAL_DAILY_TRAININGS_MAX, FAL_DAILY_IMAGES_MAX). */
typedef enum { AB_FAL_DAILY_TRAININGS, AB_FAL_DAILY_IMAGES } ab_fal_daily;
/** How much of kind was started today. */
ab_err ab_db_fal_daily_used(ab_db *db, ab_fal_daily kind, int *used);
/** Takes n of today's max (max <= 0: no ceiling, nothing counted); AB_ERR_LIMIT past it. */
ab_err ab_db_fal_daily_take(ab_db *db, ab_fal_daily kind, int n, int max);

/* Promo codes (migration 0020). */
/** What redeeming code would do for the user (out->code is not touched). */
ab_err ab_db_promo_check(ab_db *db, int64_t user_id, const char *code, ab_promo_check *out);
/**
 * Redeems code for the user: a redemption, a use, the credits as a 'promo' ledger entry.
 * AB_ERR_CONFLICT (redeemed before), AB_ERR_LIMIT (no use left) or AB_ERR_NOT_FOUND (no such
 * code, or expired): the caller's check was overtaken, nothing is written.
 */
ab_err ab_db_promo_redeem(ab_db *db, int64_t user_id, const char *code);

#endif
