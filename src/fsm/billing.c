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
#include "ui/ui.h"

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
    ab_err err = ab_screen_show(ctx, fx, &m, 0);
    /* paid from the top-up screen: back to what the user was doing */
    if (err == AB_OK && ctx->state == AB_ST_TOP_UP)
        err = ab_fsm_resume_paid(ctx, fx, 0);
    return err;
}

int ab_fsm_price(ab_paid what, int n)
{
    const ab_config *cfg = ab_fsm_config();
    if (!billing_on())
        return 0;
    return n * (what == AB_PAID_TRAINING ? cfg->billing_price_training : cfg->billing_price_image);
}

bool ab_fsm_studio_open(const ab_fsm_ctx *ctx, ab_effects *fx, ab_paid what, int n, ab_err *err)
{
    const ab_config *cfg = ab_fsm_config();
    int max = !cfg                       ? 0
              : what == AB_PAID_TRAINING ? cfg->fal_daily_trainings_max
                                         : cfg->fal_daily_images_max;
    int used = what == AB_PAID_TRAINING ? ctx->fal_trainings_today : ctx->fal_images_today;
    *err = AB_OK;
    if (max <= 0 || used + n <= max)
        return true;
    fx->refusal = what == AB_PAID_TRAINING ? "reason=\"daily_cap\",kind=\"training\""
                                           : "reason=\"daily_cap\",kind=\"images\"";
    ab_fx_goto(fx, ctx->state);
    *err = ab_fsm_notice(ctx, fx, AB_MSG_STUDIO_FULL);
    return false;
}

static int64_t balance(const ab_fsm_ctx *ctx)
{
    return ctx->billing ? ctx->billing->credits : 0;
}

bool ab_fsm_can_pay(const ab_fsm_ctx *ctx, ab_effects *fx, ab_paid what, int price, json_t *resume,
                    ab_err *err)
{
    *err = AB_OK;
    if (price <= 0 || balance(ctx) >= price) {
        json_decref(resume);
        return true;
    }
    fx->refusal = what == AB_PAID_TRAINING ? "reason=\"balance\",kind=\"training\""
                                           : "reason=\"balance\",kind=\"images\"";
    json_decref(fx->data);
    fx->data = resume;
    ab_fx_goto(fx, AB_ST_TOP_UP);
    ab_billing_pack packs[AB_BILLING_PACKS_MAX];
    int n = 0;
    char why[160];
    if (!ab_billing_packs_parse(ab_fsm_config()->billing_packs, packs, &n, why, sizeof why))
        n = 0; /* cannot happen: checked at load */
    ab_ui_msg m = {0};
    ab_ui_topup(ctx->lang, price, balance(ctx), packs, n, &m);
    *err = ab_screen_show(ctx, fx, &m, ctx->upd && ctx->upd->callback_id);
    return false;
}

void ab_fsm_price_note(const ab_fsm_ctx *ctx, ab_paid what, ab_ui_msg *m)
{
    int price = ab_fsm_price(what, 1);
    if (price > 0)
        ab_ui_price_note(ctx->lang,
                         what == AB_PAID_TRAINING ? AB_MSG_PRICE_TRAINING : AB_MSG_PRICE_IMAGE,
                         price, balance(ctx), m);
}

ab_err ab_fsm_resume_paid(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    const char *what = json_string_value(json_object_get(ctx->data, "resume"));
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    const char *aspect = json_string_value(json_object_get(ctx->data, "aspect"));
    if (a && what && strcmp(what, "train") == 0) {
        ab_fx_goto(fx, AB_ST_CONFIRMING_TRAINING);
        json_decref(fx->data);
        fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
        return ab_screen_confirm_training(ctx, fx, a, edit);
    }
    if (a && aspect && what && strcmp(what, "gen") == 0) {
        ab_fx_goto(fx, AB_ST_GEN_COUNT);
        json_decref(fx->data);
        fx->data = ab_fsm_data_copy(ctx);
        json_object_del(fx->data, "resume");
        return ab_screen_gen_count(ctx, fx, aspect, edit);
    }
    /* the avatar is gone meanwhile */
    ab_fx_goto(fx, AB_ST_AVATAR_MENU);
    return ab_screen_avatar_menu(ctx, fx, NULL, edit);
}

ab_err ab_h_topup_back(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return ab_fsm_resume_paid(ctx, fx, 1);
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

ab_err ab_h_promo(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (!billing_on()) {
        ab_fx_goto(fx, ctx->event == AB_EV_TEXT ? AB_ST_AVATAR_MENU : ctx->state);
        return ctx->event == AB_EV_BTN_PROMO ? ab_h_stale_button(ctx, fx)
                                             : ab_h_unknown_command(ctx, fx);
    }
    ab_ui_msg m = {0};
    if (ctx->promo.status == AB_PROMO_NONE) { /* no code yet: ask for it */
        ab_fx_goto(fx, AB_ST_ENTERING_PROMO);
        ab_ui_promo_ask(ctx->lang, &m);
        return ab_screen_show(ctx, fx, &m, ctx->event == AB_EV_BTN_PROMO);
    }
    int64_t balance = ctx->billing ? ctx->billing->credits : 0;
    if (ctx->promo.status == AB_PROMO_OK) {
        ab_err err = ab_fx_promo_redeem_add(fx, ctx->promo.code);
        if (err != AB_OK)
            return err;
        balance += ctx->promo.credits;
        if (ctx->state == AB_ST_ENTERING_PROMO)
            ab_fx_goto(fx, AB_ST_AVATAR_MENU);
    }
    ab_ui_promo_result(ctx->lang, &ctx->promo, balance, &m);
    return ab_screen_show(ctx, fx, &m, 0);
}
