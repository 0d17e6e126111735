/* Credits for Telegram Stars (BILLING=stars): the balance screen, a package's invoice, the
 * confirmation of a payment the step has credited, /terms and /paysupport. With BILLING=off
 * none of it exists for the user: the commands answer as unknown ones and old buttons are
 * stale. The pre-checkout answer is not here: it cannot wait in the chat's queue (see
 * http/telegram_webhook.c). */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "fsm/fsm.h"
#include "ui/billing.h"

static bool billing_on(void)
{
    return ab_config_billing(ab_fsm_config());
}

ab_err ab_screen_balance(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    const ab_config *cfg = ab_fsm_config();
    ab_billing_pack packs[AB_BILLING_PACKS_MAX];
    int n = 0;
    char why[160];
    if (!ab_billing_packs_parse(cfg->billing_packs, packs, &n, why, sizeof why))
        n = 0; /* cannot happen: checked at load */
    ab_billing_view empty = {0};
    ab_ui_msg m = {0};
    ab_ui_balance(ctx->lang, ctx->billing ? ctx->billing : &empty, packs, n,
                  cfg->billing_price_training, cfg->billing_price_image, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_balance(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (!billing_on()) {
        if (ctx->event == AB_EV_BTN_BALANCE) { /* a button from before BILLING was off */
            ab_fx_goto(fx, ctx->state);
            return ab_h_stale_button(ctx, fx);
        }
        ab_fx_goto(fx, AB_ST_AVATAR_MENU);
        return ab_h_unknown_command(ctx, fx);
    }
    fx->data = json_object();
    return ab_screen_balance(ctx, fx, ctx->event == AB_EV_BTN_BALANCE);
}

ab_err ab_h_buy(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    /* the button names the package as credits * 100000 + stars (ui/billing.c) */
    ab_billing_pack pack = {(int)(ctx->arg / 100000), (int)(ctx->arg % 100000)};
    ab_billing_pack packs[AB_BILLING_PACKS_MAX];
    int n = 0;
    char why[160];
    bool offered = false;
    if (billing_on() &&
        ab_billing_packs_parse(ab_fsm_config()->billing_packs, packs, &n, why, sizeof why))
        for (int i = 0; i < n; i++)
            offered |= packs[i].credits == pack.credits && packs[i].stars == pack.stars;
    if (!offered || !ctx->user_id)
        return ab_h_stale_button(ctx, fx);
    ab_err err = AB_OK;
    if (ctx->upd && ctx->upd->callback_id)
        err = ab_fx_answer(fx, ctx->chat_id, ctx->upd->callback_id, NULL);
    if (err == AB_OK)
        err = ab_fx_call(fx, ctx->chat_id, "sendInvoice",
                         ab_ui_invoice(ctx->lang, ctx->chat_id, pack, ctx->user_id));
    return err;
}

ab_err ab_h_payment(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (ctx->payment.matched && !ctx->payment.credited)
        return AB_OK; /* a repeated delivery of a payment already credited and confirmed */
    if (!ctx->payment.matched)
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, AB_MSG_PAYMENT_UNMATCHED), NULL);
    ab_ui_msg m = {0};
    ab_ui_payment_credited(ctx->lang, ctx->payment.credits, ctx->payment.balance, &m);
    return ab_screen_show(ctx, fx, &m, 0);
}

ab_err ab_h_terms(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (!billing_on()) {
        ab_fx_goto(fx, AB_ST_AVATAR_MENU);
        return ab_h_unknown_command(ctx, fx);
    }
    const ab_config *cfg = ab_fsm_config();
    bool terms = ctx->event == AB_EV_CMD_TERMS;
    const char *own = terms ? cfg->billing_terms_text : cfg->billing_support_text;
    return ab_fx_send(fx, ctx->chat_id,
                      own ? own : ab_fsm_text(ctx, terms ? AB_MSG_TERMS : AB_MSG_PAYSUPPORT), NULL);
}
