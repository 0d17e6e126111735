/* The FAL apps that make pictures, one row per kind of trained model: a LoRA file (the
 * portrait trainer, flux-lora-fast-training) goes to fal-ai/flux-lora, a finetune id
 * (flux-pro-trainer) to fal-ai/flux-pro/v1.1-ultra-finetuned. Each row carries its default
 * inputs; operators override them with a JSON object from the configuration; the builder adds
 * what each request decides (prompt with the avatar's trigger, size, count, seed, the model).
 * Results are read back into plain structs here too, so the rest never touches FAL's JSON. */
#ifndef AB_FAL_GENERATORS_H
#define AB_FAL_GENERATORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "fal/trainers.h"

#define AB_GENERATION_MAX_IMAGES 4

typedef struct {
    ab_result_kind model; /* what the trainer left */
    const char *app_id;
    const char *defaults; /* the other inputs, as a JSON object */
} ab_generator;

typedef struct {
    const char *scene;     /* what to show, without the trigger (a preset's or the user's) */
    const char *trigger;   /* the avatar's trigger word */
    const char *aspect;    /* "1:1", "3:4", "4:3", "9:16" or "16:9" */
    int count;             /* 1..AB_GENERATION_MAX_IMAGES */
    uint32_t seed;         /* "More like this" sends the same scene with a new seed */
    const char *model_ref; /* the LoRA file's URL, or the finetune id */
} ab_generation_request;

typedef struct {
    char *url;
    int width, height;
    bool nsfw; /* FAL's safety checker flagged it: never shown to the user */
} ab_generated_image;

typedef struct {
    ab_generated_image images[AB_GENERATION_MAX_IMAGES];
    int n;
    int64_t seed;
} ab_generation_result;

/** The generator for a kind of trained model (never NULL for a known kind). */
const ab_generator *ab_generator_for(ab_result_kind model);
/** Whether an aspect ratio is one users may pick. */
bool ab_generation_aspect_known(const char *aspect);
/**
 * The input JSON (new reference), or NULL when the request is out of range (unknown aspect,
 * count outside 1..4, no scene, trigger or model) or memory runs out: the row's defaults, then
 * overrides_json (may be NULL; a JSON object), then the request's fields.
 */
json_t *ab_generator_input(const ab_generator *g, const char *overrides_json,
                           const ab_generation_request *req);
/** Reads a finished request's output ({"images": [...], "has_nsfw_concepts": [...], "seed"}).
 *  AB_ERR_INVALID when it holds no image. */
ab_err ab_generation_result_parse(const json_t *output, ab_generation_result *out);
void ab_generation_result_free(ab_generation_result *r);

#endif
