/* Screens shown from more than one place: the avatar menu, the type choice, the gallery, an
 * avatar's details and the upload screen; plus the small helpers every handler file uses. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "telegram/keyboard.h"

#define PAGE_SIZE 5

const char *ab_fsm_text(const ab_fsm_ctx *ctx, ab_msg_id id)
{
    return ab_msg(ctx->lang, id);
}

ab_err ab_screen_show(const ab_fsm_ctx *ctx, ab_effects *fx, const char *text, json_t *kb, int edit)
{
    if (edit && ctx->upd && ctx->upd->kind == AB_UPD_CALLBACK_QUERY && ctx->upd->message_id)
        return ab_fx_edit(fx, ctx->chat_id, ctx->upd->message_id, text, kb);
    return ab_fx_send(fx, ctx->chat_id, text, kb);
}

static void button(json_t *kb, const char *label, ab_event ev, int64_t arg, int same_row)
{
    char data[65];
    if (same_row)
        ab_kb_add_inline(kb, label, ab_event_callback_data(ev, arg, data));
    else
        ab_kb_add(kb, label, ab_event_callback_data(ev, arg, data));
}

/* "prefix\n\n" + formatted body into buf. */
static void compose(char *buf, size_t len, const char *prefix, const char *body)
{
    snprintf(buf, len, "%s%s%s", prefix ? prefix : "", prefix ? "\n\n" : "", body);
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
    char body[1024], text[1536], mine[128];
    snprintf(body, sizeof body,
             ab_msgn(ctx->lang, AB_MSG_AVATAR_MENU, (unsigned long)ctx->avatars_count),
             ctx->avatars_count);
    compose(text, sizeof text, prefix, body);
    snprintf(mine, sizeof mine, ab_fsm_text(ctx, AB_MSG_BTN_MY_AVATARS), ctx->avatars_count);
    json_t *kb = ab_kb_new();
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_CREATE), AB_EV_BTN_CREATE, 0, 0);
    button(kb, mine, AB_EV_BTN_LIST, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_HELP), AB_EV_BTN_HELP, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK_MAIN), AB_EV_BTN_MAIN_MENU, 0, 0);
    return ab_screen_show(ctx, fx, text, kb, edit);
}

ab_err ab_screen_choose_type(const ab_fsm_ctx *ctx, ab_effects *fx, int edit)
{
    json_t *kb = ab_kb_new();
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_PORTRAIT), AB_EV_BTN_TYPE_PORTRAIT, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_STYLE), AB_EV_BTN_TYPE_STYLE, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_COMPARE), AB_EV_BTN_COMPARE, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK), AB_EV_BTN_AVATAR_MENU, 0, 0);
    return ab_screen_show(ctx, fx, ab_fsm_text(ctx, AB_MSG_CHOOSE_TYPE), kb, edit);
}

static ab_msg_id type_name(const char *t)
{
    return strcmp(t, "style") == 0 ? AB_MSG_TYPE_STYLE : AB_MSG_TYPE_PORTRAIT;
}

static ab_msg_id gender_name(const char *g)
{
    return strcmp(g, "female") == 0  ? AB_MSG_GENDER_FEMALE
           : strcmp(g, "other") == 0 ? AB_MSG_GENDER_OTHER
                                     : AB_MSG_GENDER_MALE;
}

static ab_msg_id status_name(const char *s)
{
    static const struct {
        const char *status;
        ab_msg_id msg;
    } NAMES[] = {{"draft", AB_MSG_STATUS_DRAFT},         {"uploading", AB_MSG_STATUS_UPLOADING},
                 {"ready", AB_MSG_STATUS_READY},         {"training", AB_MSG_STATUS_TRAINING},
                 {"completed", AB_MSG_STATUS_COMPLETED}, {"error", AB_MSG_STATUS_ERROR},
                 {"cancelled", AB_MSG_STATUS_CANCELLED}};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(NAMES[i].status, s) == 0)
            return NAMES[i].msg;
    return AB_MSG_STATUS_DRAFT;
}

