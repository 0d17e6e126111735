/* The credit screens (see billing.h). */
#include "ui/billing.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

static ab_msg_id reason_name(const char *reason)
{
    static const struct {
        const char *reason;
        ab_msg_id msg;
    } NAMES[] = {
        {"welcome", AB_MSG_LEDGER_WELCOME},   {"purchase", AB_MSG_LEDGER_PURCHASE},
        {"training", AB_MSG_LEDGER_TRAINING}, {"images", AB_MSG_LEDGER_IMAGES},
        {"refund", AB_MSG_LEDGER_REFUND},     {"promo", AB_MSG_LEDGER_PROMO},
    };
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(reason, NAMES[i].reason) == 0)
            return NAMES[i].msg;
    return AB_MSG_LEDGER_ADJUSTMENT;
}

/* Appends to buf (size len) what fits. */
static void append(char *buf, size_t len, const char *text)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s", text);
}

/* The packages as buy buttons. A button names the package itself, not its place in the list,
 * so a list changed meanwhile cannot turn an old button into another package. */
static void pack_buttons(ab_lang lang, const ab_billing_pack *packs, int n, ab_ui_msg *out)
{
    char label[128];
    for (int i = 0; i < n; i++) {
        snprintf(label, sizeof label, ab_msg(lang, AB_MSG_BTN_BUY_PACK), packs[i].credits,
                 packs[i].stars);
        ab_ui_button_label(out->kb, label, AB_BTN_BUY,
                           (int64_t)packs[i].credits * 100000 + packs[i].stars, 0);
    }
}

void ab_ui_balance(ab_lang lang, const ab_billing_view *view, const ab_billing_pack *packs,
                   int n_packs, int price_training, int price_image, ab_ui_msg *out)
{
    char body[AB_UI_TEXT_MAX], line[512];
    snprintf(body, sizeof body, ab_msgn(lang, AB_MSG_BALANCE, (unsigned long)view->credits),
             (int)view->credits);
    append(body, sizeof body, "\n");
    snprintf(line, sizeof line, ab_msg(lang, AB_MSG_BALANCE_PRICES), price_training, price_image);
    append(body, sizeof body, line);
    append(body, sizeof body, "\n\n");
    append(body, sizeof body, ab_msg(lang, AB_MSG_BALANCE_HISTORY));
    if (view->n_entries == 0) {
        append(body, sizeof body, " ");
        append(body, sizeof body, ab_msg(lang, AB_MSG_BALANCE_HISTORY_NONE));
    }
    for (int i = 0; i < view->n_entries; i++) {
        const ab_ledger_entry *e = &view->entries[i];
        snprintf(line, sizeof line, "\n%s  %+lld  %s", e->date, (long long)e->delta,
                 ab_msg(lang, reason_name(e->reason)));
        append(body, sizeof body, line);
    }
    append(body, sizeof body, "\n\n");
    append(body, sizeof body, ab_msg(lang, AB_MSG_BALANCE_BUY));
    ab_ui_begin(out, NULL, NULL, body);
    pack_buttons(lang, packs, n_packs, out);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_PROMO, AB_BTN_PROMO, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK_MAIN, AB_BTN_MAIN_MENU, 0, 0);
}

void ab_ui_topup(ab_lang lang, int price, int64_t balance, const ab_billing_pack *packs,
                 int n_packs, ab_ui_msg *out)
{
    char body[1024];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_TOPUP), price, (int)balance);
    ab_ui_begin(out, NULL, NULL, body);
    pack_buttons(lang, packs, n_packs, out);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_price_note(ab_lang lang, ab_msg_id id, int price, int64_t balance, ab_ui_msg *m)
{
    char line[256];
    snprintf(line, sizeof line, ab_msgn(lang, id, (unsigned long)balance), price, (int)balance);
    append(m->text, sizeof m->text, "\n\n");
    append(m->text, sizeof m->text, line);
}

void ab_ui_refund_note(ab_lang lang, int64_t credits, char *text, size_t len)
{
    if (credits <= 0)
        return;
    char line[256];
    snprintf(line, sizeof line, ab_msgn(lang, AB_MSG_CREDITS_REFUNDED, (unsigned long)credits),
             (int)credits);
    append(text, len, "\n\n");
    append(text, len, line);
}

json_t *ab_ui_invoice(ab_lang lang, int64_t chat_id, ab_billing_pack pack, int64_t user_id)
{
    char title[128], description[512], payload[AB_BILLING_PAYLOAD_MAX + 1];
    snprintf(title, sizeof title, ab_msg(lang, AB_MSG_INVOICE_TITLE), pack.credits);
    snprintf(description, sizeof description, ab_msg(lang, AB_MSG_INVOICE_DESCRIPTION),
             pack.credits);
    ab_billing_payload(pack, user_id, payload, sizeof payload);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:i}]}", "chat_id", (json_int_t)chat_id,
                     "title", title, "description", description, "payload", payload,
                     "provider_token", "", "currency", AB_BILLING_CURRENCY, "prices", "label",
                     title, "amount", pack.stars);
}

void ab_ui_payment_credited(ab_lang lang, int credits, int64_t balance, ab_ui_msg *out)
{
    char body[512];
    snprintf(body, sizeof body, ab_msgn(lang, AB_MSG_PAYMENT_CREDITED, (unsigned long)balance),
             credits, (int)balance);
    ab_ui_begin(out, NULL, NULL, body);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BALANCE, AB_BTN_BALANCE, 0, 0);
}

void ab_ui_promo_ask(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_PROMO_ASK));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BALANCE, AB_BTN_BALANCE, 0, 0);
}

void ab_ui_promo_result(ab_lang lang, const ab_promo_check *promo, int64_t balance, ab_ui_msg *out)
{
    static const ab_msg_id WHY[] = {
        [AB_PROMO_NONE] = AB_MSG_PROMO_UNKNOWN,    [AB_PROMO_OK] = AB_MSG_PROMO_OK,
        [AB_PROMO_UNKNOWN] = AB_MSG_PROMO_UNKNOWN, [AB_PROMO_EXPIRED] = AB_MSG_PROMO_EXPIRED,
        [AB_PROMO_USED_UP] = AB_MSG_PROMO_USED_UP, [AB_PROMO_ALREADY] = AB_MSG_PROMO_ALREADY,
    };
    char body[512];
    if (promo->status == AB_PROMO_OK)
        snprintf(body, sizeof body, ab_msgn(lang, AB_MSG_PROMO_OK, (unsigned long)balance),
                 promo->credits, (int)balance);
    else
        snprintf(body, sizeof body, "%s", ab_msg(lang, WHY[promo->status]));
    ab_ui_begin(out, NULL, NULL, body);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BALANCE, AB_BTN_BALANCE, 0, 0);
}
