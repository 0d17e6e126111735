/* The menus (see menus.h). */
#include "ui/menus.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

void ab_ui_main_menu(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_main_menu_with(lang, false, out);
}

void ab_ui_main_menu_with(ab_lang lang, bool balance, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_MAIN_MENU));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_AVATARS, AB_BTN_AVATAR_MENU, 0, 0);
    if (balance)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_BALANCE, AB_BTN_BALANCE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_HELP, AB_BTN_HELP, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_LANGUAGE, AB_BTN_LANGUAGE_MENU, 0, 0);
}

void ab_ui_language(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_CHOOSE_LANGUAGE));
    char label[128];
    for (ab_lang l = 0; l < ab_lang_count(); l++) {
        snprintf(label, sizeof label, "%s%s", l == lang ? "✅ " : "", ab_lang_name(l));
        ab_ui_button_label(out->kb, label, AB_BTN_LANGUAGE, l, 0);
    }
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK_MAIN, AB_BTN_MAIN_MENU, 0, 0);
}

void ab_ui_help(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_HELP));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_CREATE, AB_BTN_CREATE, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_MENU, 0, 0);
}

void ab_ui_avatar_menu(ab_lang lang, int avatars, const char *prefix, ab_ui_msg *out)
{
    char body[1024], mine[128];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_AVATAR_MENU), avatars);
    ab_ui_begin(out, prefix, "\n\n", body);
    snprintf(mine, sizeof mine, ab_msg(lang, AB_MSG_BTN_MY_AVATARS), avatars);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_CREATE, AB_BTN_CREATE, 0, 0);
    ab_ui_button_label(out->kb, mine, AB_BTN_LIST, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_HELP, AB_BTN_HELP, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK_MAIN, AB_BTN_MAIN_MENU, 0, 0);
}

void ab_ui_privacy(ab_lang lang, int photo_days, int asking, ab_ui_msg *out)
{
    char body[AB_UI_TEXT_MAX];
    snprintf(body, sizeof body, ab_msgn(lang, AB_MSG_PRIVACY, (unsigned long)photo_days),
             photo_days);
    if (!asking) {
        size_t used = strlen(body);
        snprintf(body + used, sizeof body - used, "\n\n%s", ab_msg(lang, AB_MSG_PRIVACY_AGREED));
    }
    ab_ui_begin(out, NULL, NULL, body);
    if (asking)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_PRIVACY_OK, AB_BTN_PRIVACY_OK, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK_MAIN, AB_BTN_MAIN_MENU, 0, 0);
}

void ab_ui_forget_confirm(ab_lang lang, ab_ui_msg *out)
{
    ab_ui_begin(out, NULL, NULL, ab_msg(lang, AB_MSG_FORGET_CONFIRM));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_FORGET_OK, AB_BTN_FORGET_OK, 0, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_DELETE_NO, AB_BTN_MAIN_MENU, 0, 0);
}
