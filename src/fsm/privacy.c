/* The privacy notice: what the bot stores, for how long, how to delete it. A user agrees to it
 * before their first avatar (create asks first) or their first photo (a photo sent before that,
 * e.g. to an avatar begun before the notice existed, is not taken: the notice comes instead,
 * once per album); agreeing goes on to what it interrupted. /privacy shows it again. */
#include <string.h>

#include "core/config.h"
#include "fsm/fsm.h"
#include "ui/menus.h"

static int photo_days(void)
{
    const ab_config *cfg = ab_fsm_config();
    return cfg ? cfg->photo_retention_days : 30;
}

ab_err ab_screen_privacy(const ab_fsm_ctx *ctx, ab_effects *fx, json_t *resume, int edit)
{
    ab_fx_goto(fx, AB_ST_PRIVACY_NOTICE);
    json_decref(fx->data);
    fx->data = resume;
    ab_ui_msg m = {0};
    ab_ui_privacy(ctx->lang, photo_days(), 1, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_privacy(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (!ctx->privacy_accepted)
        return ab_screen_privacy(ctx, fx, json_pack("{s:s}", "resume", "menu"), 0);
    ab_ui_msg m = {0};
    ab_ui_privacy(ctx->lang, photo_days(), 0, &m);
    return ab_screen_show(ctx, fx, &m, 0);
}

ab_err ab_h_privacy_ok(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->privacy_accepted = true;
    const char *resume = json_string_value(json_object_get(ctx->data, "resume"));
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    if (resume && strcmp(resume, "create") == 0) {
        if (ctx->avatars_count >= AB_MAX_AVATARS) { /* made elsewhere meanwhile */
            ab_fx_goto(fx, AB_ST_AVATAR_MENU);
            return ab_screen_avatar_menu(ctx, fx, NULL, 1);
        }
        fx->data = json_object();
        return ab_screen_choose_type(ctx, fx, 1);
    }
    if (resume && strcmp(resume, "upload") == 0 && a) {
        ab_fx_goto(fx, AB_ST_UPLOADING_PHOTOS);
        fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
        return ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, 1);
    }
    ab_fx_goto(fx, AB_ST_AVATAR_MENU);
    return ab_screen_avatar_menu(ctx, fx, NULL, 1);
}

bool ab_fsm_privacy_photo(const ab_fsm_ctx *ctx, ab_effects *fx, int64_t avatar_id, ab_err *err)
{
    *err = AB_OK;
    if (ctx->privacy_accepted)
        return true;
    const char *group = ctx->upd ? ctx->upd->media_group_id : NULL;
    const char *told = json_string_value(json_object_get(ctx->data, "privacy_told"));
    if (group && told && strcmp(group, told) == 0) { /* the rest of an album: told once */
        ab_fx_goto(fx, ctx->state);
        return false;
    }
    *err = ab_screen_privacy(ctx, fx,
                             json_pack("{s:s,s:I,s:s?}", "resume", "upload", "avatar_id",
                                       (json_int_t)avatar_id, "privacy_told", group),
                             0);
    return false;
}

ab_err ab_h_privacy_photo(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    ab_err err = AB_OK;
    if (!ab_fsm_privacy_photo(ctx, fx, a ? a->id : 0, &err) && err == AB_OK && !fx->data)
        ab_fx_goto(fx, ctx->state);
    return err;
}
