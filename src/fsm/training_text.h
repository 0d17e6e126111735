/* The training progress message and the keyboards of training messages. Both the FSM (when a
 * training starts) and the training jobs (progress, completion) write them, so they live in
 * one place and the user sees one consistent message whatever wrote it. */
#ifndef AB_FSM_TRAINING_TEXT_H
#define AB_FSM_TRAINING_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "fsm/messages.h"

/** "📊 65% · ⏱ about 4 min left": percent of a run and the minutes left (at least 1). */
void ab_training_progress_text(ab_lang lang, const char *name, int percent, int minutes_left,
                               char *out, size_t n);
/** A one-argument line of the progress message (AB_MSG_TRAINING_PREPARING, _WAITING,
 *  _DONE_LINE, _STOPPED_LINE). */
void ab_training_line(ab_lang lang, ab_msg_id msg, const char *name, char *out, size_t n);
/** "⏳ Waiting in the queue (position N)". */
void ab_training_queue_text(ab_lang lang, const char *name, int position, char *out, size_t n);
/** The progress message's keyboard: cancel. */
json_t *ab_training_kb_running(ab_lang lang, int64_t avatar_id);
/** The keyboard of a finished run: open the avatar, and train again when retry. */
json_t *ab_training_kb_finished(ab_lang lang, int64_t avatar_id, int retry);
/** Minutes left of a run estimated from its percent and the time it has taken so far, else
 *  from the type's expected duration. */
int ab_training_minutes_left(const ab_config *cfg, const char *training_type, int percent,
                             double running_s);

#endif
