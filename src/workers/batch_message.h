/* The status message of a photo batch, which later also carries the training's progress: its
 * edits are queued from here, as editMessageText payloads built by telegram's wire code from
 * what the ui says (the message's id is filled in by the sender once it is known). */
#ifndef AB_WORKERS_BATCH_MESSAGE_H
#define AB_WORKERS_BATCH_MESSAGE_H

#include <jansson.h>
#include <stdint.h>

#include "db/db.h"

/** Queues (or replaces the waiting) edit of batch_id's message to text and kb (stolen; may be
 *  NULL: no keyboard). */
ab_err ab_batch_message_edit(ab_db *db, int64_t batch_id, int64_t chat_id, const char *text,
                             json_t *kb);

/** Queues a new message (text and kb, stolen; may be NULL) to chat_id, as jobs tell users how
 *  something ended (in the caller's transaction). */
ab_err ab_job_message_send(ab_db *db, int64_t chat_id, const char *text, json_t *kb);

#endif
