/* The end of a round's FSM steps in one statement: each chat's new state, each step's Bot API
 * calls and each update marked done, written together (issue 19: one round trip per round
 * where there were three per step). */
#ifndef AB_DB_STEP_FINISH_H
#define AB_DB_STEP_FINISH_H

#include "db/db.h"

/** In the round's transaction. steps_json is an array, one object per step:
 *  {"update_id": marked done; "chat_id", "state": the chat's new state (no "state": leave the
 *  chat as it is); "data": its new data (absent: keep it); "calls": an array as
 *  ab_db_outbox_insert takes, queued in order with source update_id}. */
ab_err ab_db_steps_finish(ab_db *db, const char *steps_json);

#endif
