/* The FSM: the context a handler sees, the transition table (state × event → handler → next
 * state) and the function that runs one step. Handlers are pure: they read the context and
 * fill in effects; they never touch the database or the network. */
#ifndef AB_FSM_FSM_H
#define AB_FSM_FSM_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "core/avatar.h"
#include "core/billing.h"
#include "core/generation.h"
#include "fsm/effects.h"
#include "ui/ui.h"
#include "fsm/state.h"
#include "telegram/wire_update.h"

typedef struct {
    const ab_update *upd;
    ab_event event;
    int64_t arg;        /* the button's argument */
    ab_state state;     /* current state */
    const json_t *data; /* current state data (borrowed) */
    ab_lang lang;
    int64_t chat_id;
    int64_t user_id;
    int avatars_count;        /* the user's avatars */
    bool privacy_accepted;    /* the user agreed to the privacy notice (before the first upload) */
    const ab_avatar *avatars; /* all of them, oldest first (at most AB_MAX_AVATARS) */
    const ab_photo *photos;   /* accepted photos of the avatar being uploaded to (upload screens) */
    int photos_count;
    /* loaded for the generation buttons only: the pressed button's generation when it is the
     * caller's (else NULL), whether the user has one running, pictures asked for today (UTC) */
    const ab_generation_view *generation;
    int gen_running;
    int gen_images_today;
    /* "My pictures" (loaded for its buttons): a page of the avatar's pictures, and how many
     * it has in all */
    const ab_photo *pictures;
    int pictures_count, pictures_total;
    /* credits (BILLING=stars): the balance screen's data, loaded for its events and state; and
     * what the step did with a successful_payment before the handler runs (credited once per
     * charge; a repeated delivery has credited false) */
    const ab_billing_view *billing;
    /* FAL work started today by all users (loaded for the paid buttons when FAL_DAILY_*_MAX
     * are set) */
    int fal_trainings_today, fal_images_today;
    /* a promo code the user sent (/promo CODE, or the text on its screen) and what redeeming
     * it would do now (BILLING=stars; status AB_PROMO_NONE when none was sent) */
    ab_promo_check promo;
    struct {
        bool matched, credited;
        int credits;
        int64_t balance;
    } payment;
} ab_fsm_ctx;

typedef ab_err (*ab_fsm_handler)(const ab_fsm_ctx *ctx, ab_effects *fx);

typedef struct {
    ab_state from; /* or AB_ST_ANY */
    ab_event event;
    ab_fsm_handler handler;
    const char *handler_name;
    ab_state to; /* or AB_ST_SAME */
} ab_transition;

extern const ab_transition ab_fsm_table[];
extern const size_t ab_fsm_table_len;

/** The row for (state, event): an exact row first, then an AB_ST_ANY row, else NULL. */
const ab_transition *ab_fsm_lookup(ab_state state, ab_event event);
/** Runs one step: looks up the row (or the fallback for unexpected input), calls its handler
 *  and sets fx->next. */
ab_err ab_fsm_step(const ab_fsm_ctx *ctx, ab_effects *fx);
/** Prints the table as a Mermaid state diagram. */
void ab_fsm_print_mermaid(FILE *out);

