/* Making pictures with a trained avatar: a style preset or the user's own description, the
 * shape, how many, then the start (the step runner opens the generation and queues its job; the
 * pressed message becomes the status message the job edits). "More like this" repeats a
 * generation with a new seed; "Full-quality files" sends its pictures as documents. Every
 * avatar and generation a button names is resolved against the caller's own (a generation is
 * loaded by the step runner only when it is the caller's). One generation runs per user and
 * GENERATION_DAILY_IMAGES caps a user's day: both are checked here, on data the step runner
 * loaded, and the database's one-per-user index backs the first. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/presets.h"
#include "fsm/fsm.h"
#include "ui/generate.h"

static int prompt_max(void)
{
    const ab_config *cfg = ab_fsm_config();
    return cfg ? cfg->generation_prompt_max : 500;
}

/* How many more pictures the user may have made today (4 at most: one generation's). */
static int images_left(const ab_fsm_ctx *ctx)
{
    const ab_config *cfg = ab_fsm_config();
    int limit = cfg ? cfg->generation_daily_images : 0;
    if (limit <= 0)
        return 4;
    int left = limit - ctx->gen_images_today;
    return left < 0 ? 0 : left > 4 ? 4 : left;
}

/* A notice that takes a number (the daily limit). */
static ab_err notice_limit(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_config *cfg = ab_fsm_config();
    int limit = cfg ? cfg->generation_daily_images : 0;
    char text[256];
    snprintf(text, sizeof text, ab_msgn(ctx->lang, AB_MSG_GEN_LIMIT, (unsigned long)limit), limit);
    ab_fx_goto(fx, ctx->state);
    if (!ctx->upd || !ctx->upd->callback_id)
        return ab_fx_send(fx, ctx->chat_id, text, NULL);
    return ab_fx_answer(fx, ctx->chat_id, ctx->upd->callback_id, text);
}

/* Stays where the user is and says why nothing starts. */
static ab_err refuse(const ab_fsm_ctx *ctx, ab_effects *fx, ab_msg_id why)
{
    ab_fx_goto(fx, ctx->state);
    return ab_fsm_notice(ctx, fx, why);
}