ab_err ab_screen_gallery(const ab_fsm_ctx *ctx, ab_effects *fx, int page, const char *prefix,
                         int edit)
{
    int n = ctx->avatars_count;
    json_t *kb = ab_kb_new();
    if (n == 0) {
        char text[1024];
        compose(text, sizeof text, prefix, ab_fsm_text(ctx, AB_MSG_GALLERY_EMPTY));
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_CREATE), AB_EV_BTN_CREATE, 0, 0);
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK), AB_EV_BTN_AVATAR_MENU, 0, 0);
        return ab_screen_show(ctx, fx, text, kb, edit);
    }
    int pages = (n + PAGE_SIZE - 1) / PAGE_SIZE;
    if (page < 0)
        page = 0;
    if (page >= pages)
        page = pages - 1;
    char body[2048];
    size_t len = (size_t)snprintf(body, sizeof body, ab_fsm_text(ctx, AB_MSG_GALLERY_TITLE), n);
    for (int i = page * PAGE_SIZE; i < n && i < (page + 1) * PAGE_SIZE; i++) {
        const ab_avatar *a = &ctx->avatars[i];
        if (len < sizeof body)
            len += (size_t)snprintf(body + len, sizeof body - len,
                                    ab_fsm_text(ctx, AB_MSG_GALLERY_LINE), i + 1, a->name,
                                    ab_fsm_text(ctx, type_name(a->training_type)),
                                    ab_fsm_text(ctx, status_name(a->status)));
        char label[200];
        snprintf(label, sizeof label, "%s %s", strcmp(a->training_type, "style") == 0 ? "🎨" : "👤",
                 a->name);
        button(kb, label, AB_EV_BTN_AVATAR_SHOW, a->id, 0);
    }
    if (pages > 1 && len < sizeof body)
        snprintf(body + len, sizeof body - len, ab_fsm_text(ctx, AB_MSG_GALLERY_PAGE), page + 1,
                 pages);
    if (pages > 1) {
        int first = 1;
        if (page > 0) {
            button(kb, ab_fsm_text(ctx, AB_MSG_BTN_PREV), AB_EV_BTN_LIST, page - 1, 0);
            first = 0;
        }
        if (page < pages - 1)
            button(kb, ab_fsm_text(ctx, AB_MSG_BTN_NEXT), AB_EV_BTN_LIST, page + 1, !first);
    }
    if (n < AB_MAX_AVATARS)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_CREATE), AB_EV_BTN_CREATE, 0, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK), AB_EV_BTN_AVATAR_MENU, 0, 0);
    char text[2600];
    compose(text, sizeof text, prefix, body);
    return ab_screen_show(ctx, fx, text, kb, edit);
}

ab_err ab_screen_details(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                         const char *prefix, int edit)
{
    char body[1024], text[1600];
    snprintf(body, sizeof body, ab_fsm_text(ctx, AB_MSG_DETAILS), a->name,
             ab_fsm_text(ctx, type_name(a->training_type)),
             ab_fsm_text(ctx, gender_name(a->gender)), ab_fsm_text(ctx, status_name(a->status)),
             a->photos_count, a->progress, a->created);
    compose(text, sizeof text, prefix, body);
    json_t *kb = ab_kb_new();
    int uploading = strcmp(a->status, "draft") == 0 || strcmp(a->status, "uploading") == 0 ||
                    strcmp(a->status, "ready") == 0;
    if (uploading)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_CONTINUE_UPLOAD), AB_EV_BTN_AVATAR_UPLOAD, a->id, 0);
    int training = strcmp(a->status, "training") == 0;
    if (strcmp(a->status, "ready") == 0 && a->photos_count >= 10)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TRAIN_START), AB_EV_BTN_TRAIN_START, a->id, 0);
    if (strcmp(a->status, "error") == 0 || strcmp(a->status, "cancelled") == 0)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TRAIN_RETRY), AB_EV_BTN_TRAIN_START, a->id, 0);
    if (training) {
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TRAIN_PROGRESS), AB_EV_BTN_AVATAR_SHOW, a->id, 0);
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TRAIN_CANCEL), AB_EV_BTN_TRAIN_CANCEL, a->id, 0);
    }
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_RENAME), AB_EV_BTN_AVATAR_RENAME, a->id, 0);
    if (!training)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_DELETE), AB_EV_BTN_AVATAR_DELETE, a->id, 1);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK), AB_EV_BTN_LIST, 0, 0);
    return ab_screen_show(ctx, fx, text, kb, edit);
}

ab_err ab_screen_upload(const ab_fsm_ctx *ctx, ab_effects *fx, const char *name, int photos,
                        const char *prefix, int edit)
{
    char body[1024], text[1600], view[64];
    snprintf(body, sizeof body, ab_fsm_text(ctx, AB_MSG_UPLOAD_SCREEN), name, photos);
    compose(text, sizeof text, prefix, body);
    snprintf(view, sizeof view, ab_fsm_text(ctx, AB_MSG_BTN_VIEW_PHOTOS), photos);
    json_t *kb = ab_kb_new();
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_ADD_PHOTO), AB_EV_BTN_UPLOAD_ADD, 0, 0);
    button(kb, view, AB_EV_BTN_UPLOAD_VIEW, 0, 1);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TIPS), AB_EV_BTN_UPLOAD_TIPS, 0, 0);
    const ab_avatar *a = NULL; /* names are unique per user */
    for (int i = 0; i < ctx->avatars_count && !a; i++)
        if (strcmp(ctx->avatars[i].name, name) == 0)
            a = &ctx->avatars[i];
    if (a && photos >= 10 && strcmp(a->status, "ready") == 0)
        button(kb, ab_fsm_text(ctx, AB_MSG_BTN_TRAIN_START), AB_EV_BTN_TRAIN_START, a->id, 0);
    button(kb, ab_fsm_text(ctx, AB_MSG_BTN_BACK), AB_EV_BTN_UPLOAD_BACK, 0, 0);
    return ab_screen_show(ctx, fx, text, kb, edit);
}
