/* Buttons' callback_data, written and parsed (see buttons.h). */
#include "ui/buttons.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/messages.h"

#define ARG_LANGUAGE 2

static const struct {
    const char *data;
    int takes_arg;
} BUTTONS[] = {
#define AB_BUTTON_ROW(id, data, takes_arg) [AB_BTN_##id] = {data, takes_arg},
    AB_BUTTONS(AB_BUTTON_ROW)
#undef AB_BUTTON_ROW
};

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

ab_button ab_button_parse(const char *data, int64_t *arg)
{
    *arg = 0;
    if (!data || strlen(data) > 64)
        return AB_BTN__COUNT;
    for (int i = 0; i < AB_BTN__COUNT; i++) {
        size_t plen = strlen(BUTTONS[i].data);
        if (strncmp(data, BUTTONS[i].data, plen) != 0)
            continue;
        if (!BUTTONS[i].takes_arg && data[plen] == '\0')
            return (ab_button)i;
        if (BUTTONS[i].takes_arg == 1 && data[plen] == ':' && parse_arg(data + plen + 1, arg))
            return (ab_button)i;
        if (BUTTONS[i].takes_arg == ARG_LANGUAGE && data[plen] == ':' &&
            parse_language(data + plen + 1, arg))
            return (ab_button)i;
    }
    *arg = 0;
    return AB_BTN__COUNT;
}

const char *ab_button_data(ab_button b, int64_t arg, char buf[65])
{
    if ((unsigned)b >= AB_BTN__COUNT)
        buf[0] = '\0';
    else if (BUTTONS[b].takes_arg == ARG_LANGUAGE)
        snprintf(buf, 65, "%s:%s", BUTTONS[b].data, ab_lang_code((ab_lang)arg));
    else if (BUTTONS[b].takes_arg)
        snprintf(buf, 65, "%s:%" PRId64, BUTTONS[b].data, arg);
    else
        snprintf(buf, 65, "%s", BUTTONS[b].data);
    return buf;
}
