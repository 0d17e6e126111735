/* The end of an FSM step in one statement: the chat's new state, the step's Bot API calls and
 * its update marked done, written together (issue 19: one round trip where there were three). */
#ifndef AB_DB_STEP_FINISH_H
#define AB_DB_STEP_FINISH_H

#include <stdint.h>

#include "db/db.h"

/** In the step's transaction: stores the chat's new state (data_json NULL keeps its data, as
 *  ab_db_chat_save), queues calls_json (a JSON array as ab_db_outbox_insert takes, or NULL for
 *  none) in its order with source update_id, and marks update_id done (as
 *  ab_db_inbox_mark_done). */
ab_err ab_db_step_finish(ab_db *db, int64_t chat_id, const char *state_name, const char *data_json,
                         const char *calls_json, int64_t update_id);

#endif
