/* The menus (main menu, avatar menu, help, language), the generic replies (unexpected input, stale
 * buttons, unknown commands), membership changes, and re-showing the current screen. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "ui/menus.h"

static ab_err screen_main_menu(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_main_menu_with(ctx->lang, ab_config_billing(ab_fsm_config()), &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

static ab_err screen_language(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_language(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

static ab_err screen_help(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_help(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_fsm_show_current(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    switch (ctx->state) {
    case AB_ST_MAIN_MENU:
        return screen_main_menu(ctx, fx, edit);
    case AB_ST_HELP:
        return screen_help(ctx, fx, edit);
    case AB_ST_CHOOSING_LANGUAGE:
        return screen_language(ctx, fx, edit);
    case AB_ST_BALANCE:
        if (ab_config_billing(ab_fsm_config()))
            return ab_screen_balance(ctx, fx, edit);
        break;
    case AB_ST_SELECTING_TRAINING_TYPE:
    case AB_ST_VIEWING_TRAINING_COMPARISON:
    case AB_ST_CONFIRMING_TRAINING_TYPE:
    case AB_ST_SELECTING_AVATAR_TYPE:
    case AB_ST_SELECTING_GENDER:
        /* the creation's choice screens: start the choice again from its first step */
        ab_fx_goto(fx, AB_ST_SELECTING_TRAINING_TYPE);
        return ab_screen_choose_type(ctx, fx, edit);
    case AB_ST_ENTERING_NAME:
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, AB_MSG_ENTER_NAME), NULL);
    case AB_ST_AVATAR_GALLERY:
        return ab_screen_gallery(ctx, fx, 0, NULL, edit);
    case AB_ST_UPLOADING_PHOTOS:
    case AB_ST_VIEWING_PHOTO_GALLERY:
        ab_fx_goto(fx, AB_ST_UPLOADING_PHOTOS);
        if (a)
            return ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, edit);
        break;
    case AB_ST_CONFIRMING_TRAINING:
        if (a && (strcmp(a->status, "ready") == 0 || strcmp(a->status, "error") == 0 ||
                  strcmp(a->status, "cancelled") == 0))
            return ab_screen_confirm_training(ctx, fx, a, edit);
        if (a) { /* the avatar changed meanwhile: its details say how */
            ab_fx_goto(fx, AB_ST_AVATAR_DETAILS);
            return ab_screen_details(ctx, fx, a, NULL, edit);
        }
        break;
    case AB_ST_GEN_PROMPT:
    case AB_ST_GEN_ASPECT:
    case AB_ST_GEN_COUNT:
        /* the picture choices: start them again from the first */
        if (a && a->model_kind) {
            ab_fx_goto(fx, AB_ST_GEN_PROMPT);
            return ab_screen_gen_prompt(ctx, fx, a, edit);
        }
        if (a) {
            ab_fx_goto(fx, AB_ST_AVATAR_DETAILS);
            return ab_screen_details(ctx, fx, a, NULL, edit);
        }
        break;
    case AB_ST_GENERATING:
    case AB_ST_GEN_PICTURES:
    case AB_ST_TRAINING_IN_PROGRESS:
    case AB_ST_AVATAR_DETAILS:
    case AB_ST_EDITING_AVATAR:
    case AB_ST_DELETING_AVATAR:
        if (a) {
            ab_fx_goto(fx, AB_ST_AVATAR_DETAILS);
            return ab_screen_details(ctx, fx, a, NULL, edit);
        }
        break;
    default:
        break;
    }
    /* the avatar menu, or a state whose screen needs data that is gone */
    ab_fx_goto(fx, AB_ST_AVATAR_MENU);
    return ab_screen_avatar_menu(ctx, fx, NULL, edit);
}

ab_err ab_h_start(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    return ab_screen_avatar_menu(ctx, fx, NULL, 0);
}

ab_err ab_h_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    return ab_screen_avatar_menu(ctx, fx, NULL, ctx->event != AB_EV_CMD_AVATAR);
}

ab_err ab_h_main_menu(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    return screen_main_menu(ctx, fx, 1);
}

ab_err ab_h_help(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_help(ctx, fx, ctx->event != AB_EV_CMD_HELP);
}

ab_err ab_h_language_menu(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    return screen_language(ctx, fx, ctx->event != AB_EV_CMD_LANGUAGE);
}

/* The pick is stored for the user and the main menu comes back in the new language. */
ab_err ab_h_language_chosen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_fsm_ctx in = *ctx;
    in.lang = (ab_lang)ctx->arg;
    fx->user_language = ab_lang_code(in.lang);
    fx->data = json_object();
    return screen_main_menu(&in, fx, 1);
}

ab_err ab_h_cancel(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object(); /* drop whatever input was in progress */
    return ab_screen_avatar_menu(ctx, fx, ab_fsm_text(ctx, AB_MSG_CANCELLED), 0);
}

ab_err ab_h_unknown_command(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object();
    return ab_screen_avatar_menu(ctx, fx, ab_fsm_text(ctx, AB_MSG_UNKNOWN_COMMAND), 0);
}

static ab_err hint_and_screen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_msg_id hint = AB_MSG_HINT_MENU;
    if (ctx->state == AB_ST_ENTERING_NAME || ctx->state == AB_ST_EDITING_AVATAR)
        hint = AB_MSG_HINT_TEXT_NAME;
    else if (ctx->state == AB_ST_UPLOADING_PHOTOS)
        hint = AB_MSG_HINT_UPLOAD;
    ab_err err = ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, hint), NULL);
    if (err != AB_OK || hint == AB_MSG_HINT_TEXT_NAME)
        return err; /* the prompt above the input is still there; a hint is enough */
    return ab_fsm_show_current(ctx, fx, 0);
}

ab_err ab_h_unexpected(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    /* input the current screen does not take: a hint for this screen, then the screen; for an
     * album, once (its other photos arrive as updates of their own) */
    const char *group = ctx->upd ? ctx->upd->media_group_id : NULL;
    const char *answered = json_string_value(json_object_get(ctx->data, "answered_group"));
    if (group && answered && strcmp(group, answered) == 0) {
        ab_fx_goto(fx, ctx->state);
        return AB_OK;
    }
    ab_err err = hint_and_screen(ctx, fx);
    if (err == AB_OK && group) {
        if (!fx->data)
            fx->data = ab_fsm_data_copy(ctx);
        json_object_set_new(fx->data, "answered_group", json_string(group));
    }
    return err;
}

ab_err ab_h_stale_button(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err = AB_OK;
    if (ctx->upd && ctx->upd->callback_id)
        err = ab_fx_answer(fx, ctx->chat_id, ctx->upd->callback_id,
                           ab_fsm_text(ctx, AB_MSG_STALE_BUTTON));
    return err == AB_OK ? ab_fsm_show_current(ctx, fx, 0) : err;
}

ab_err ab_h_blocked(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    (void)ctx;
    fx->user_blocked = true;
    return AB_OK;
}

ab_err ab_h_unblocked(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    (void)ctx;
    fx->user_unblocked = true;
    return AB_OK;
}

ab_err ab_h_ignore(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    (void)ctx;
    (void)fx;
    return AB_OK;
}
