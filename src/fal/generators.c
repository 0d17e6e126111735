/* The generator table and its input and result JSON (see generators.h). Defaults follow each
 * app's published input schema on fal.ai. */
#include "fal/generators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ab_generator GENERATORS[] = {
    {AB_RESULT_LORA, "fal-ai/flux-lora",
     "{\"num_inference_steps\": 28, \"guidance_scale\": 3.5, \"enable_safety_checker\": true,"
     " \"output_format\": \"jpeg\"}"},
    {AB_RESULT_FINETUNE, "fal-ai/flux-pro/v1.1-ultra-finetuned",
     "{\"finetune_strength\": 1.0, \"safety_tolerance\": \"2\", \"enable_safety_checker\": true,"
     " \"output_format\": \"jpeg\", \"raw\": false}"},
};

/* The aspect ratios users pick, and flux-lora's name for each (it takes a size preset, the
 * ultra model an aspect ratio). */
static const struct {
    const char *aspect, *image_size;
} ASPECTS[] = {
    {"1:1", "square_hd"},      {"3:4", "portrait_4_3"},    {"4:3", "landscape_4_3"},
    {"9:16", "portrait_16_9"}, {"16:9", "landscape_16_9"},
};
#define NASPECTS (sizeof ASPECTS / sizeof ASPECTS[0])

const ab_generator *ab_generator_for(ab_result_kind model)
{
    for (size_t i = 0; i < sizeof GENERATORS / sizeof GENERATORS[0]; i++)
        if (GENERATORS[i].model == model)
            return &GENERATORS[i];
    return NULL;
}

static const char *image_size(const char *aspect)
{
    for (size_t i = 0; aspect && i < NASPECTS; i++)
        if (strcmp(ASPECTS[i].aspect, aspect) == 0)
            return ASPECTS[i].image_size;
    return NULL;
}

bool ab_generation_aspect_known(const char *aspect)
{
    return image_size(aspect) != NULL;
}

/* The trigger leads the prompt, as both trainers were taught it, unless the scene already
 * names it. */
static json_t *prompt_with_trigger(const char *scene, const char *trigger)
{
    if (strstr(scene, trigger))
        return json_string(scene);
    size_t n = strlen(trigger) + strlen(scene) + 3;
    char *text = malloc(n);
    if (!text)
        return NULL;
    snprintf(text, n, "%s, %s", trigger, scene);
    json_t *s = json_string(text);
    free(text);
    return s;
}

json_t *ab_generator_input(const ab_generator *g, const char *overrides_json,
                           const ab_generation_request *req)
{
    const char *size = image_size(req->aspect);
    if (!g || !size || req->count < 1 || req->count > AB_GENERATION_MAX_IMAGES || !req->scene ||
        !*req->scene || !req->trigger || !*req->trigger || !req->model_ref || !*req->model_ref)
        return NULL;
    json_t *in = json_loads(g->defaults, 0, NULL);
    if (!in)
        return NULL;
    if (overrides_json) {
        json_t *o = json_loads(overrides_json, 0, NULL);
        if (json_is_object(o))
            json_object_update(in, o);
        json_decref(o);
    }
    int rc = json_object_set_new(in, "prompt", prompt_with_trigger(req->scene, req->trigger));
    rc |= json_object_set_new(in, "num_images", json_integer(req->count));
    rc |= json_object_set_new(in, "seed", json_integer(req->seed));
    if (g->model == AB_RESULT_LORA) {
        rc |= json_object_set_new(in, "image_size", json_string(size));
        rc |= json_object_set_new(in, "loras",
                                  json_pack("[{s:s,s:f}]", "path", req->model_ref, "scale", 1.0));
    } else {
        rc |= json_object_set_new(in, "aspect_ratio", json_string(req->aspect));
        rc |= json_object_set_new(in, "finetune_id", json_string(req->model_ref));
    }
    if (rc != 0) {
        json_decref(in);
        return NULL;
    }
    return in;
}

ab_err ab_generation_result_parse(const json_t *output, ab_generation_result *out)
{
    memset(out, 0, sizeof *out);
    const json_t *images = json_object_get(output, "images");
    const json_t *flags = json_object_get(output, "has_nsfw_concepts");
    const json_t *seed = json_object_get(output, "seed");
    if (json_is_integer(seed))
        out->seed = json_integer_value(seed);
    size_t i;
    const json_t *img;
    json_array_foreach(images, i, img)
    {
        const char *url = json_string_value(json_object_get(img, "url"));
        if (!url || out->n == AB_GENERATION_MAX_IMAGES)
            continue;
        ab_generated_image *g = &out->images[out->n];
        g->url = strdup(url);
        if (!g->url) {
            ab_generation_result_free(out);
            return AB_ERR_NOMEM;
        }
        g->width = (int)json_integer_value(json_object_get(img, "width"));
        g->height = (int)json_integer_value(json_object_get(img, "height"));
        /* FAL lists one flag per image, in order; a missing list means nothing was flagged */
        g->nsfw = json_is_true(json_array_get(flags, i));
        out->n++;
    }
    return out->n > 0 ? AB_OK : AB_ERR_INVALID;
}

void ab_generation_result_free(ab_generation_result *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->images[i].url);
    r->n = 0;
}
