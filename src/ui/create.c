/* The screens of creating an avatar (see create.h). */
#include "ui/create.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

void ab_ui_choose_type(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_CHOOSE_TYPE));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_PORTRAIT, AB_BTN_TYPE_PORTRAIT, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_STYLE, AB_BTN_TYPE_STYLE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_COMPARE, AB_BTN_COMPARE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_MENU, 0, 0);
}

void ab_ui_compare_types(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_COMPARE_TYPES));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_PORTRAIT, AB_BTN_TYPE_PORTRAIT, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_STYLE, AB_BTN_TYPE_STYLE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_confirm_type(ab_lang lang, const char *training_type, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL,
                ab_msg(lang, strcmp(training_type, "style") == 0 ? AB_MSG_CONFIRM_STYLE
                                                                 : AB_MSG_CONFIRM_PORTRAIT));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_CONTINUE, AB_BTN_TYPE_CONFIRM, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_choose_avatar_type(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_CHOOSE_AVATAR_TYPE));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_AVTYPE_CHARACTER, AB_BTN_AVTYPE_CHARACTER, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_AVTYPE_STYLE, AB_BTN_AVTYPE_STYLE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_AVTYPE_PRODUCT, AB_BTN_AVTYPE_PRODUCT, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_AVTYPE_GENERAL, AB_BTN_AVTYPE_GENERAL, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_choose_gender(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_CHOOSE_GENDER));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_MALE, AB_BTN_GENDER_MALE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_FEMALE, AB_BTN_GENDER_FEMALE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_OTHER, AB_BTN_GENDER_OTHER, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_name_prompt(ab_lang lang, ab_msg_id problem, const char *typed, ab_ui_msg *out)
{
    char reason[512];
    int refused = problem != AB_MSG__COUNT;
    if (refused)
        snprintf(reason, sizeof reason, ab_msg(lang, problem), typed);
    ab_ui_begin(out, refused ? reason : NULL, "\n",
                ab_msg(lang, refused ? AB_MSG_NAME_AGAIN : AB_MSG_ENTER_NAME));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}
