/* Training messages: the confirmation before a start, why one cannot start, the one progress
 * message the jobs keep editing (and its keyboard), and the message that ends a run. The FSM
 * (a start) and the training jobs (progress, the end) both write them, so the user sees one
 * consistent message whatever wrote it. */
#ifndef AB_UI_TRAINING_H
#define AB_UI_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include "core/avatar.h"
#include "ui/ui.h"

/** How a run ends. */
typedef enum {
    AB_RUN_COMPLETED, /* FAL's output holds the model */
    AB_RUN_FAILED,    /* FAL ran it and it failed: avatar 'error', a retry button */
    AB_RUN_CANCELLED, /* the user cancelled it */
    AB_RUN_REFUSED,   /* FAL never accepted it (refused or unreachable): avatar back to 'ready' */
} ab_run_end;

/** "Train a?": type, photos, the expected lo–hi minutes; start / back. */
void ab_ui_training_confirm(ab_lang lang, const ab_avatar *a, int lo, int hi, ab_ui_msg *out);
/** Why a training cannot start, a line above the avatar's details: why is
 *  AB_MSG_TRAINING_BUSY (name: the avatar that is training), AB_MSG_TRAINING_NOT_STARTABLE, or
 *  AB_MSG_TRAINING_NEED_PHOTOS (name and its photos). */
void ab_ui_training_refusal(ab_lang lang, ab_msg_id why, const char *name, int photos, char *out,
                            size_t n);
/** The progress line "📊 65% · ⏱ about 4 min left" (at least 1 minute is shown). */
void ab_ui_training_progress(ab_lang lang, const char *name, int percent, int minutes_left,
                             char *out, size_t n);
/** "⏳ Waiting in the queue (position N)" (at least 1). */
void ab_ui_training_queued(ab_lang lang, const char *name, int position, char *out, size_t n);
/** The progress message's keyboard: cancel. */
json_t *ab_ui_training_kb_running(ab_lang lang, int64_t avatar_id);
/** The message that ends a run of the avatar named name: reason (AB_MSG_REASON_FAL_*) says why
 *  it failed or was refused; the keyboard opens the avatar, and offers a retry unless it
 *  completed. */
void ab_ui_training_end(ab_lang lang, ab_run_end how, const char *name, ab_msg_id reason,
                        int64_t avatar_id, ab_ui_msg *out);

#endif
