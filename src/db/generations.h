/* Generations (migration 0015): a generations row says what the user asked for and what came
 * back; its FAL request is a fal_requests row of kind 'generation' that goes through the same
 * submit-once attempts as a training (db/fal_submit.h). As with trainings, every change that
 * ends one is conditional on it still being open, so a duplicate webhook, a poll racing a
 * webhook, or a retry ends it once. */
#ifndef AB_DB_GENERATIONS_H
#define AB_DB_GENERATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/avatar.h"
#include "core/generation.h"
#include "db/db.h"

/* What starting one needs (from the step). */
typedef struct {
    int64_t user_id, chat_id, avatar_id;
    const char *mode, *app_id, *language;
    const char *preset; /* NULL for the user's own prompt */
    const char *prompt, *aspect;
    int count;
    int64_t seed;
} ab_generation_start;

/**
 * Opens the generation and its run ('preparing', placeholder request id) with a status message
 * registered for the progress edits (*batch_id, a photo_batches row, as trainings do), in the
 * caller's transaction. AB_ERR_CONFLICT when the user has a generation running (the database's
 * one-per-user index).
 */
ab_err ab_db_generation_start(ab_db *db, const ab_generation_start *in, int64_t *generation_id,
                              int64_t *batch_id);

/* A generation and its run, as the jobs need them. */
typedef struct {
    int64_t id, user_id, avatar_id, chat_id, batch_id;
    char status[12]; /* running | delivered | failed | cancelled */
    char request_id[128];
    char run_status[16]; /* the run's (db/fal_submit.h), "" when it has none any more */
    char mode[10], app_id[96], language[12];
    char status_url[1024], response_url[1024], cancel_url[1024];
    char nonce[40];
    double submitting_s, reconcile_left_s, opened_s;
    double elapsed_s;    /* since it was asked for */
    double since_edit_s; /* since the last status edit; -1 when none */
    char progress_text[1024];
    int unseen_attempts;
    char preset[24], prompt[2048], aspect[8];
    int count;
    int64_t seed;
    char avatar_name[161], gender[8], trigger[32];
    char lora_url[1024], finetune_id[160]; /* the avatar's model ("" when none) */
} ab_generation;

/** By id; AB_ERR_NOT_FOUND when it does not exist (deleted with its avatar). */
ab_err ab_db_generation_load(ab_db *db, int64_t id, ab_generation *out);
/** By its run's request id; AB_ERR_NOT_FOUND when unknown. */
ab_err ab_db_generation_by_request(ab_db *db, const char *request_id, ab_generation *out);
/** Records the run's progress (status in_queue | in_progress) and, when text is not NULL, that
 *  the status message now says text (the caller queues the edit). */
ab_err ab_db_generation_progress(ab_db *db, const ab_generation *g, const char *run_status,
                                 const char *text);

/* How one ended. */
typedef struct {
    const char *run_status;  /* completed | error | cancelled */
    const char *status;      /* delivered | failed | cancelled */
    const char *result_json; /* FAL's output, may be NULL */
    const char *images_json; /* [{url, width, height, nsfw, key}], may be NULL */
    const char *error;       /* may be NULL */
} ab_generation_end;
/** Ends g and its run if still running (*ended), in the caller's transaction. */
ab_err ab_db_generation_finish(ab_db *db, const ab_generation *g, const ab_generation_end *end,
                               bool *ended);

/** The user's generation id as the conversation shows it (keys of the pictures shown);
 *  AB_ERR_NOT_FOUND when there is none of that id that is the user's. */
ab_err ab_db_generation_view(ab_db *db, int64_t user_id, int64_t id, ab_generation_view *out);
/** Whether the user has a generation running, and how many pictures were asked for today (UTC,
 *  failed ones not counted). */
ab_err ab_db_generation_usage(ab_db *db, int64_t user_id, bool *running, int *images_today);

/** Page page of the pictures delivered with the user's avatar, newest first: their file_ids
 *  into out (AB_PICTURES_PAGE at most), *total all of them. */
ab_err ab_db_generation_pictures(ab_db *db, int64_t user_id, int64_t avatar_id, int page,
                                 ab_photo *out, int *n, int *total);

#endif
