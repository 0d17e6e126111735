/* Commands and buttons → events (buttons' callback_data: ui/buttons.h). */
#include "fsm/event.h"

#include <string.h>

#include "ui/buttons.h"

/* A press of our button AB_BTN_<id> is the event AB_EV_BTN_<id>. */
static const ab_event BUTTON_EVENTS[] = {
#define AB_BUTTON_EVENT(id, data, takes_arg) [AB_BTN_##id] = AB_EV_BTN_##id,
    AB_BUTTONS(AB_BUTTON_EVENT)
#undef AB_BUTTON_EVENT
};

static const struct {
    const char *command;
    ab_event event;
} COMMANDS[] = {
    {"/start", AB_EV_CMD_START},
    {"/avatar", AB_EV_CMD_AVATAR},
    {"/help", AB_EV_CMD_HELP},
    {"/cancel", AB_EV_CMD_CANCEL},
    {"/language", AB_EV_CMD_LANGUAGE},
    {"/forget", AB_EV_CMD_FORGET},
    /* credits (answered as unknown commands with BILLING=off) */
    {"/balance", AB_EV_CMD_BALANCE},
    {"/terms", AB_EV_CMD_TERMS},
    {"/paysupport", AB_EV_CMD_PAYSUPPORT},
    {"/promo", AB_EV_CMD_PROMO},
    {"/privacy", AB_EV_CMD_PRIVACY},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

ab_event ab_event_from_callback(const char *data, int64_t *arg)
{
    ab_button b = ab_button_parse(data, arg);
    return b == AB_BTN__COUNT ? AB_EV_BTN_INVALID : BUTTON_EVENTS[b];
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
        if (u->payment.charge_id)
            return AB_EV_PAYMENT; /* Telegram's service message: a payment in Stars went through */
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