ab_err ab_screen_gen_prompt(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a, int edit)
{
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    ab_ui_msg m = {0};
    ab_ui_gen_prompt(ctx->lang, a->name, a->id, prompt_max(), AB_MSG__COUNT, 0, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

/* The data's description for the screens. */
static void data_what(const ab_fsm_ctx *ctx, char *out, size_t n)
{
    ab_ui_gen_what(ctx->lang, json_string_value(json_object_get(ctx->data, "preset")),
                   json_string_value(json_object_get(ctx->data, "prompt")), out, n);
}

static ab_err show_aspect(const ab_fsm_ctx *ctx, ab_effects *fx, const char *what, int edit)
{
    ab_ui_msg m = {0};
    ab_ui_gen_aspect(ctx->lang, what, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_gen_start(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err = AB_OK;
    const ab_avatar *a = ctx->event == AB_EV_BTN_GEN_START ? ab_fsm_pressed_avatar(ctx, fx, &err)
                                                           : ab_fsm_data_avatar(ctx);
    if (!a) {
        if (err != AB_OK || ctx->event == AB_EV_BTN_GEN_START)
            return err;
        return ab_fsm_show_current(ctx, fx, 1);
    }
    if (!a->model_kind)
        return refuse(ctx, fx, AB_MSG_GEN_NO_MODEL);
    if (images_left(ctx) == 0)
        return notice_limit(ctx, fx);
    return ab_screen_gen_prompt(ctx, fx, a, 1);
}

ab_err ab_h_gen_preset(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    const char *preset = ab_preset_name((ab_preset)ctx->arg);
    if (!a || !preset || ctx->arg < 0)
        return ab_h_stale_button(ctx, fx);
    fx->data = json_pack("{s:I,s:s}", "avatar_id", (json_int_t)a->id, "preset", preset);
    return show_aspect(ctx, fx, ab_ui_preset_title(ctx->lang, (ab_preset)ctx->arg), 1);
}

/* Code points of s, and whether it has anything but white space. */
static size_t code_points(const char *s, int *blank)
{
    size_t n = 0;
    *blank = 1;
    for (; *s; s++) {
        if ((*s & 0xC0) != 0x80)
            n++;
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            *blank = 0;
    }
    return n;
}

ab_err ab_h_gen_text(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    if (!a)
        return ab_fsm_show_current(ctx, fx, 0);
    const char *text = ctx->upd && ctx->upd->text ? ctx->upd->text : "";
    int blank;
    size_t n = code_points(text, &blank);
    ab_msg_id problem = blank                      ? AB_MSG_GEN_PROMPT_EMPTY
                        : n > (size_t)prompt_max() ? AB_MSG_GEN_PROMPT_TOO_LONG
                                                   : AB_MSG__COUNT;
    if (problem != AB_MSG__COUNT) {
        ab_fx_goto(fx, ctx->state);
        ab_ui_msg m = {0};
        ab_ui_gen_prompt(ctx->lang, a->name, a->id, prompt_max(), problem, (int)n, &m);
        return ab_screen_show(ctx, fx, &m, 0);
    }
    fx->data = json_pack("{s:I,s:s}", "avatar_id", (json_int_t)a->id, "prompt", text);
    char what[512];
    ab_ui_gen_what(ctx->lang, NULL, text, what, sizeof what);
    return show_aspect(ctx, fx, what, 0);
}

ab_err ab_screen_gen_count(const ab_fsm_ctx *ctx, ab_effects *fx, const char *aspect, int edit)
{
    char what[512];
    data_what(ctx, what, sizeof what);
    ab_ui_msg m = {0};
    ab_ui_gen_count(ctx->lang, what, aspect, images_left(ctx), &m);
    ab_fsm_price_note(ctx, AB_PAID_IMAGES, &m);
    return ab_screen_show(ctx, fx, &m, edit);
}

ab_err ab_h_gen_aspect(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const char *aspect = ab_ui_aspect_at((int)ctx->arg);
    if (!ab_fsm_data_avatar(ctx) || !aspect)
        return ab_h_stale_button(ctx, fx);
    fx->data = ab_fsm_data_copy(ctx);
    json_object_set_new(fx->data, "aspect", json_string(aspect));
    return ab_screen_gen_count(ctx, fx, aspect, 1);
}

ab_err ab_h_gen_back_to_aspect(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    if (!ab_fsm_data_avatar(ctx))
        return ab_fsm_show_current(ctx, fx, 1);
    fx->data = ab_fsm_data_copy(ctx);
    json_object_del(fx->data, "aspect");
    char what[512];
    data_what(ctx, what, sizeof what);
    return show_aspect(ctx, fx, what, 1);
}

/* Opens a generation of a (the step runner picks the model's app, the mode and the seed). The
 * pressed message becomes the status message when edit, else a new one is sent. */
static ab_err start(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a, const char *preset,
                    const char *prompt, const char *aspect, int count, int edit)
{
    if (ctx->gen_running)
        return refuse(ctx, fx, AB_MSG_GEN_BUSY);
    int left = images_left(ctx);
    if (left == 0)
        return notice_limit(ctx, fx);
    if (count > left)
        count = left;
    ab_err err = AB_OK;
    if (!ab_fsm_studio_open(ctx, fx, AB_PAID_IMAGES, count, &err))
        return err;
    int price = ab_fsm_price(AB_PAID_IMAGES, count);
    json_t *resume =
        json_pack("{s:s,s:I,s:s,s:s}", "resume", "gen", "avatar_id", (json_int_t)a->id, "aspect",
                  aspect, preset ? "preset" : "prompt", preset ? preset : prompt);
    if (!ab_fsm_can_pay(ctx, fx, AB_PAID_IMAGES, price, resume, &err))
        return err;
    char status[1024];
    ab_ui_gen_status(ctx->lang, AB_MSG_GEN_WAITING, count, a->name, 0, status, sizeof status);
    ab_fx_generation_start g = {.avatar_id = a->id,
                                .model_kind = a->model_kind,
                                .preset = preset,
                                .prompt = prompt,
                                .aspect = aspect,
                                .count = count,
                                .message_id = edit && ctx->upd ? ctx->upd->message_id : 0,
                                .status_text = status,
                                .price = price};
    err = ab_fx_generation_start_add(fx, &g);
    if (err != AB_OK)
        return err;
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    if (!g.message_id)
        return AB_OK; /* the step runner sends the status message */
    ab_ui_msg m = {0};
    snprintf(m.text, sizeof m.text, "%s", status);
    return ab_screen_show(ctx, fx, &m, 1);
}

ab_err ab_h_gen_count(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    const char *aspect = json_string_value(json_object_get(ctx->data, "aspect"));
    const char *preset_name = json_string_value(json_object_get(ctx->data, "preset"));
    const char *own = json_string_value(json_object_get(ctx->data, "prompt"));
    if (!a || !aspect || ctx->arg < 1 || ctx->arg > 4 || (!preset_name && !own))
        return ab_h_stale_button(ctx, fx);
    if (!a->model_kind)
        return refuse(ctx, fx, AB_MSG_GEN_NO_MODEL);
    ab_preset p = ab_preset_parse(preset_name);
    const char *prompt = preset_name ? ab_preset_prompt(p, a->gender) : own;
    if (!prompt)
        return ab_h_stale_button(ctx, fx);
    return start(ctx, fx, a, preset_name, prompt, aspect, (int)ctx->arg, 1);
}

ab_err ab_h_gen_again(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_generation_view *g = ctx->generation;
    const ab_avatar *a = g ? ab_fsm_find_avatar(ctx, g->avatar_id) : NULL;
    if (!a)
        return refuse(ctx, fx, AB_MSG_GEN_NOT_FOUND);
    if (!a->model_kind)
        return refuse(ctx, fx, AB_MSG_GEN_NO_MODEL);
    /* a preset is written again for the avatar's gender; an own description as it was */
    ab_preset p = ab_preset_parse(g->preset);
    const char *prompt = p != AB_PRESET__COUNT ? ab_preset_prompt(p, a->gender) : g->prompt;
    return start(ctx, fx, a, p != AB_PRESET__COUNT ? g->preset : NULL, prompt, g->aspect, g->count,
                 0);
}

ab_err ab_h_gen_files(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_generation_view *g = ctx->generation;
    ab_fx_goto(fx, ctx->state);
    if (!g)
        return ab_fsm_notice(ctx, fx, AB_MSG_GEN_NOT_FOUND);
    if (g->n_keys == 0)
        return ab_fsm_notice(ctx, fx, AB_MSG_GEN_FILES_NONE);
    ab_err err = ab_fsm_notice(ctx, fx, AB_MSG_GEN_FILES_SENDING);
    for (int i = 0; err == AB_OK && i < g->n_keys; i++) {
        char name[48];
        snprintf(name, sizeof name, "picture-%lld-%d.jpg", (long long)g->id, i + 1);
        /* the sender uploads the stored copy (telegram/wire_upload.h: "_upload") */
        json_t *p = json_pack("{s:I,s:{s:{s:s,s:s,s:s}}}", "chat_id", (json_int_t)ctx->chat_id,
                              "_upload", "document", "key", g->keys[i], "filename", name,
                              "content_type", "image/jpeg");
        err = p ? ab_fx_call(fx, ctx->chat_id, "sendDocument", p) : AB_ERR_NOMEM;
    }
    return err;
}

ab_err ab_h_gen_pictures(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err = AB_OK;
    int paging = ctx->event == AB_EV_BTN_GEN_PICTURES_PAGE;
    const ab_avatar *a = paging ? ab_fsm_data_avatar(ctx) : ab_fsm_pressed_avatar(ctx, fx, &err);
    if (!a)
        return paging ? ab_fsm_show_current(ctx, fx, 0) : err;
    int page = paging ? (int)ctx->arg : 0;
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    /* the page as one album (a lone picture as a photo), by file_id: nothing is uploaded */
    json_t *media = json_array();
    for (int i = 0; i < ctx->pictures_count; i++)
        json_array_append_new(
            media, json_pack("{s:s,s:s}", "type", "photo", "media", ctx->pictures[i].file_id));
    if (ctx->pictures_count == 1)
        err = ab_fx_call(fx, ctx->chat_id, "sendPhoto",
                         json_pack("{s:I,s:s}", "chat_id", (json_int_t)ctx->chat_id, "photo",
                                   ctx->pictures[0].file_id));
    else if (ctx->pictures_count > 1)
        err =
            ab_fx_call(fx, ctx->chat_id, "sendMediaGroup",
                       json_pack("{s:I,s:O}", "chat_id", (json_int_t)ctx->chat_id, "media", media));
    json_decref(media);
    if (err != AB_OK)
        return err;
    ab_ui_msg m = {0};
    ab_ui_gen_pictures(ctx->lang, a->name, a->id, page, ctx->pictures_total, &m);
    return ab_screen_show(ctx, fx, &m, 0);
}
