/* /forget: a user deletes everything of theirs, after a confirmation. The erase itself is a job
 * (user.erase: FAL told, stored objects deleted, then the rows; workers/erase_user.h), which
 * says when it is done; a press of the old button after that finds nothing to erase. */
#include <stdio.h>

#include "fsm/fsm.h"
#include "ui/menus.h"

ab_err ab_h_forget(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    ab_ui_msg m = {0};
    ab_ui_forget_confirm(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, 0);
}

ab_err ab_h_forget_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err = ab_fx_job_add(fx, AB_JOB_KIND_USER_ERASE, 0,
                               json_pack("{s:I,s:s}", "user_id", (json_int_t)ctx->user_id, "lang",
                                         ab_lang_code(ctx->lang)));
    if (err != AB_OK)
        return err;
    fx->data = json_object();
    ab_ui_msg m = {0};
    snprintf(m.text, sizeof m.text, "%s", ab_fsm_text(ctx, AB_MSG_FORGET_STARTED));
    return ab_screen_show(ctx, fx, &m, 1);
}
