/* Training runs (fal_requests rows, migrations 0002 and 0006) and the avatar columns they
 * drive. Every change that ends a run is conditional on the run still being open, so a
 * duplicate webhook, a poll racing a webhook, or a cancel racing a completion ends it once. */
#ifndef AB_DB_TRAINING_H
#define AB_DB_TRAINING_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct {
    char request_id[128];
    char status[16]; /* preparing | submitting | reconciling (db/fal_submit.h) | submitted |
                      * in_queue | in_progress | cancelling (asked FAL to stop it, not ended
                      * until FAL says so: migration 0012) | completed | error | cancelled */
    char mode[10];   /* live | simulate */
    char app_id[96];
    int64_t avatar_id, user_id, chat_id, batch_id;
    char language[12];
    char training_type[12];
    char status_url[1024], response_url[1024], cancel_url[1024];
    int progress;
    char progress_text[1024];
    double since_edit_s; /* since the last progress edit; -1 when none yet */
    double elapsed_s;    /* since the run started */
    double running_s;    /* since FAL reported IN_PROGRESS; -1 when not yet */
    char avatar_status[12], avatar_name[161], avatar_type[12], trigger[32];
    char nonce[40];          /* the current submit attempt's, "" when none */
    double submitting_s;     /* since that attempt was recorded; -1 when none */
    double reconcile_left_s; /* 'reconciling': until a new attempt may be made (<= 0: due) */
    double opened_s;         /* since the press that opened the run */
    /* attempts besides the adopted one that FAL may have taken and whose request has not
     * shown up as an extra yet (a submitted run; see db/fal_submit.h) */
    int unseen_attempts;
    char cancel_reason[12]; /* 'cancelling': user | time_limit; else "" */
} ab_training;

/** What starting a training needs (from the FSM step). */
typedef struct {
    int64_t user_id, chat_id, avatar_id;
    const char *mode, *app_id, *trigger, *language, *training_type;
} ab_training_start;

/**
 * The avatar (ready, or error/cancelled for a retry, with ≥ 10 photos) goes to 'training', a
 * run row is opened and a status message registered (*batch_id) for the progress message.
 * AB_ERR_CONFLICT when the avatar is not in a startable state any more or another avatar of
 * the user is training (the database's one-training index).
 */
ab_err ab_db_training_start(ab_db *db, const ab_training_start *in, int64_t *batch_id);
/** The avatar's open run; AB_ERR_NOT_FOUND when none. */
ab_err ab_db_training_open(ab_db *db, int64_t avatar_id, ab_training *out);
/** A run by FAL's request id; AB_ERR_NOT_FOUND when unknown. */
ab_err ab_db_training_by_request(ab_db *db, const char *request_id, ab_training *out);
/** Storage keys of the avatar's valid photos, oldest first (free with ab_db_strings_free). */
ab_err ab_db_training_photo_keys(ab_db *db, int64_t avatar_id, char ***keys, size_t *n);
/** Records progress (status in_queue | in_progress, percent) and, when text is not NULL, that
 *  the progress message now says text (the caller queues the edit). */
ab_err ab_db_training_progress(ab_db *db, const ab_training *t, const char *status, int percent,
                               const char *text);
/** How a run ended. */
typedef struct {
    const char *run_status;    /* completed | error | cancelled */
    const char *avatar_status; /* completed | error | cancelled | ready (FAL never accepted it) */
    const char *result_json;   /* FAL's output, may be NULL */
    const char *error;         /* may be NULL */
    const char *lora_url, *finetune_id; /* the result, may be NULL */
    const char *only_from;              /* when not NULL, only a run in this status is ended */
} ab_training_end;
/** Ends the run if it is still open (*ended true) and moves the avatar; *ended false when it
 *  had already ended (a duplicate). */
ab_err ab_db_training_finish(ab_db *db, const char *request_id, const ab_training_end *end,
                             bool *ended);
/** A submitted run FAL is asked to stop moves to 'cancelling' (reason user | time_limit) and
 *  stays open until FAL reports the request ended; *moved false when it was not submitted and
 *  open (already cancelling, ended, or not at FAL yet). */
ab_err ab_db_training_cancelling(ab_db *db, const char *request_id, const char *reason,
                                 bool *moved);

#endif
