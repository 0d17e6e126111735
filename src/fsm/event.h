/* Turning an update into an FSM event. Buttons' callback_data is parsed strictly against one
 * table: anything that is not exactly one of our formats becomes AB_EV_BTN_INVALID. */
#ifndef AB_FSM_EVENT_H
#define AB_FSM_EVENT_H

#include <stdint.h>

#include "fsm/state.h"
#include "telegram/update.h"

/** The event an update carries; *arg gets a button's numeric argument (page, id) or 0. */
ab_event ab_event_from_update(const ab_update *upd, int64_t *arg);
/** Parses callback_data strictly; AB_EV_BTN_INVALID for anything unknown or malformed. */
ab_event ab_event_from_callback(const char *data, int64_t *arg);
/** Writes the callback_data of a button into buf (64 bytes + NUL); arg used when it takes one. */
const char *ab_event_callback_data(ab_event e, int64_t arg, char buf[65]);

#endif
