/* The buttons of our screens and their callback_data: the one table both ends use (the ui
 * writes it on keyboards; fsm/event.c reads a press back as the event AB_EV_BTN_<id>).
 * Parsed strictly: anything that is not exactly one of these formats is no button. */
#ifndef AB_UI_BUTTONS_H
#define AB_UI_BUTTONS_H

#include <stdint.h>

/* X(id, callback_data or its prefix before ":<argument>", its argument: 0 none, 1 a number (a
 * page, an id), 2 a language, written as its catalogue's code ("lang:ru"), so a button stays
 * right when languages are added; read back as the language's index in this build) */
#define AB_BUTTONS(X)                                                                              \
    X(MAIN_MENU, "menu:main", 0)                                                                   \
    X(AVATAR_MENU, "av:menu", 0)                                                                   \
    X(HELP, "av:help", 0)                                                                          \
    X(CREATE, "av:new", 0)                                                                         \
    X(LIST, "av:list", 1)                                                                          \
    X(BACK, "nav:back", 0)                                                                         \
    X(TYPE_PORTRAIT, "tt:portrait", 0)                                                             \
    X(TYPE_STYLE, "tt:style", 0)                                                                   \
    X(COMPARE, "tt:compare", 0)                                                                    \
    X(TYPE_CONFIRM, "tt:ok", 0)                                                                    \
    X(AVTYPE_CHARACTER, "at:character", 0)                                                         \
    X(AVTYPE_STYLE, "at:style", 0)                                                                 \
    X(AVTYPE_PRODUCT, "at:product", 0)                                                             \
    X(AVTYPE_GENERAL, "at:general", 0)                                                             \
    X(GENDER_MALE, "g:male", 0)                                                                    \
    X(GENDER_FEMALE, "g:female", 0)                                                                \
    X(GENDER_OTHER, "g:other", 0)                                                                  \
    X(UPLOAD_ADD, "up:add", 0)                                                                     \
    X(UPLOAD_VIEW, "up:view", 0)                                                                   \
    X(UPLOAD_TIPS, "up:tips", 0)                                                                   \
    X(UPLOAD_SCREEN, "up:show", 0)                                                                 \
    X(UPLOAD_BACK, "up:back", 0)                                                                   \
    X(AVATAR_SHOW, "av:show", 1)                                                                   \
    X(AVATAR_UPLOAD, "av:upload", 1)                                                               \
    X(AVATAR_RENAME, "av:rename", 1)                                                               \
    X(AVATAR_DELETE, "av:del", 1)                                                                  \
    X(AVATAR_DELETE_OK, "av:delok", 1)                                                             \
    X(PHOTO_PAGE, "ph:page", 1)                                                                    \
    X(PHOTO_DELETE, "ph:del", 1)                                                                   \
    X(TRAIN_START, "tr:start", 1)                                                                  \
    X(TRAIN_GO, "tr:go", 1)                                                                        \
    X(TRAIN_CANCEL, "tr:cancel", 1)                                                                \
    X(LANGUAGE_MENU, "menu:lang", 0)                                                               \
    X(LANGUAGE, "lang", 2)                                                                         \
    X(GEN_START, "gen:new", 1)                                                                     \
    X(GEN_PRESET, "gen:p", 1)                                                                      \
    X(GEN_ASPECT, "gen:ar", 1)                                                                     \
    X(GEN_COUNT, "gen:n", 1)                                                                       \
    X(GEN_AGAIN, "gen:again", 1)                                                                   \
    X(GEN_FILES, "gen:files", 1)                                                                   \
    X(GEN_PICTURES, "gen:pics", 1)                                                                 \
    X(GEN_PICTURES_PAGE, "gen:pg", 1)                                                              \
    X(FORGET_OK, "forget:ok", 0)                                                                   \
    X(BALANCE, "bill:show", 0)                                                                     \
    X(BUY, "bill:buy", 1)                                                                          \
    X(PROMO, "bill:promo", 0)                                                                      \
    X(PRIVACY_OK, "priv:ok", 0)

typedef enum {
#define AB_BUTTON_ENUM(id, data, takes_arg) AB_BTN_##id,
    AB_BUTTONS(AB_BUTTON_ENUM)
#undef AB_BUTTON_ENUM
        AB_BTN__COUNT /* also: not one of our buttons */
} ab_button;

/** Writes the callback_data of a button into buf (64 bytes + NUL); arg used when it takes one. */
const char *ab_button_data(ab_button b, int64_t arg, char buf[65]);
/** Parses callback_data strictly: the button, *arg its number (or 0); AB_BTN__COUNT for
 *  anything unknown or malformed. */
ab_button ab_button_parse(const char *data, int64_t *arg);

#endif
