/* "My avatars": the paged gallery, an avatar's details, renaming and deleting. Every button
 * that names an avatar is resolved against the caller's own avatars (ab_fsm_find_avatar); an
 * id that is not theirs gets "not found" and changes nothing. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "fsm/names.h"
#include "ui/avatars.h"

static json_t *data_with_avatar(int64_t avatar_id)
{
    return json_pack("{s:I}", "avatar_id", (json_int_t)avatar_id);
}

ab_err ab_h_gallery(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    int page = ctx->event == AB_EV_BTN_LIST ? (int)ctx->arg : 0;
    fx->data = json_pack("{s:i}", "page", page);
    return ab_screen_gallery(ctx, fx, page, NULL, 1);
}

ab_err ab_h_details(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a)
        return err;
    fx->data = data_with_avatar(a->id);
    return ab_screen_details(ctx, fx, a, NULL, 1);
}

/* problem: why the typed name was refused (AB_MSG__COUNT: the first prompt) */
static ab_err show_rename_prompt(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                                 ab_msg_id problem, const char *typed, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_rename_prompt(ctx->lang, a, problem, typed, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_rename_start(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a)
        return err;
    fx->data = data_with_avatar(a->id);
    return show_rename_prompt(ctx, fx, a, AB_MSG__COUNT, NULL, 1);
}

ab_err ab_h_rename_entered(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    if (!a) { /* deleted meanwhile (another device): back to the gallery */
        ab_fx_goto(fx, AB_ST_AVATAR_GALLERY);
        return ab_screen_gallery(ctx, fx, 0, ab_fsm_text(ctx, AB_MSG_AVATAR_NOT_FOUND), 0);
    }
    char name[AB_NAME_BUF];
    ab_msg_id problem = ab_name_problem(ctx, ctx->upd->text, name, a->id);
    if (problem != AB_MSG__COUNT) {
        ab_fx_goto(fx, ctx->state);
        return show_rename_prompt(ctx, fx, a, problem, name, 0);
    }
    ab_err err = ab_fx_avatar_rename_add(fx, a->id, name);
    if (err != AB_OK)
        return err;
    ab_avatar renamed = *a;
    snprintf(renamed.name, sizeof renamed.name, "%s", name);
    return ab_screen_details(ctx, fx, &renamed, ab_fsm_text(ctx, AB_MSG_RENAMED), 0);
}

/* The pressed button's avatar if it may be deleted now; otherwise NULL after telling the user
 * (not found, or training: cancel it first). */
static const ab_avatar *deletable_avatar(const ab_fsm_ctx *ctx, ab_effects *fx, ab_err *err)
{
    const ab_avatar *a = ab_fsm_pressed_avatar(ctx, fx, err);
    if (a && strcmp(a->status, "training") == 0) {
        ab_fx_goto(fx, ctx->state);
        *err = ab_fsm_notice(ctx, fx, AB_MSG_CANNOT_DELETE_TRAINING);
        return NULL;
    }
    return a;
}

ab_err ab_h_delete_start(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = deletable_avatar(ctx, fx, &err);
    if (!a)
        return err;
    fx->data = data_with_avatar(a->id);
    ab_ui_msg m = {0};
    ab_ui_delete_confirm(ctx->lang, a, &m);
    return ab_screen_show(ctx, fx, &m, 1);
}

ab_err ab_h_delete_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = deletable_avatar(ctx, fx, &err);
    if (!a)
        return err;
    /* the step runner queues the job that deletes its stored photos and datasets */
    err = ab_fx_avatar_delete_add(fx, a->id);
    if (err != AB_OK)
        return err;
    /* the gallery as it will be once the delete is committed */
    ab_avatar rest[AB_MAX_AVATARS];
    int n = 0;
    for (int i = 0; i < ctx->avatars_count && n < AB_MAX_AVATARS; i++)
        if (ctx->avatars[i].id != a->id)
            rest[n++] = ctx->avatars[i];
    char done[256];
    ab_ui_named(ctx->lang, AB_MSG_DELETED, a->name, done, sizeof done);
    ab_fsm_ctx after = *ctx;
    after.avatars = rest;
    after.avatars_count = n;
    fx->data = json_pack("{s:i}", "page", 0);
    return ab_screen_gallery(&after, fx, 0, done, 1);
}
