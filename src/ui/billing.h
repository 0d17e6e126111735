/* What a user sees of credits: the balance screen (credits, packages as buttons, the latest
 * ledger entries in plain words), the invoice of a package, and the payment's confirmation. */
#ifndef AB_UI_BILLING_H
#define AB_UI_BILLING_H

#include <jansson.h>
#include <stdint.h>

#include "core/billing.h"
#include "ui/ui.h"

/** The balance screen; prices are the credits of a training and of a picture. */
void ab_ui_balance(ab_lang lang, const ab_billing_view *view, const ab_billing_pack *packs,
                   int n_packs, int price_training, int price_image, ab_ui_msg *out);
/** The sendInvoice parameters of a package for user_id in chat_id (a new object): Telegram
 *  Stars ("XTR"), an empty provider_token, exactly one price, a payload naming pack and user. */
json_t *ab_ui_invoice(ab_lang lang, int64_t chat_id, ab_billing_pack pack, int64_t user_id);
/** "Payment received: +N credits. Your balance: M credits.", with the Balance button. */
void ab_ui_payment_credited(ab_lang lang, int credits, int64_t balance, ab_ui_msg *out);
/** "Not enough credits: this costs PRICE, your balance is BALANCE", the packages as buttons
 *  and Back (to the paid screen it interrupted). */
void ab_ui_topup(ab_lang lang, int price, int64_t balance, const ab_billing_pack *packs,
                 int n_packs, ab_ui_msg *out);
/** Appends the price line id (AB_MSG_PRICE_TRAINING, _IMAGE) with the balance to m's text. */
void ab_ui_price_note(ab_lang lang, ab_msg_id id, int price, int64_t balance, ab_ui_msg *m);
/** Appends "N credits are back on your balance" to text (size len) when credits > 0. */
void ab_ui_refund_note(ab_lang lang, int64_t credits, char *text, size_t len);
/** "Send the promo code", with the Balance button. */
void ab_ui_promo_ask(ab_lang lang, ab_ui_msg *out);
/** What became of a promo code: accepted (with the balance after it) or why not. */
void ab_ui_promo_result(ab_lang lang, const ab_promo_check *promo, int64_t balance, ab_ui_msg *out);

#endif
