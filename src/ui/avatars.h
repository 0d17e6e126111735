/* "My avatars": the paged gallery, an avatar's details, renaming and deleting one. */
#ifndef AB_UI_AVATARS_H
#define AB_UI_AVATARS_H

#include "core/avatar.h"
#include "ui/ui.h"

/* avatars per gallery page */
#define AB_UI_GALLERY_PAGE 5

/** Page page (clamped) of the user's n avatars; prefix (may be NULL) is a line above it. */
void ab_ui_gallery(ab_lang lang, const ab_avatar *avatars, int n, int page, const char *prefix,
                   ab_ui_msg *out);
/** An avatar's details with what can be done with it now (by its status). */
void ab_ui_details(ab_lang lang, const ab_avatar *a, const char *prefix, ab_ui_msg *out);
/** The new-name prompt for a; after a refused name, problem (AB_MSG_NAME_*, else AB_MSG__COUNT)
 *  says why above it. */
void ab_ui_rename_prompt(ab_lang lang, const ab_avatar *a, ab_msg_id problem, const char *typed,
                         ab_ui_msg *out);
/** "Delete a?" with yes / no. */
void ab_ui_delete_confirm(ab_lang lang, const ab_avatar *a, ab_ui_msg *out);

#endif
