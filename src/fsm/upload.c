/* The photo-upload screen of an avatar: counts, "add photo", "view", quality tips. The photos
 * themselves are checked by the photo pipeline's jobs; this file only shows the screen and
 * answers its buttons. */
#include <stdio.h>
#include <string.h>

#include "fsm/event.h"
#include "fsm/fsm.h"
#include "telegram/keyboard.h"

static int can_upload(const ab_avatar *a)
{
    return strcmp(a->status, "draft") == 0 || strcmp(a->status, "uploading") == 0 ||
           strcmp(a->status, "ready") == 0;
}

ab_err ab_h_continue_upload(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_find_avatar(ctx, ctx->arg);
    if (!a || !can_upload(a)) {
        ab_fx_goto(fx, ctx->state);
        return ab_fsm_notice(ctx, fx, AB_MSG_AVATAR_NOT_FOUND);
    }
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    return ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, 1);
}

/* The avatar being uploaded to; NULL (and the user sent to the gallery) when it is gone. */
static const ab_avatar *current(const ab_fsm_ctx *ctx, ab_effects *fx, ab_err *err)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    *err = AB_OK;
    if (!a) {
        ab_fx_goto(fx, AB_ST_AVATAR_GALLERY);
        *err = ab_screen_gallery(ctx, fx, 0, ab_fsm_text(ctx, AB_MSG_AVATAR_NOT_FOUND), 1);
    }
    return a;
}

ab_err ab_h_upload_screen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    return a ? ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, 1) : err;
}

ab_err ab_h_upload_back(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    return a ? ab_screen_details(ctx, fx, a, NULL, 1) : err;
}

ab_err ab_h_upload_add(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return ab_fsm_notice(ctx, fx, AB_MSG_ADD_PHOTO_HINT);
}

ab_err ab_h_upload_view(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    if (!a)
        return err;
    /* the thumbnails view arrives with the photo pipeline; with no photos there is nothing */
    return ab_fsm_notice(ctx, fx, AB_MSG_NO_PHOTOS_YET);
}

ab_err ab_h_upload_tips(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    json_t *kb = ab_kb_new();
    char data[65];
    ab_kb_add(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK),
              ab_event_callback_data(AB_EV_BTN_UPLOAD_SCREEN, 0, data));
    return ab_screen_show(ctx, fx, ab_fsm_text(ctx, AB_MSG_TIPS), kb, 1);
}
