/* The FAL trainers, one row per app: which training type uses it, how its input is named,
 * what its output holds, and how long a run is expected to take. Operators override the app
 * of a type, its inputs and its expected duration through the configuration (FAL_*). */
#ifndef AB_FAL_TRAINERS_H
#define AB_FAL_TRAINERS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/config.h"

typedef enum {
    AB_RESULT_LORA,     /* diffusers_lora_file.url (+ config_file.url) */
    AB_RESULT_FINETUNE, /* finetune_id */
} ab_result_kind;

typedef struct {
    const char *app_id;        /* e.g. "fal-ai/flux-lora-portrait-trainer" */
    const char *training_type; /* "portrait" | "style" */
    const char *data_field;    /* the input naming the dataset ZIP's URL */
    const char *trigger_field; /* the input naming the trigger word */
    ab_result_kind result;
    const char *defaults; /* the other inputs, as JSON */
} ab_trainer;

/** The trainer the configuration chooses for a training type ("portrait" | "style"), NULL
 *  for an unknown type. */
const ab_trainer *ab_trainer_for_type(const ab_config *cfg, const char *training_type);
/** The trainer with this app id, or NULL. */
const ab_trainer *ab_trainer_by_app(const char *app_id);
/** Minutes left of a run estimated from its percent and the time it has taken so far, else
 *  from the type's expected duration (at least 1). */
int ab_trainer_minutes_left(const ab_config *cfg, const char *training_type, int percent,
                            double running_s);
/**
 * The input JSON (new reference, NULL on out of memory): the trainer's defaults, the
 * operator's overrides (FAL_PORTRAIT_INPUT / FAL_STYLE_INPUT), then the per-avatar fields
 * (dataset URL, trigger word; for flux-pro-trainer the mode, from the avatar's kind, and the
 * required finetune_comment).
 */
json_t *ab_trainer_input(const ab_config *cfg, const ab_trainer *t, const char *dataset_url,
                         const char *trigger, const char *avatar_type, const char *avatar_name);
/** The trigger word of an avatar: unique per avatar, a made-up token so it never collides
 *  with a real word ("abv" + avatar id in base 36, e.g. "abv2s7"). */
void ab_trainer_trigger(long long avatar_id, char out[32]);

#endif
