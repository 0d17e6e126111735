/* The menus: main menu, language choice, avatar menu and help. */
#ifndef AB_UI_MENUS_H
#define AB_UI_MENUS_H

#include <stdbool.h>

#include "ui/ui.h"

void ab_ui_main_menu(ab_lang lang, ab_ui_msg *out);
/** The main menu, with the "Balance" entry when balance (BILLING=stars). */
void ab_ui_main_menu_with(ab_lang lang, bool balance, ab_ui_msg *out);
/** One button per language this build carries, each in its own name, the current one ticked. */
void ab_ui_language(ab_lang lang, ab_ui_msg *out);
void ab_ui_help(ab_lang lang, ab_ui_msg *out);
/** /forget: what deleting everything means, with yes / cancel. */
void ab_ui_forget_confirm(ab_lang lang, ab_ui_msg *out);
/** The privacy notice (photos kept photo_days after the last training); asking: with the
 *  "I agree" button, else saying the user has agreed. */
void ab_ui_privacy(ab_lang lang, int photo_days, int asking, ab_ui_msg *out);
/** The avatar menu for a user with avatars avatars; prefix (may be NULL) is a line shown above
 *  it (a confirmation, "unknown command"…). */
void ab_ui_avatar_menu(ab_lang lang, int avatars, const char *prefix, ab_ui_msg *out);

#endif
