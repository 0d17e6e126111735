/* Language choice and catalogue lookup. */
#include "ui/messages.h"

#include <ctype.h>

static const char *const MSG_NAMES[] = {
#define AB_MSG_NAME(id) #id,
    AB_MESSAGES(AB_MSG_NAME)
#undef AB_MSG_NAME
};

ab_lang ab_lang_from_code(const char *code)
{
    if (code && tolower((unsigned char)code[0]) == 'e' && tolower((unsigned char)code[1]) == 'n')
        return AB_LANG_EN;
    return AB_LANG_RU;
}

const char *ab_msg(ab_lang lang, ab_msg_id id)
{
    if ((unsigned)id >= AB_MSG__COUNT)
        return "";
    const char *text = lang == AB_LANG_EN ? ab_messages_en[id] : ab_messages_ru[id];
    return text ? text : ab_messages_ru[id] ? ab_messages_ru[id] : "";
}

const char *ab_msg_name(ab_msg_id id)
{
    return (unsigned)id < AB_MSG__COUNT ? MSG_NAMES[id] : "?";
}
