/* The upload screen of an avatar, its quality tips, and the pages of its accepted photos. */
#ifndef AB_UI_UPLOAD_H
#define AB_UI_UPLOAD_H

#include "core/avatar.h"
#include "ui/ui.h"

/** The upload screen of the avatar named name with photos accepted photos; a (may be NULL: not
 *  created yet) offers training when it is ready. prefix (may be NULL): a line above it. */
void ab_ui_upload(ab_lang lang, const char *name, int photos, const ab_avatar *a,
                  const char *prefix, ab_ui_msg *out);
void ab_ui_upload_tips(ab_lang lang, ab_ui_msg *out);

/* photos per page: sendMediaGroup takes 2-10 items */
#define AB_UI_PHOTOS_PAGE 10

/** Which photos page page (clamped) of n shows: photos first..last-1. */
typedef struct {
    int page, pages, first, last, count;
} ab_ui_page;
ab_ui_page ab_ui_photo_page_of(int n, int page);
/** The message under a page of photos: which ones they are, a delete button per photo, the
 *  paging and the way back. */
void ab_ui_photo_page(ab_lang lang, const ab_photo *photos, ab_ui_page pg, ab_ui_msg *out);

#endif
