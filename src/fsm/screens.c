/* Showing the ui's screens from a handler (a new message, or an edit of the pressed one), the
 * screens shown from more than one place, and the small helpers every handler file uses. */
#include <string.h>

#include "core/json.h"
#include "fsm/fsm.h"
#include "ui/avatars.h"
#include "ui/create.h"
#include "ui/menus.h"
#include "ui/upload.h"

const char *ab_fsm_text(const ab_fsm_ctx *ctx, ab_msg_id id)
{
    return ab_msg(ctx->lang, id);
}

ab_err ab_screen_show(const ab_fsm_ctx *ctx, ab_effects *fx, ab_ui_msg *m, int edit)
{
    json_t *kb = m->kb;
    m->kb = NULL; /* handed on */
    if (edit && ctx->upd && ctx->upd->kind == AB_UPD_CALLBACK_QUERY && ctx->upd->message_id)
        return ab_fx_edit(fx, ctx->chat_id, ctx->upd->message_id, m->text, kb);
    return ab_fx_send(fx, ctx->chat_id, m->text, kb);
}

const ab_avatar *ab_fsm_find_avatar(const ab_fsm_ctx *ctx, int64_t id)
{
    for (int i = 0; i < ctx->avatars_count && ctx->avatars; i++)
        if (ctx->avatars[i].id == id)
            return &ctx->avatars[i];
    return NULL;
}

const ab_avatar *ab_fsm_data_avatar(const ab_fsm_ctx *ctx)
{
    int64_t id = 0;
    if (!ctx->data || !ab_json_i64(ctx->data, "avatar_id", &id))
        return NULL;
    return ab_fsm_find_avatar(ctx, id);
}

json_t *ab_fsm_data_copy(const ab_fsm_ctx *ctx)
{
    return json_is_object(ctx->data) ? json_deep_copy(ctx->data) : json_object();
}

const ab_avatar *ab_fsm_pressed_avatar(const ab_fsm_ctx *ctx, ab_effects *fx, ab_err *err)
{
    const ab_avatar *a = ab_fsm_find_avatar(ctx, ctx->arg);
    *err = AB_OK;
    if (!a) {
        ab_fx_goto(fx, ctx->state);
        *err = ab_fsm_notice(ctx, fx, AB_MSG_AVATAR_NOT_FOUND);
    }
    return a;
}

ab_err ab_fsm_notice(const ab_fsm_ctx *ctx, ab_effects *fx, ab_msg_id msg)
{
    if (!ctx->upd || !ctx->upd->callback_id)
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, msg), NULL);
    return ab_fx_answer(fx, ctx->chat_id, ctx->upd->callback_id, ab_fsm_text(ctx, msg));
}

ab_err ab_screen_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx, const char *prefix, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_avatar_menu(ctx->lang, ctx->avatars_count, prefix, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_screen_choose_type(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_choose_type(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_screen_gallery(const ab_fsm_ctx *ctx, ab_effects *fx, int page, const char *prefix,
                         int edit)
{
    ab_ui_msg m = {0};
    ab_ui_gallery(ctx->lang, ctx->avatars, ctx->avatars_count, page, prefix, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_screen_details(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                         const char *prefix, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_details(ctx->lang, a, prefix, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_screen_upload(const ab_fsm_ctx *ctx, ab_effects *fx, const char *name, int photos,
                        const char *prefix, int edit)
{
    const ab_avatar *a = NULL; /* names are unique per user */
    for (int i = 0; i < ctx->avatars_count && !a; i++)
        if (strcmp(ctx->avatars[i].name, name) == 0)
            a = &ctx->avatars[i];
    ab_ui_msg m = {0};
    ab_ui_upload(ctx->lang, name, photos, a, prefix, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}
