/* Credits sold for Telegram Stars, the pure part: the packages offered (BILLING_PACKS), the
 * invoice payload that names a package and its buyer, and the pre-checkout check Telegram asks
 * for before it takes the Stars. No I/O: the webhook, the FSM and the tests share it. */
#ifndef AB_CORE_BILLING_H
#define AB_CORE_BILLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AB_BILLING_PACKS_MAX 8
#define AB_BILLING_PACK_MAX_CREDITS 1000000
/* a sanity bound on one package's price */
#define AB_BILLING_PACK_MAX_STARS 10000
#define AB_BILLING_PAYLOAD_MAX 128 /* Telegram: invoice payload 1-128 bytes */
#define AB_BILLING_CURRENCY "XTR"

typedef struct {
    int credits;
    int stars;
} ab_billing_pack;

/**
 * Parses "CREDITS:STARS,CREDITS:STARS,..." (1..AB_BILLING_PACKS_MAX packages, each number
 * positive, no package twice). false with the reason in why when it is malformed.
 */
bool ab_billing_packs_parse(const char *spec, ab_billing_pack *out, int *n, char *why,
                            size_t why_len);
/** The invoice payload of a package bought by user_id: "pack:CREDITS:STARS:USER". */
void ab_billing_payload(ab_billing_pack pack, int64_t user_id, char *out, size_t len);
/** Reads such a payload back (false when it is not one). */
bool ab_billing_payload_parse(const char *payload, ab_billing_pack *pack, int64_t *user_id);

typedef enum {
    AB_PRECHECKOUT_OK,
    AB_PRECHECKOUT_UNKNOWN_PAYLOAD, /* not ours, or a package no longer on offer */
    AB_PRECHECKOUT_WRONG_USER,      /* the payload names someone else */
    AB_PRECHECKOUT_WRONG_CURRENCY,
    AB_PRECHECKOUT_WRONG_AMOUNT,
    AB_PRECHECKOUT_OFF, /* BILLING=off: nothing is sold */
} ab_precheckout_verdict;

/**
 * Telegram's pre_checkout_query asks whether to take the payment: only when billing is on and
 * payload, currency and amount are those of a package on offer (packs_spec), bought by the
 * user it names. A pure check against the configuration, so it needs no chat state.
 */
ab_precheckout_verdict ab_billing_precheckout(bool billing_on, const char *packs_spec,
                                              const char *payload, const char *currency,
                                              int64_t total_amount, int64_t from_user_id);

/* What the balance screen shows: the credits and the latest ledger entries, newest first. */
#define AB_BILLING_HISTORY 10
typedef struct {
    char reason[16]; /* welcome | purchase | training | images | refund | promo | adjustment */
    int64_t delta;
    char date[12]; /* YYYY-MM-DD, UTC */
} ab_ledger_entry;

typedef struct {
    int64_t credits;
    ab_ledger_entry entries[AB_BILLING_HISTORY];
    int n_entries;
} ab_billing_view;

/* Promo codes: what the user typed, and what the database says of it. */
#define AB_PROMO_CODE_MAX 32
/**
 * The code in a user's text: the word after "/promo" (or "/promo@bot"), or the whole text when
 * it is not a command; trimmed and upper-cased. false when there is none or it is not 3 to 32
 * of A-Z, 0-9, '_' and '-' (any letter case).
 */
bool ab_promo_code_parse(const char *text, char out[AB_PROMO_CODE_MAX + 1]);

typedef enum {
    AB_PROMO_NONE,    /* no code given */
    AB_PROMO_OK,      /* redeemable by this user: credits */
    AB_PROMO_UNKNOWN, /* no such code (or malformed) */
    AB_PROMO_EXPIRED,
    AB_PROMO_USED_UP, /* all its uses taken */
    AB_PROMO_ALREADY, /* this user redeemed it before */
} ab_promo_status;

typedef struct {
    ab_promo_status status;
    int credits;
    char code[AB_PROMO_CODE_MAX + 1];
} ab_promo_check;

#endif
