/* Commands and buttons → events. */
#include "fsm/event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm/messages.h"

typedef struct {
    const char *data; /* exact callback_data, or its prefix before ":<argument>" */
    ab_event event;
    int takes_arg; /* 0: none, 1: a number (page, id), ARG_LANGUAGE: a catalogue's code */
} button_def;

/* "lang:ru": the code names the language, so a button stays right when languages are added;
 * the event's argument is the language (an index into this build's catalogues). */
#define ARG_LANGUAGE 2

static const button_def BUTTONS[] = {
    {"menu:main", AB_EV_BTN_MAIN_MENU, 0},
    {"av:menu", AB_EV_BTN_AVATAR_MENU, 0},
    {"av:help", AB_EV_BTN_HELP, 0},
    {"av:new", AB_EV_BTN_CREATE, 0},
    {"av:list", AB_EV_BTN_LIST, 1},
    {"nav:back", AB_EV_BTN_BACK, 0},
    {"tt:portrait", AB_EV_BTN_TYPE_PORTRAIT, 0},
    {"tt:style", AB_EV_BTN_TYPE_STYLE, 0},
    {"tt:compare", AB_EV_BTN_COMPARE, 0},
    {"tt:ok", AB_EV_BTN_TYPE_CONFIRM, 0},
    {"g:male", AB_EV_BTN_GENDER_MALE, 0},
    {"g:female", AB_EV_BTN_GENDER_FEMALE, 0},
    {"g:other", AB_EV_BTN_GENDER_OTHER, 0},
    {"up:add", AB_EV_BTN_UPLOAD_ADD, 0},
    {"up:view", AB_EV_BTN_UPLOAD_VIEW, 0},
    {"up:tips", AB_EV_BTN_UPLOAD_TIPS, 0},
    {"up:show", AB_EV_BTN_UPLOAD_SCREEN, 0},
    {"up:back", AB_EV_BTN_UPLOAD_BACK, 0},
    {"av:show", AB_EV_BTN_AVATAR_SHOW, 1},
    {"av:upload", AB_EV_BTN_AVATAR_UPLOAD, 1},
    {"av:rename", AB_EV_BTN_AVATAR_RENAME, 1},
    {"av:del", AB_EV_BTN_AVATAR_DELETE, 1},
    {"av:delok", AB_EV_BTN_AVATAR_DELETE_OK, 1},
    {"ph:page", AB_EV_BTN_PHOTO_PAGE, 1},
    {"ph:del", AB_EV_BTN_PHOTO_DELETE, 1},
    {"tr:start", AB_EV_BTN_TRAIN_START, 1},
    {"tr:go", AB_EV_BTN_TRAIN_GO, 1},
    {"tr:cancel", AB_EV_BTN_TRAIN_CANCEL, 1},
    {"menu:lang", AB_EV_BTN_LANGUAGE_MENU, 0},
    {"lang", AB_EV_BTN_LANGUAGE, ARG_LANGUAGE},
};

static const struct {
    const char *command;
    ab_event event;
} COMMANDS[] = {
    {"/start", AB_EV_CMD_START},   {"/avatar", AB_EV_CMD_AVATAR},     {"/help", AB_EV_CMD_HELP},
    {"/cancel", AB_EV_CMD_CANCEL}, {"/language", AB_EV_CMD_LANGUAGE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A decimal argument: 1-18 digits, no sign, no leading zero unless "0". */
static int parse_arg(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n < 1 || n > 18 || (n > 1 && s[0] == '0'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    *out = strtoll(s, NULL, 10);
    return 1;
}

/* A language code this build has a catalogue for, exactly as its buttons spell it. */
static int parse_language(const char *s, int64_t *out)
{
    for (ab_lang l = 0; l < ab_lang_count(); l++)
        if (strcmp(s, ab_lang_code(l)) == 0) {
            *out = l;
            return 1;
        }
    return 0;
}

ab_event ab_event_from_callback(const char *data, int64_t *arg)
{
    *arg = 0;
    if (!data || strlen(data) > 64)
        return AB_EV_BTN_INVALID;
    for (size_t i = 0; i < COUNT(BUTTONS); i++) {
        size_t plen = strlen(BUTTONS[i].data);
        if (strncmp(data, BUTTONS[i].data, plen) != 0)
            continue;
        if (!BUTTONS[i].takes_arg && data[plen] == '\0')
            return BUTTONS[i].event;
        if (BUTTONS[i].takes_arg == 1 && data[plen] == ':' && parse_arg(data + plen + 1, arg))
            return BUTTONS[i].event;
        if (BUTTONS[i].takes_arg == ARG_LANGUAGE && data[plen] == ':' &&
            parse_language(data + plen + 1, arg))
            return BUTTONS[i].event;
    }
    *arg = 0;
    return AB_EV_BTN_INVALID;
}

const char *ab_event_callback_data(ab_event e, int64_t arg, char buf[65])
{
    for (size_t i = 0; i < COUNT(BUTTONS); i++) {
        if (BUTTONS[i].event != e)
            continue;
        if (BUTTONS[i].takes_arg == ARG_LANGUAGE)
            snprintf(buf, 65, "%s:%s", BUTTONS[i].data, ab_lang_code((ab_lang)arg));
        else if (BUTTONS[i].takes_arg)
            snprintf(buf, 65, "%s:%" PRId64, BUTTONS[i].data, arg);
        else
            snprintf(buf, 65, "%s", BUTTONS[i].data);
        return buf;
    }
    buf[0] = '\0';
    return buf;
}

ab_event ab_event_from_update(const ab_update *u, int64_t *arg)
{
    *arg = 0;
    switch (u->kind) {
    case AB_UPD_CALLBACK_QUERY:
        return ab_event_from_callback(u->callback_data, arg);
    case AB_UPD_MY_CHAT_MEMBER:
        if (u->member_status &&
            (strcmp(u->member_status, "kicked") == 0 || strcmp(u->member_status, "left") == 0))
            return AB_EV_BOT_BLOCKED;
        return u->member_status && strcmp(u->member_status, "member") == 0 ? AB_EV_BOT_UNBLOCKED
                                                                           : AB_EV_IGNORED;
    case AB_UPD_MESSAGE:
        if (u->command[0]) {
            for (size_t i = 0; i < COUNT(COMMANDS); i++)
                if (strcmp(u->command, COMMANDS[i].command) == 0)
                    return COMMANDS[i].event;
            return AB_EV_CMD_UNKNOWN;
        }
        if (u->has_photo)
            return AB_EV_PHOTO;
        if (u->has_document)
            return AB_EV_DOCUMENT;
        if (u->text)
            return AB_EV_TEXT;
        return AB_EV_OTHER_MESSAGE;
    default:
        return AB_EV_IGNORED; /* edited messages, polls, new kinds: acknowledged, not acted on */
    }
}
