/* The trainer table (see trainers.h). Defaults follow each app's published input schema on
 * fal.ai; anything the operator puts in FAL_PORTRAIT_INPUT / FAL_STYLE_INPUT wins over them. */
#include "fal/trainers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const ab_trainer TRAINERS[] = {
    /* create_masks: face masks weight the training towards the face (the product design) */
    {"fal-ai/flux-lora-portrait-trainer", "portrait", "images_data_url", "trigger_phrase",
     AB_RESULT_LORA,
     "{\"steps\": 2500, \"learning_rate\": 0.00009, \"multiresolution_training\": true,"
     " \"subject_crop\": true, \"create_masks\": true}"},
    /* The product's style trainer; fal.ai marks it deprecated, hence the alternative below. */
    {"fal-ai/flux-pro-trainer", "style", "data_url", "trigger_word", AB_RESULT_FINETUNE,
     "{\"iterations\": 300, \"learning_rate\": 0.00001, \"priority\": \"quality\","
     " \"captioning\": true, \"finetune_type\": \"full\", \"lora_rank\": 32}"},
    {"fal-ai/flux-lora-fast-training", "style", "images_data_url", "trigger_word", AB_RESULT_LORA,
     "{\"steps\": 1000, \"is_style\": true, \"create_masks\": false}"},
};
#define NTRAINERS (sizeof TRAINERS / sizeof TRAINERS[0])

const ab_trainer *ab_trainer_by_app(const char *app_id)
{
    for (size_t i = 0; app_id && i < NTRAINERS; i++)
        if (strcmp(TRAINERS[i].app_id, app_id) == 0)
            return &TRAINERS[i];
    return NULL;
}

const ab_trainer *ab_trainer_for_type(const ab_config *cfg, const char *training_type)
{
    if (!training_type)
        return NULL;
    if (strcmp(training_type, "portrait") == 0)
        return &TRAINERS[0];
    if (strcmp(training_type, "style") == 0) {
        const ab_trainer *t = ab_trainer_by_app(cfg ? cfg->fal_style_trainer : NULL);
        return t && strcmp(t->training_type, "style") == 0 ? t : &TRAINERS[1];
    }
    return NULL;
}

int ab_trainer_minutes_left(const ab_config *cfg, const char *training_type, int percent,
                            double running_s)
{
    int lo, hi;
    ab_config_training_minutes(cfg, training_type, &lo, &hi);
    double expected_s = (lo + hi) / 2.0 * 60.0;
    double left_s;
    if (percent >= 5 && running_s > 0)
        left_s = running_s * (100 - percent) / percent; /* the pace it has actually had */
    else
        left_s = expected_s * (100 - percent) / 100.0;
    int minutes = (int)ceil(left_s / 60.0);
    return minutes < 1 ? 1 : minutes;
}

void ab_trainer_trigger(long long avatar_id, char out[32])
{
    char digits[24];
    int n = 0;
    unsigned long long v = avatar_id > 0 ? (unsigned long long)avatar_id : 0;
    do {
        digits[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v && n < (int)sizeof digits);
    int o = snprintf(out, 32, "abv");
    while (n > 0 && o < 31)
        out[o++] = digits[--n];
    out[o] = '\0';
}

/* flux-pro-trainer's "mode" is what the avatar depicts, stored as the mode itself (see
 * migrations/0016_avatar_types.sql); anything else is a person. */
static const char *pro_mode(const char *avatar_type)
{
    static const char *const MODES[] = {"character", "style", "product", "general"};
    for (size_t i = 0; avatar_type && i < sizeof MODES / sizeof MODES[0]; i++)
        if (strcmp(avatar_type, MODES[i]) == 0)
            return MODES[i];
    return "character";
}

json_t *ab_trainer_input(const ab_config *cfg, const ab_trainer *t, const char *dataset_url,
                         const char *trigger, const char *avatar_type, const char *avatar_name)
{
    json_t *in = json_loads(t->defaults, 0, NULL);
    if (!in)
        return NULL;
    const char *over = cfg ? (strcmp(t->training_type, "style") == 0 ? cfg->fal_style_input
                                                                     : cfg->fal_portrait_input)
                           : NULL;
    if (over) {
        json_t *o = json_loads(over, 0, NULL);
        if (json_is_object(o))
            json_object_update(in, o);
        json_decref(o);
    }
    int rc = json_object_set_new(in, t->data_field, json_string(dataset_url));
    rc |= json_object_set_new(in, t->trigger_field, json_string(trigger));
    if (t->result == AB_RESULT_FINETUNE) {
        rc |= json_object_set_new(in, "mode", json_string(pro_mode(avatar_type)));
        char comment[256];
        snprintf(comment, sizeof comment, "avatarbot: %s", avatar_name ? avatar_name : "avatar");
        rc |= json_object_set_new(in, "finetune_comment", json_string(comment));
    }
    if (rc != 0) {
        json_decref(in);
        return NULL;
    }
    return in;
}
