/* Creating an avatar: training type (with a comparison screen) → confirm → (a style avatar:
 * what it depicts) → gender → name → the avatar exists as a draft and the user lands on the
 * upload screen. What has been chosen so far lives in the chat data ("training_type",
 * "avatar_type", "gender"), so the flow resumes on any replica and after a restart. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "fsm/names.h"
#include "ui/create.h"

static const char *chosen_type(const ab_fsm_ctx *ctx)
{
    const char *t = ctx->data ? ab_json_str(ctx->data, "training_type") : NULL;
    return t && strcmp(t, "style") == 0 ? "style" : "portrait";
}

ab_err ab_h_create(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (ctx->avatars_count >= AB_MAX_AVATARS) {
        ab_fx_goto(fx, ctx->state);
        return ab_fsm_notice(ctx, fx, AB_MSG_AVATAR_LIMIT);
    }
    if (!ctx->privacy_accepted) /* the first avatar: the privacy notice first */
        return ab_screen_privacy(ctx, fx, json_pack("{s:s}", "resume", "create"), 1);
    fx->data = json_object(); /* a new creation starts from nothing */
    return ab_screen_choose_type(ctx, fx, 1);
}

ab_err ab_h_compare(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_ui_msg m = {0};
    ab_ui_compare_types(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, 1);
}

static ab_err show_confirm(const ab_fsm_ctx *ctx, ab_effects *fx, const char *type, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_confirm_type(ctx->lang, type, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_type_chosen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const char *type = ctx->event == AB_EV_BTN_TYPE_STYLE ? "style" : "portrait";
    fx->data = ab_fsm_data_copy(ctx);
    json_object_set_new(fx->data, "training_type", json_string(type));
    return show_confirm(ctx, fx, type, 1);
}

ab_err ab_h_type_back(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return show_confirm(ctx, fx, chosen_type(ctx), 1);
}

ab_err ab_h_choose_gender(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_ui_msg m = {0};
    ab_ui_choose_gender(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, 1);
}

static ab_err show_avatar_types(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_ui_msg m = {0};
    ab_ui_choose_avatar_type(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, 1);
}

/* The avatar type is the style trainer's "mode"; a portrait avatar is a person. */
static const char *chosen_avatar_type(const ab_fsm_ctx *ctx)
{
    const char *t = ctx->data ? ab_json_str(ctx->data, "avatar_type") : NULL;
    if (strcmp(chosen_type(ctx), "style") != 0 || !t)
        return "character";
    return t;
}

ab_err ab_h_type_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (strcmp(chosen_type(ctx), "style") == 0)
        return show_avatar_types(ctx, fx);
    ab_fx_goto(fx, AB_ST_SELECTING_GENDER);
    return ab_h_choose_gender(ctx, fx);
}

ab_err ab_h_avatar_type_chosen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const char *type = ctx->event == AB_EV_BTN_AVTYPE_STYLE     ? "style"
                       : ctx->event == AB_EV_BTN_AVTYPE_PRODUCT ? "product"
                       : ctx->event == AB_EV_BTN_AVTYPE_GENERAL ? "general"
                                                                : "character";
    fx->data = ab_fsm_data_copy(ctx);
    json_object_set_new(fx->data, "avatar_type", json_string(type));
    return ab_h_choose_gender(ctx, fx);
}

ab_err ab_h_gender_back(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (strcmp(chosen_type(ctx), "style") == 0) {
        ab_fx_goto(fx, AB_ST_SELECTING_AVATAR_TYPE);
        return show_avatar_types(ctx, fx);
    }
    return ab_h_type_back(ctx, fx);
}

/* problem: why the typed name was refused (AB_MSG__COUNT: the first prompt) */
static ab_err show_name_prompt(const ab_fsm_ctx *ctx, ab_effects *fx, ab_msg_id problem,
                               const char *typed, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_name_prompt(ctx->lang, problem, typed, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_gender_chosen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const char *gender = ctx->event == AB_EV_BTN_GENDER_FEMALE  ? "female"
                         : ctx->event == AB_EV_BTN_GENDER_OTHER ? "other"
                                                                : "male";
    fx->data = ab_fsm_data_copy(ctx);
    json_object_set_new(fx->data, "gender", json_string(gender));
    return show_name_prompt(ctx, fx, AB_MSG__COUNT, NULL, 1);
}

ab_msg_id ab_name_problem(const ab_fsm_ctx *ctx, const char *input, char *name, int64_t except_id)
{
    switch (ab_name_check(input, name)) {
    case AB_NAME_EMPTY:
        return AB_MSG_NAME_EMPTY;
    case AB_NAME_TOO_LONG:
        return AB_MSG_NAME_TOO_LONG;
    case AB_NAME_BAD_CHARS:
        return AB_MSG_NAME_BAD_CHARS;
    case AB_NAME_OK:
        break;
    }
    for (int i = 0; i < ctx->avatars_count; i++)
        if (ctx->avatars[i].id != except_id && ab_name_equal(ctx->avatars[i].name, name))
            return AB_MSG_NAME_TAKEN;
    return AB_MSG__COUNT;
}

ab_err ab_h_name_entered(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (ctx->avatars_count >= AB_MAX_AVATARS) {
        ab_fx_goto(fx, AB_ST_AVATAR_MENU);
        fx->data = json_object();
        return ab_screen_avatar_menu(ctx, fx, ab_fsm_text(ctx, AB_MSG_AVATAR_LIMIT), 0);
    }
    char name[AB_NAME_BUF];
    ab_msg_id problem = ab_name_problem(ctx, ctx->upd->text, name, 0);
    if (problem != AB_MSG__COUNT) {
        ab_fx_goto(fx, ctx->state); /* stays in entering_name */
        return show_name_prompt(ctx, fx, problem, name, 0);
    }
    const char *gender = ctx->data ? ab_json_str(ctx->data, "gender") : NULL;
    if (!gender) {
        ab_fx_goto(fx, AB_ST_SELECTING_GENDER); /* data lost somehow: ask again */
        return ab_h_choose_gender(ctx, fx);
    }
    ab_fx_avatar_create create = {.name = name,
                                  .gender = gender,
                                  .training_type = chosen_type(ctx),
                                  .avatar_type = chosen_avatar_type(ctx),
                                  .bind = "avatar_id"};
    ab_err err = ab_fx_avatar_create_add(fx, &create);
    if (err != AB_OK)
        return err;
    fx->data = json_object(); /* the runner adds the new avatar_id */
    return ab_screen_upload(ctx, fx, name, 0, NULL, 0);
}
