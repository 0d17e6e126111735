/* Names of states and events. */
#include "fsm/state.h"

#include <string.h>

static const char *STATE_NAMES[] = {
#define AB_STATE_NAME(id, name) name,
    AB_STATES(AB_STATE_NAME)
#undef AB_STATE_NAME
};

static const char *EVENT_NAMES[] = {
#define AB_EVENT_NAME(id, name) name,
    AB_EVENTS(AB_EVENT_NAME)
#undef AB_EVENT_NAME
};

const char *ab_state_name(ab_state s)
{
    if (s == AB_ST_ANY)
        return "*";
    if (s == AB_ST_SAME)
        return "(same)";
    return (unsigned)s < AB_ST__COUNT ? STATE_NAMES[s] : "?";
}

bool ab_state_parse(const char *name, ab_state *out)
{
    for (int i = 0; i < AB_ST__COUNT; i++) {
        if (strcmp(STATE_NAMES[i], name) == 0) {
            *out = (ab_state)i;
            return true;
        }
    }
    return false;
}

const char *ab_event_name(ab_event e)
{
    return (unsigned)e < AB_EV__COUNT ? EVENT_NAMES[e] : "?";
}