/* Handlers (menu.c and friends). */
ab_err ab_h_start(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_main_menu(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_help(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_create(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gallery(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_cancel(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_unknown_command(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_unexpected(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_stale_button(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_blocked(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_unblocked(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_ignore(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_language_menu(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_language_chosen(const ab_fsm_ctx *ctx, ab_effects *fx);

/* Handlers of the avatar conversation (create.c, gallery.c, upload.c). */
ab_err ab_h_type_chosen(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_compare(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_type_back(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_choose_gender(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_type_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_avatar_type_chosen(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gender_back(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gender_chosen(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_name_entered(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_details(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_upload_back(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_continue_upload(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_upload_screen(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_upload_add(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_upload_view(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_upload_tips(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_photo_received(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_photo_page(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_photo_delete(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_rename_start(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_rename_entered(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_delete_start(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_delete_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx);

/* Training (training.c). */
ab_err ab_h_train_confirm(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_train_go(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_train_cancel(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_screen_confirm_training(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                                  int edit);
/* Generation (generate.c). */
ab_err ab_h_gen_start(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_preset(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_text(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_aspect(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_back_to_aspect(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_count(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_again(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_files(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_gen_pictures(const ab_fsm_ctx *ctx, ab_effects *fx);
/* /forget (forget.c). */
ab_err ab_h_forget(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_forget_confirmed(const ab_fsm_ctx *ctx, ab_effects *fx);
/* The privacy notice (privacy.c): shown before the first upload and by /privacy. */
ab_err ab_h_privacy(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_privacy_ok(const ab_fsm_ctx *ctx, ab_effects *fx);
/** A photo or file sent while the notice waits for an answer: the notice again (once per
 *  album). */
ab_err ab_h_privacy_photo(const ab_fsm_ctx *ctx, ab_effects *fx);
/** Whether a photo for avatar_id may be taken (the user agreed); if not, the notice is sent
 *  instead, once per album. */
bool ab_fsm_privacy_photo(const ab_fsm_ctx *ctx, ab_effects *fx, int64_t avatar_id, ab_err *err);
/** The notice in place of what needs the consent (resume: the chat data to come back with,
 *  stolen; {"resume": "create"} or {"resume": "upload", "avatar_id": N}). */
ab_err ab_screen_privacy(const ab_fsm_ctx *ctx, ab_effects *fx, json_t *resume, int edit);
/** The style / own description screen of a (the chat data becomes {avatar_id}). */
ab_err ab_screen_gen_prompt(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a, int edit);
/* Credits (billing.c). */
ab_err ab_h_balance(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_buy(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_payment(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_terms(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_h_promo(const ab_fsm_ctx *ctx, ab_effects *fx);
/** The balance screen (BILLING=stars, ctx->billing loaded). */
ab_err ab_screen_balance(const ab_fsm_ctx *ctx, ab_effects *fx, int edit);
/* Paid actions: trainings and pictures. */
typedef enum { AB_PAID_TRAINING, AB_PAID_IMAGES } ab_paid;
/** Credits n of what cost (0 with BILLING=off). */
int ab_fsm_price(ab_paid what, int n);
/** Whether today's FAL ceiling (FAL_DAILY_*_MAX) has room for n of what; if not, the user is
 *  told calmly and stays where they are. */
bool ab_fsm_studio_open(const ab_fsm_ctx *ctx, ab_effects *fx, ab_paid what, int n, ab_err *err);
/** Whether the balance covers price (always with BILLING=off); if not, the pressed message
 *  becomes the top-up screen and resume (stolen) the chat data to come back with after paying
 *  or with Back ({"resume": "train"|"gen", ...}). */
bool ab_fsm_can_pay(const ab_fsm_ctx *ctx, ab_effects *fx, ab_paid what, int price, json_t *resume,
                    ab_err *err);
/** Appends the price of what and the balance to a paid screen (nothing with BILLING=off). */
void ab_fsm_price_note(const ab_fsm_ctx *ctx, ab_paid what, ab_ui_msg *m);
/** Back from the top-up screen, or after a payment there: the paid screen it interrupted. */
ab_err ab_h_topup_back(const ab_fsm_ctx *ctx, ab_effects *fx);
ab_err ab_fsm_resume_paid(const ab_fsm_ctx *ctx, ab_effects *fx, int edit);
/** The pictures' count screen for the chat data's description and aspect. */
ab_err ab_screen_gen_count(const ab_fsm_ctx *ctx, ab_effects *fx, const char *aspect, int edit);
struct ab_config;
/** The training settings: the expected durations handlers show, the FAL mode and trainers the
 *  step runner applies a training start with. Set once at start-up, NULL (defaults, simulated)
 *  until then. */
void ab_fsm_configure(const struct ab_config *cfg);
const struct ab_config *ab_fsm_config(void);

/* Screens shared between handler files (screens.c; what they say comes from src/ui). prefix
 * (may be NULL) is a line shown above the screen, e.g. a validation error or a confirmation.
 * edit: replace the message holding the pressed button rather than send a new one. */
/** Shows m (its keyboard is handed on). */
ab_err ab_screen_show(const ab_fsm_ctx *ctx, ab_effects *fx, ab_ui_msg *m, int edit);
ab_err ab_screen_avatar_menu(const ab_fsm_ctx *ctx, ab_effects *fx, const char *prefix, int edit);
ab_err ab_screen_choose_type(const ab_fsm_ctx *ctx, ab_effects *fx, int edit);
ab_err ab_screen_gallery(const ab_fsm_ctx *ctx, ab_effects *fx, int page, const char *prefix,
                         int edit);
ab_err ab_screen_details(const ab_fsm_ctx *ctx, ab_effects *fx, const ab_avatar *a,
                         const char *prefix, int edit);
ab_err ab_screen_upload(const ab_fsm_ctx *ctx, ab_effects *fx, const char *name, int photos,
                        const char *prefix, int edit);
/** The caller's avatar with this id, or NULL (forged or stale id: never another user's). */
const ab_avatar *ab_fsm_find_avatar(const ab_fsm_ctx *ctx, int64_t id);
/** The avatar the pressed button names (ctx->arg), or NULL after telling the user it is not
 *  found (the state stays). */
const ab_avatar *ab_fsm_pressed_avatar(const ab_fsm_ctx *ctx, ab_effects *fx, ab_err *err);
/** The avatar named by the chat data's "avatar_id", or NULL. */
const ab_avatar *ab_fsm_data_avatar(const ab_fsm_ctx *ctx);
/** A copy of the chat data (or a new object) to modify and hand to fx->data. */
json_t *ab_fsm_data_copy(const ab_fsm_ctx *ctx);
/** Answers the button press with a short notice (the spinner stops, a toast shows). */
ab_err ab_fsm_notice(const ab_fsm_ctx *ctx, ab_effects *fx, ab_msg_id msg);
/** Why a typed name cannot be used (AB_MSG_NAME_*), or AB_MSG__COUNT when it can; the
 *  cleaned name goes to name (AB_NAME_BUF bytes). except_id: the avatar being renamed. */
ab_msg_id ab_name_problem(const ab_fsm_ctx *ctx, const char *input, char *name, int64_t except_id);
/** Text of a message id in the user's language. */
const char *ab_fsm_text(const ab_fsm_ctx *ctx, ab_msg_id id);

/** Shows the screen of ctx->state again (after a stale button or unexpected input). */
ab_err ab_fsm_show_current(const ab_fsm_ctx *ctx, ab_effects *fx, int edit);

#endif
