/* The FSM: the context a handler sees, the transition table (state × event → handler → next
 * state) and the function that runs one step. Handlers are pure: they read the context and
 * fill in effects; they never touch the database or the network. */
#ifndef AB_FSM_FSM_H
#define AB_FSM_FSM_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "fsm/effects.h"
#include "fsm/messages.h"
#include "fsm/state.h"
#include "telegram/update.h"

typedef struct {
    const ab_update *upd;
    ab_event event;
    int64_t arg;          /* the button's argument */
    ab_state state;       /* current state */
    const json_t *data;   /* current state data (borrowed) */
    ab_lang lang;
    int64_t chat_id;
    int64_t user_id;
    int avatars_count;    /* the user's avatars */
} ab_fsm_ctx;

typedef ab_err (*ab_fsm_handler)(const ab_fsm_ctx *ctx, ab_effects *fx);

typedef struct {
    ab_state from;        /* or AB_ST_ANY */
    ab_event event;
    ab_fsm_handler handler;
    const char *handler_name;
    ab_state to;          /* or AB_ST_SAME */
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

/** Shows the screen of ctx->state again (after a stale button or unexpected input). */
ab_err ab_fsm_show_current(const ab_fsm_ctx *ctx, ab_effects *fx, int edit);

#endif
