/* The screens of creating an avatar: training type (and their comparison), its confirmation,
 * what a style avatar depicts, gender, name. */
#ifndef AB_UI_CREATE_H
#define AB_UI_CREATE_H

#include "ui/ui.h"

void ab_ui_choose_type(ab_lang lang, ab_ui_msg *out);
void ab_ui_compare_types(ab_lang lang, ab_ui_msg *out);
/** The confirmation of a chosen training type ("portrait" | "style"). */
void ab_ui_confirm_type(ab_lang lang, const char *training_type, ab_ui_msg *out);
/** What a style avatar depicts: a person or character, an art style, a product, anything. */
void ab_ui_choose_avatar_type(ab_lang lang, ab_ui_msg *out);
void ab_ui_choose_gender(ab_lang lang, ab_ui_msg *out);
/** The name prompt; after a refused name, problem (AB_MSG_NAME_*, else AB_MSG__COUNT) says why
 *  above "try again", with the typed name where the message shows it. */
void ab_ui_name_prompt(ab_lang lang, ab_msg_id problem, const char *typed, ab_ui_msg *out);

#endif
