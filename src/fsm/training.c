/* Starting and cancelling a training from the conversation: the confirm screen (type, photo
 * count, expected duration), the start itself (the database enforces one training per user;
 * the step runner opens the run and queues the training.submit job), and cancel (a job talks
 * to FAL). Handlers stay pure: the training settings come from the configuration given once
 * at start-up. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "ui/training.h"

static const ab_config *g_cfg;

void ab_fsm_configure(const ab_config *cfg)
{
    g_cfg = cfg;
}

const ab_config *ab_fsm_config(void)
{
    return g_cfg;
}

static const ab_avatar *training_avatar(const ab_fsm_ctx *ctx)
{
    for (int i = 0; i < ctx->avatars_count; i++)
        if (strcmp(ctx->avatars[i].status, "training") == 0)
            return &ctx->avatars[i];
    return NULL;
}

/* Shows why a can't start training now (on its details screen) and returns 0; 1 when it can. */
static int check_startable(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a, ab_err *err)
{
    char why[512];
    const ab_avatar *busy = training_avatar(ctx);
    int can = strcmp(a->status, "ready") == 0 || strcmp(a->status, "error") == 0 ||
              strcmp(a->status, "cancelled") == 0 || strcmp(a->status, "completed") == 0;
    if (busy)
        ab_ui_training_refusal(ctx->lang, AB_MSG_TRAINING_BUSY, busy->name, 0, why, sizeof why);
    else if (!can)
        ab_ui_training_refusal(ctx->lang, AB_MSG_TRAINING_NOT_STARTABLE, a->name, 0, why,
                               sizeof why);
    else if (a->photos_count < 10)
        ab_ui_training_refusal(ctx->lang, AB_MSG_TRAINING_NEED_PHOTOS, a->name, a->photos_count,
                               why, sizeof why);
    else
        return 1;
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    ab_fx_goto(fx, AB_ST_AVATAR_DETAILS);
    *err = ab_screen_details(ctx, fx, a, why, 1);
    return 0;
}

ab_err ab_screen_confirm_training(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                                  int edit)
{
    int lo, hi;
    ab_config_training_minutes(g_cfg, a->training_type, &lo, &hi);
    ab_ui_msg m = {0};
    ab_ui_training_confirm(ctx->lang, a, lo, hi, &m);
    ab_fsm_price_note(ctx, AB_PAID_TRAINING, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_train_confirm(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a || !check_startable(ctx, fx, a, &err) ||
        !ab_fsm_studio_open(ctx, fx, AB_PAID_TRAINING, 1, &err))
        return err;
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    return ab_screen_confirm_training(ctx, fx, a, 1);
}

ab_err ab_h_train_go(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a || !check_startable(ctx, fx, a, &err) ||
        !ab_fsm_studio_open(ctx, fx, AB_PAID_TRAINING, 1, &err))
        return err;
    int price = ab_fsm_price(AB_PAID_TRAINING, 1);
    if (!ab_fsm_can_pay(ctx, fx, AB_PAID_TRAINING, price,
                        json_pack("{s:s,s:I}", "resume", "train", "avatar_id", (json_int_t)a->id),
                        &err))
        return err;
    /* the step runner picks the trainer and the mode from the configuration, and spends the
     * price in the same transaction (the database refuses it past the balance) */
    ab_fx_training_start start = {.avatar_id = a->id,
                                  .training_type = a->training_type,
                                  .message_id = ctx->upd ? ctx->upd->message_id : 0,
                                  .price = price};
    err = ab_fx_training_start_add(fx, &start);
    if (err != AB_OK)
        return err;
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    /* the confirm message becomes the progress message the jobs keep editing */
    ab_ui_msg m = {0};
    ab_ui_named(ctx->lang, AB_MSG_TRAINING_PREPARING, a->name, m.text, sizeof m.text);
    m.kb = ab_ui_training_kb_running(ctx->lang, a->id);
    return ab_screen_show(ctx, fx, &m, 1);
}

ab_err ab_h_train_cancel(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a)
        return err;
    ab_fx_goto(fx, ctx->state);
    if (strcmp(a->status, "training") != 0)
        return ab_fsm_notice(ctx, fx, AB_MSG_TRAINING_NOT_RUNNING);
    err = ab_fx_job_add(fx, AB_JOB_KIND_TRAINING_CANCEL, a->id,
                        json_pack("{s:I}", "avatar_id", (json_int_t)a->id));
    return err == AB_OK ? ab_fsm_notice(ctx, fx, AB_MSG_TRAINING_CANCELLING) : err;
}
