/* Screens and handlers of the menus: main menu, avatar menu, help, the first step of creating
 * an avatar, the gallery entry, and the generic replies (unexpected input, stale buttons). */
#include <stdio.h>

#include "fsm/event.h"
#include "fsm/fsm.h"
#include "telegram/keyboard.h"

/* A screen goes where the pressed button was (edit) or, for commands, in a new message. */
static ab_err show(const ab_fsm_ctx *ctx, ab_effects *fx, const char *text, json_t *kb, int edit)
{
    if (edit && ctx->upd && ctx->upd->kind == AB_UPD_CALLBACK_QUERY && ctx->upd->message_id)
        return ab_fx_edit(fx, ctx->chat_id, ctx->upd->message_id, text, kb);
    return ab_fx_send(fx, ctx->chat_id, text, kb);
}

static const char *T(const ab_fsm_ctx *ctx, ab_msg_id id)
{
    return ab_msg(ctx->lang, id);
}

static void add_button(json_t *kb, const ab_fsm_ctx *ctx, ab_msg_id label, ab_event ev,
                       int64_t arg)
{
    char data[65];
    ab_kb_add(kb, T(ctx, label), ab_event_callback_data(ev, arg, data));
}

static ab_err screen_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx, const char *prefix,
                                 int edit)
{
    char text[1024], mine[128];
    int n = snprintf(text, sizeof text, "%s%s", prefix ? prefix : "", prefix ? "\n\n" : "");
    snprintf(text + n, sizeof text - (size_t)n, T(ctx, AB_MSG_AVATAR_MENU), ctx->avatars_count);
    snprintf(mine, sizeof mine, T(ctx, AB_MSG_BTN_MY_AVATARS), ctx->avatars_count);
    json_t *kb = ab_kb_new();
    add_button(kb, ctx, AB_MSG_BTN_CREATE, AB_EV_BTN_CREATE, 0);
    char data[65];
    ab_kb_add(kb, mine, ab_event_callback_data(AB_EV_BTN_LIST, 0, data));
    add_button(kb, ctx, AB_MSG_BTN_HELP, AB_EV_BTN_HELP, 0);
    add_button(kb, ctx, AB_MSG_BTN_BACK_MAIN, AB_EV_BTN_MAIN_MENU, 0);
    return show(ctx, fx, text, kb, edit);
}

static ab_err screen_main_menu(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    json_t *kb = ab_kb_new();
    add_button(kb, ctx, AB_MSG_BTN_AVATARS, AB_EV_BTN_AVATAR_MENU, 0);
    add_button(kb, ctx, AB_MSG_BTN_HELP, AB_EV_BTN_HELP, 0);
    return show(ctx, fx, T(ctx, AB_MSG_MAIN_MENU), kb, edit);
}

static ab_err screen_help(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    json_t *kb = ab_kb_new();
    add_button(kb, ctx, AB_MSG_BTN_CREATE, AB_EV_BTN_CREATE, 0);
    add_button(kb, ctx, AB_MSG_BTN_BACK, AB_EV_BTN_AVATAR_MENU, 0);
    return show(ctx, fx, T(ctx, AB_MSG_HELP), kb, edit);
}

static ab_err screen_choose_type(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    /* The type buttons' own transitions arrive with the create flow; the screen is shown now
     * so the menu leads somewhere real. */
    json_t *kb = ab_kb_new();
    ab_kb_add(kb, T(ctx, AB_MSG_BTN_PORTRAIT), "tt:portrait");
    ab_kb_add(kb, T(ctx, AB_MSG_BTN_STYLE), "tt:style");
    ab_kb_add(kb, T(ctx, AB_MSG_BTN_COMPARE), "tt:compare");
    add_button(kb, ctx, AB_MSG_BTN_BACK, AB_EV_BTN_AVATAR_MENU, 0);
    return show(ctx, fx, T(ctx, AB_MSG_CHOOSE_TYPE), kb, edit);
}

static ab_err screen_gallery(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    json_t *kb = ab_kb_new();
    add_button(kb, ctx, AB_MSG_BTN_CREATE, AB_EV_BTN_CREATE, 0);
    add_button(kb, ctx, AB_MSG_BTN_BACK, AB_EV_BTN_AVATAR_MENU, 0);
    return show(ctx, fx, T(ctx, AB_MSG_GALLERY_EMPTY), kb, edit);
}

ab_err ab_fsm_show_current(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    switch (ctx->state) {
    case AB_ST_MAIN_MENU:
        return screen_main_menu(ctx, fx, edit);
    case AB_ST_HELP:
        return screen_help(ctx, fx, edit);
    case AB_ST_SELECTING_TRAINING_TYPE:
        return screen_choose_type(ctx, fx, edit);
    case AB_ST_AVATAR_GALLERY:
        return screen_gallery(ctx, fx, edit);
    case AB_ST_AVATAR_MENU:
        return screen_avatar_menu(ctx, fx, NULL, edit);
    default:
        /* a state whose screen is not built yet: fall back to the avatar menu */
        ab_fx_goto(fx, AB_ST_AVATAR_MENU);
        return screen_avatar_menu(ctx, fx, NULL, edit);
    }
}

ab_err ab_h_start(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_avatar_menu(ctx, fx, NULL, 0);
}

ab_err ab_h_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_avatar_menu(ctx, fx, NULL, 1);
}

ab_err ab_h_main_menu(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_main_menu(ctx, fx, 1);
}

ab_err ab_h_help(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_help(ctx, fx, 1);
}

ab_err ab_h_create(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_choose_type(ctx, fx, 1);
}

ab_err ab_h_gallery(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_gallery(ctx, fx, 1);
}

ab_err ab_h_cancel(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    fx->data = json_object(); /* drop whatever input was in progress */
    return screen_avatar_menu(ctx, fx, NULL, 0);
}

ab_err ab_h_unknown_command(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return screen_avatar_menu(ctx, fx, T(ctx, AB_MSG_UNKNOWN_COMMAND), 0);
}

ab_err ab_h_unexpected(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    /* free text or a photo where the screen expects a button: a hint, then the screen again */
    ab_err err = ab_fx_send(fx, ctx->chat_id, T(ctx, AB_MSG_HINT_MENU), NULL);
    return err == AB_OK ? ab_fsm_show_current(ctx, fx, 0) : err;
}

ab_err ab_h_stale_button(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err = AB_OK;
    if (ctx->upd && ctx->upd->callback_id)
        err = ab_fx_answer(fx, ctx->chat_id, ctx->upd->callback_id, T(ctx, AB_MSG_STALE_BUTTON));
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
