/* Applying an FSM step's typed effects (fsm/effects.h) inside the step's transaction: one
 * table, a row per effect kind. */
#ifndef AB_WORKERS_EFFECTS_APPLY_H
#define AB_WORKERS_EFFECTS_APPLY_H

#include <stdbool.h>

#include "db/db.h"
#include "fsm/effects.h"
#include "fsm/fsm.h"

typedef struct {
    ab_db *db;
    const ab_fsm_ctx *ctx;
    ab_effects *fx;
    /* what the effects did, counted for the metrics once the step commits */
    bool jobs;
    int created_portrait, created_style, deleted, trainings_started;
    char training_type[12], training_mode[10];
    int generations_started;
    char generation_kind[12], generation_mode[10];
    int credits_training, credits_images; /* spent */
} ab_fx_apply_ctx;

typedef ab_err (*ab_fx_apply_fn)(ab_fx_apply_ctx *a, const ab_effect *e);

/** The function applying effects of kind; NULL for a kind without a row (a bug). */
ab_fx_apply_fn ab_fx_apply_for(ab_fx_kind kind);
/** Applies a->fx's effects in order; the first error stops it. Every effect names the user,
 *  so the database itself refuses an avatar or photo that is not theirs. */
ab_err ab_fx_apply_all(ab_fx_apply_ctx *a);

#endif
