/* Turning an update into an FSM event. Buttons' callback_data is parsed strictly against the
 * ui's table (ui/buttons.h): anything that is not exactly one of our formats becomes
 * AB_EV_BTN_INVALID. */
#ifndef AB_FSM_EVENT_H
#define AB_FSM_EVENT_H

#include <stdint.h>

#include "fsm/state.h"
#include "telegram/wire_update.h"

/** The event an update carries; *arg gets a button's numeric argument (page, id) or 0. */
ab_event ab_event_from_update(const ab_update *upd, int64_t *arg);
/** Parses callback_data strictly; AB_EV_BTN_INVALID for anything unknown or malformed. */
ab_event ab_event_from_callback(const char *data, int64_t *arg);

#endif
