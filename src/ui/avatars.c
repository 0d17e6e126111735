/* "My avatars" screens (see avatars.h). */
#include "ui/avatars.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

void ab_ui_gallery(ab_lang lang, const ab_avatar *avatars, int n, int page, const char *prefix,
                   ab_ui_msg *out)
{
    if (n == 0) {
        ab_ui_begin(out, prefix, "\n\n", ab_msg(lang, AB_MSG_GALLERY_EMPTY));
        ab_ui_button(out->kb, lang, AB_MSG_BTN_CREATE, AB_BTN_CREATE, 0, 0);
        ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_MENU, 0, 0);
        return;
    }
    int pages = (n + AB_UI_GALLERY_PAGE - 1) / AB_UI_GALLERY_PAGE;
    if (page < 0)
        page = 0;
    if (page >= pages)
        page = pages - 1;
    char body[2048];
    size_t len = (size_t)snprintf(body, sizeof body, ab_msg(lang, AB_MSG_GALLERY_TITLE), n);
    json_t *kb = ab_kb_new();
    for (int i = page * AB_UI_GALLERY_PAGE; i < n && i < (page + 1) * AB_UI_GALLERY_PAGE; i++) {
        const ab_avatar *a = &avatars[i];
        if (len < sizeof body)
            len +=
                (size_t)snprintf(body + len, sizeof body - len, ab_msg(lang, AB_MSG_GALLERY_LINE),
                                 i + 1, a->name, ab_msg(lang, ab_ui_type_name(a->training_type)),
                                 ab_msg(lang, ab_ui_status_name(a->status)));
        char label[200];
        snprintf(label, sizeof label, "%s %s", strcmp(a->training_type, "style") == 0 ? "🎨" : "👤",
                 a->name);
        ab_ui_button_label(kb, label, AB_BTN_AVATAR_SHOW, a->id, 0);
    }
    if (pages > 1 && len < sizeof body)
        snprintf(body + len, sizeof body - len, ab_msg(lang, AB_MSG_GALLERY_PAGE), page + 1, pages);
    if (pages > 1) {
        if (page > 0)
            ab_ui_button(kb, lang, AB_MSG_BTN_PREV, AB_BTN_LIST, page - 1, 0);
        if (page < pages - 1) /* beside "previous" when there is one */
            ab_ui_button(kb, lang, AB_MSG_BTN_NEXT, AB_BTN_LIST, page + 1, page > 0);
    }
    if (n < AB_MAX_AVATARS)
        ab_ui_button(kb, lang, AB_MSG_BTN_CREATE, AB_BTN_CREATE, 0, 0);
    ab_ui_button(kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_MENU, 0, 0);
    ab_ui_begin(out, prefix, "\n\n", body);
    json_decref(out->kb);
    out->kb = kb;
}

void ab_ui_details(ab_lang lang, const ab_avatar *a, const char *prefix, ab_ui_msg *out)
{
    char body[1024];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_DETAILS), a->name,
             ab_msg(lang, ab_ui_type_name(a->training_type)),
             ab_msg(lang, ab_ui_gender_name(a->gender)), ab_msg(lang, ab_ui_status_name(a->status)),
             a->photos_count, a->progress, a->created);
    ab_ui_begin(out, prefix, "\n\n", body);
    json_t *kb = out->kb;
    int uploading = strcmp(a->status, "draft") == 0 || strcmp(a->status, "uploading") == 0 ||
                    strcmp(a->status, "ready") == 0;
    if (uploading)
        ab_ui_button(kb, lang, AB_MSG_BTN_CONTINUE_UPLOAD, AB_BTN_AVATAR_UPLOAD, a->id, 0);
    int training = strcmp(a->status, "training") == 0;
    if (a->model_kind)
        ab_ui_button(kb, lang, AB_MSG_BTN_GENERATE, AB_BTN_GEN_START, a->id, 0);
    if (a->pictures) {
        char label[128];
        snprintf(label, sizeof label, ab_msg(lang, AB_MSG_BTN_MY_PICTURES), a->pictures);
        ab_ui_button_label(kb, label, AB_BTN_GEN_PICTURES, a->id, a->model_kind != 0);
    }
    if (strcmp(a->status, "completed") == 0) {
        /* the next training's photos, and the training itself: the model stays until then */
        char label[128];
        snprintf(label, sizeof label, ab_msg(lang, AB_MSG_BTN_TRAINING_PHOTOS), a->photos_count);
        ab_ui_button_label(kb, label, AB_BTN_AVATAR_UPLOAD, a->id, 0);
        if (a->photos_count >= 10)
            ab_ui_button(kb, lang, AB_MSG_BTN_RETRAIN, AB_BTN_TRAIN_START, a->id, 1);
    }
    if (strcmp(a->status, "ready") == 0 && a->photos_count >= 10)
        ab_ui_button(kb, lang, AB_MSG_BTN_TRAIN_START, AB_BTN_TRAIN_START, a->id, 0);
    if (strcmp(a->status, "error") == 0 || strcmp(a->status, "cancelled") == 0)
        ab_ui_button(kb, lang, AB_MSG_BTN_TRAIN_RETRY, AB_BTN_TRAIN_START, a->id, 0);
    if (training) {
        ab_ui_button(kb, lang, AB_MSG_BTN_TRAIN_PROGRESS, AB_BTN_AVATAR_SHOW, a->id, 0);
        ab_ui_button(kb, lang, AB_MSG_BTN_TRAIN_CANCEL, AB_BTN_TRAIN_CANCEL, a->id, 0);
    }
    ab_ui_button(kb, lang, AB_MSG_BTN_RENAME, AB_BTN_AVATAR_RENAME, a->id, 0);
    if (!training)
        ab_ui_button(kb, lang, AB_MSG_BTN_DELETE, AB_BTN_AVATAR_DELETE, a->id, 1);
    ab_ui_button(kb, lang, AB_MSG_BTN_BACK, AB_BTN_LIST, 0, 0);
}

void ab_ui_rename_prompt(ab_lang lang, const ab_avatar *a, ab_msg_id problem, const char *typed,
                         ab_ui_msg *out)
{
    char prompt[512], reason[512];
    snprintf(prompt, sizeof prompt, ab_msg(lang, AB_MSG_RENAME_PROMPT), a->name);
    int refused = problem != AB_MSG__COUNT;
    if (refused)
        snprintf(reason, sizeof reason, ab_msg(lang, problem), typed);
    ab_ui_begin(out, refused ? reason : NULL, "\n", prompt);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_SHOW, a->id, 0);
}

void ab_ui_delete_confirm(ab_lang lang, const ab_avatar *a, ab_ui_msg *out)
{
    char text[512];
    snprintf(text, sizeof text, ab_msg(lang, AB_MSG_DELETE_CONFIRM), a->name);
    ab_ui_begin(out, NULL, NULL, text);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_DELETE_YES, AB_BTN_AVATAR_DELETE_OK, a->id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_DELETE_NO, AB_BTN_AVATAR_SHOW, a->id, 0);
}
