/* What an FSM handler decides: the next state and its data, the Bot API calls to make, and the
 * typed effects (data changes, jobs) the step runner applies. Handlers only fill this in; the
 * step runner writes it all in one transaction, applying each effect through one table
 * (src/workers/effects_apply.c: a row per kind). Adding an effect is adding a kind and its
 * struct here, a constructor, and a row there. */
#ifndef AB_FSM_EFFECTS_H
#define AB_FSM_EFFECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/job_kind.h"
#include "fsm/state.h"

typedef enum {
    AB_FX_AVATAR_CREATE,    /* a new avatar; its id goes into the chat data under bind */
    AB_FX_AVATAR_RENAME,    /* an avatar gets a new name */
    AB_FX_AVATAR_DELETE,    /* an avatar goes, its stored objects after it (a job) */
    AB_FX_PHOTO_CREATE,     /* a received photo: its row, its batch, the job that checks it */
    AB_FX_PHOTO_DELETE,     /* an accepted photo goes, its stored object after it (a job) */
    AB_FX_TRAINING_START,   /* a training run opens and its submit job is queued */
    AB_FX_GENERATION_START, /* a generation opens and its job is queued */
    AB_FX_JOB,              /* a job of any kind, queued as it is */
    AB_FX_PROMO_REDEEM,     /* a promo code redeemed: its use and its credits */
    AB_FX__COUNT
} ab_fx_kind;

/* Strings in effects are owned by the ab_effects they are in. */
typedef struct {
    const char *name, *gender, *training_type;
    const char *avatar_type; /* what it depicts: the style trainer's mode (NULL: character) */
    const char *bind;        /* the chat data key that gets the new id (NULL: none) */
} ab_fx_avatar_create;

typedef struct {
    int64_t avatar_id;
    const char *name;
} ab_fx_avatar_rename;

typedef struct {
    int64_t avatar_id;
} ab_fx_avatar_delete;

typedef struct {
    int64_t avatar_id;
    const char *file_id, *file_unique_id, *mime_type, *media_group_id;
    int64_t file_size;
    int width, height;
    const char *status_text; /* sent when the photo opens a new batch */
} ab_fx_photo_create;

typedef struct {
    int64_t photo_id;
} ab_fx_photo_delete;

typedef struct {
    int64_t avatar_id;
    const char *training_type;
    int64_t message_id; /* the pressed message, which becomes the progress message (0: none) */
    int price;          /* credits spent on it in the same transaction (0: free) */
} ab_fx_training_start;

typedef struct {
    int64_t avatar_id;
    int model_kind;     /* the avatar's (core/avatar.h): which app makes its pictures */
    const char *preset; /* the preset's stored name, NULL for an own description */
    const char *prompt, *aspect;
    int count;
    int64_t message_id;      /* the pressed message, which becomes the status message; 0: the
                              * status is sent as a new message */
    const char *status_text; /* what the status message says at first */
    int price;               /* credits spent on it in the same transaction (0: free) */
} ab_fx_generation_start;

typedef struct {
    ab_job_kind kind;
    int64_t avatar_id;
    json_t *payload; /* owned */
} ab_fx_job;

typedef struct {
    const char *code; /* upper-cased, checked redeemable by the step runner */
} ab_fx_promo_redeem;

typedef struct {
    ab_fx_kind kind;
    union {
        ab_fx_avatar_create avatar_create;
        ab_fx_avatar_rename avatar_rename;
        ab_fx_avatar_delete avatar_delete;
        ab_fx_photo_create photo_create;
        ab_fx_photo_delete photo_delete;
        ab_fx_training_start training_start;
        ab_fx_generation_start generation_start;
        ab_fx_job job;
        ab_fx_promo_redeem promo_redeem;
    } u;
} ab_effect;

typedef struct {
    ab_state next;      /* AB_ST_SAME keeps the table's choice */
    json_t *data;       /* new chat data (owned), or NULL to keep it */
    json_t *calls;      /* [{"method": m, "chat_id": c, "payload": {...}}] in order: the wire */
    ab_effect *effects; /* applied in order by the step runner */
    size_t n_effects, cap_effects;
    char **strings; /* copies the effects point into */
    size_t n_strings, cap_strings;
    bool user_blocked; /* the user blocked the bot */
    bool user_unblocked;
    const char *user_language; /* a language the user picked (a catalogue's code), or NULL */
    bool privacy_accepted;     /* the user agreed to the privacy notice */
    /* a paid action refused, as metric labels (a static string): reason="balance|daily_cap",
     * kind="training|images"; NULL when none was */
    const char *refusal;
} ab_effects;

void ab_fx_init(ab_effects *fx);
void ab_fx_free(ab_effects *fx);
/** Queues a Bot API call to chat_id; payload is stolen. */
ab_err ab_fx_call(ab_effects *fx, int64_t chat_id, const char *method, json_t *payload);
/** Queues sendMessage; markup (may be NULL) is stolen. */
ab_err ab_fx_send(ab_effects *fx, int64_t chat_id, const char *text, json_t *markup);
/** Queues editMessageText of message_id; markup (may be NULL) is stolen. */
ab_err ab_fx_edit(ab_effects *fx, int64_t chat_id, int64_t message_id, const char *text,
                  json_t *markup);
/** Queues answerCallbackQuery (text may be NULL). */
ab_err ab_fx_answer(ab_effects *fx, int64_t chat_id, const char *callback_id, const char *text);

/* Typed effects: each copies its strings. */
ab_err ab_fx_avatar_create_add(ab_effects *fx, const ab_fx_avatar_create *e);
ab_err ab_fx_avatar_rename_add(ab_effects *fx, int64_t avatar_id, const char *name);
ab_err ab_fx_avatar_delete_add(ab_effects *fx, int64_t avatar_id);
ab_err ab_fx_photo_create_add(ab_effects *fx, const ab_fx_photo_create *e);
ab_err ab_fx_photo_delete_add(ab_effects *fx, int64_t photo_id);
ab_err ab_fx_training_start_add(ab_effects *fx, const ab_fx_training_start *e);
ab_err ab_fx_generation_start_add(ab_effects *fx, const ab_fx_generation_start *e);
ab_err ab_fx_promo_redeem_add(ab_effects *fx, const char *code);
/** Queues a job of kind for avatar_id with a payload (stolen, may be NULL). */
ab_err ab_fx_job_add(ab_effects *fx, ab_job_kind kind, int64_t avatar_id, json_t *payload);
/** The first effect of kind, or NULL (for tests and logs). */
const ab_effect *ab_fx_find(const ab_effects *fx, ab_fx_kind kind);
/** Sets the next state explicitly (overrides the table's target). */
void ab_fx_goto(ab_effects *fx, ab_state next);

#endif
