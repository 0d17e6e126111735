/* The upload screens (see upload.h). */
#include "ui/upload.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

void ab_ui_upload(ab_lang lang, const char *name, int photos, const ab_avatar *a,
                  const char *prefix, ab_ui_msg *out)
{
    char body[1024], view[64];
    /* past the minimum the count stands alone ("15 photos"), never "15/10" */
    snprintf(body, sizeof body,
             photos < 10 ? ab_msg(lang, AB_MSG_UPLOAD_SCREEN)
                         : ab_msgn(lang, AB_MSG_UPLOAD_SCREEN_ENOUGH, (unsigned long)photos),
             name, photos);
    ab_ui_begin(out, prefix, "\n\n", body);
    snprintf(view, sizeof view, ab_msg(lang, AB_MSG_BTN_VIEW_PHOTOS), photos);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_ADD_PHOTO, AB_BTN_UPLOAD_ADD, 0, 0);
    ab_ui_button_label(out->kb, view, AB_BTN_UPLOAD_VIEW, 0, 1);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_TIPS, AB_BTN_UPLOAD_TIPS, 0, 0);
    if (a && photos >= 10 && strcmp(a->status, "ready") == 0)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_TRAIN_START, AB_BTN_TRAIN_START, a->id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_UPLOAD_BACK, 0, 0);
}

void ab_ui_upload_tips(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_TIPS));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_UPLOAD_SCREEN, 0, 0);
}

ab_ui_page ab_ui_photo_page_of(int n, int page)
{
    ab_ui_page pg = {.pages = (n + AB_UI_PHOTOS_PAGE - 1) / AB_UI_PHOTOS_PAGE, .count = n};
    if (page >= pg.pages)
        page = pg.pages - 1;
    if (page < 0)
        page = 0;
    pg.page = page;
    pg.first = page * AB_UI_PHOTOS_PAGE;
    pg.last = pg.first + AB_UI_PHOTOS_PAGE > n ? n : pg.first + AB_UI_PHOTOS_PAGE;
    return pg;
}

void ab_ui_photo_page(ab_lang lang, const ab_photo *photos, ab_ui_page pg, ab_ui_msg *out)
{
    char text[256], label[32];
    snprintf(text, sizeof text, ab_msgn(lang, AB_MSG_PHOTOS_PAGE, (unsigned long)pg.count),
             pg.first + 1, pg.last, pg.count);
    ab_ui_begin(out, NULL, NULL, text);
    for (int i = pg.first; i < pg.last; i++) {
        snprintf(label, sizeof label, ab_msg(lang, AB_MSG_BTN_DELETE_N), i - pg.first + 1);
        /* five to a row */
        ab_ui_button_label(out->kb, label, AB_BTN_PHOTO_DELETE, photos[i].id, (i - pg.first) % 5);
    }
    if (pg.page > 0)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_PREV, AB_BTN_PHOTO_PAGE, pg.page - 1, 0);
    if (pg.page < pg.pages - 1)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_NEXT, AB_BTN_PHOTO_PAGE, pg.page + 1, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_UPLOAD_SCREEN, 0, 0);
}
