/* The effects an FSM step returns, applied: a row per kind (fsm/effects.h) naming the
 * function that writes it. To follow what a button does: its handler in src/fsm adds an
 * effect, and the row of that effect's kind here says what happens to it. */
#include "workers/effects_apply.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "db/avatars.h"
#include "db/billing.h"
#include "db/generations.h"
#include "db/jobs.h"
#include "db/outbox.h"
#include "db/photos.h"
#include "db/training.h"
#include "fal/generators.h"
#include "fal/trainers.h"
#include "storage/keys.h"
#include "telegram/wire_payload.h"

/* A job for the step's user, payload (a JSON object) stolen. */
static ab_err enqueue(ab_fx_apply_ctx *a, ab_job_kind kind, int64_t avatar_id, json_t *payload)
{
    char *text = payload ? ab_json_dump(payload) : NULL;
    json_decref(payload);
    ab_err err =
        text ? ab_db_job_enqueue(a->db, kind, a->ctx->chat_id, a->ctx->user_id, avatar_id, text)
             : AB_ERR_NOMEM;
    free(text);
    a->jobs = a->jobs || err == AB_OK;
    return err;
}

static ab_err avatar_create(ab_fx_apply_ctx *a, const ab_effect *e)
{
    const ab_fx_avatar_create *c = &e->u.avatar_create;
    int64_t id = 0;
    ab_err err = ab_db_avatar_create(a->db, a->ctx->user_id, c->name, c->gender, c->training_type,
                                     c->avatar_type, &id);
    if (err != AB_OK)
        return err;
    if (c->bind && a->fx->data)
        json_object_set_new(a->fx->data, c->bind, json_integer(id));
    if (c->training_type && strcmp(c->training_type, "style") == 0)
        a->created_style++;
    else
        a->created_portrait++;
    AB_INFO("avatar created", "{s:I,s:I,s:s,s:s}", "user_id", (json_int_t)a->ctx->user_id,
            "avatar_id", (json_int_t)id, "training_type", c->training_type, "avatar_type",
            c->avatar_type ? c->avatar_type : "character");
    return AB_OK;
}

static ab_err avatar_rename(ab_fx_apply_ctx *a, const ab_effect *e)
{
    return ab_db_avatar_rename(a->db, a->ctx->user_id, e->u.avatar_rename.avatar_id,
                               e->u.avatar_rename.name);
}

/* The row goes now; its stored photos and datasets in the background (a job deletes the
 * avatar's prefix). */
static ab_err avatar_delete(ab_fx_apply_ctx *a, const ab_effect *e)
{
    int64_t avatar_id = e->u.avatar_delete.avatar_id;
    ab_err err = ab_db_avatar_delete(a->db, a->ctx->user_id, avatar_id);
    if (err != AB_OK)
        return err;
    a->deleted++;
    AB_INFO("avatar deleted", "{s:I,s:I}", "user_id", (json_int_t)a->ctx->user_id, "avatar_id",
            (json_int_t)avatar_id);
    char prefix[AB_KEY_MAX];
    if (!ab_key_avatar_prefix(prefix, sizeof prefix, a->ctx->user_id, avatar_id))
        return AB_ERR_INTERNAL;
    return enqueue(a, AB_JOB_KIND_STORAGE_DELETE_PREFIX, 0, json_pack("{s:s}", "prefix", prefix));
}

/* A received photo: its row (pending), its batch (a new batch gets its status message, whose
 * id the sender records), and the job that checks it. */
static ab_err photo_create(ab_fx_apply_ctx *a, const ab_effect *e)
{
    const ab_fx_photo_create *p = &e->u.photo_create;
    const ab_fsm_ctx *ctx = a->ctx;
    ab_photo_intake in = {.avatar_id = p->avatar_id,
                          .file_id = p->file_id,
                          .file_unique_id = p->file_unique_id,
                          .mime_type = p->mime_type,
                          .media_group_id = p->media_group_id,
                          .file_size = p->file_size,
                          .width = p->width,
                          .height = p->height};
    int64_t photo_id = 0, batch_id = 0;
    bool batch_new = false;
    ab_err err = ab_db_photo_create(a->db, ctx->user_id, ctx->chat_id, &in, &photo_id, &batch_id,
                                    &batch_new);
    if (err != AB_OK)
        return err;
    if (batch_new) {
        json_t *call = json_pack("{s:s,s:I,s:o,s:I}", "method", "sendMessage", "chat_id",
                                 (json_int_t)ctx->chat_id, "payload",
                                 ab_tg_send_message(ctx->chat_id, p->status_text, NULL), "batch_id",
                                 (json_int_t)batch_id);
        if (!call || json_array_append_new(a->fx->calls, call) != 0)
            return AB_ERR_NOMEM;
    }
    return enqueue(a, AB_JOB_KIND_PHOTO_INGEST, p->avatar_id,
                   json_pack("{s:I}", "photo_id", (json_int_t)photo_id));
}

static ab_err photo_delete(ab_fx_apply_ctx *a, const ab_effect *e)
{
    char key[256];
    ab_err err = ab_db_photo_delete(a->db, a->ctx->user_id, e->u.photo_delete.photo_id, key);
    if (err != AB_OK || !key[0])
        return err;
    return enqueue(a, AB_JOB_KIND_STORAGE_DELETE_KEY, 0, json_pack("{s:s}", "key", key));
}

/* A training starts: the avatar goes to 'training' (the database refuses a second training of
 * the user), its run is opened with the trainer the configuration picks and the pressed
 * confirm message as the progress message, and the job that builds the dataset and submits it
 * is queued. */
static ab_err training_start(ab_fx_apply_ctx *a, const ab_effect *e)
{
    const ab_fx_training_start *t = &e->u.training_start;
    const ab_config *cfg = ab_fsm_config();
    const ab_trainer *trainer = ab_trainer_for_type(cfg, t->training_type);
    if (!trainer)
        return AB_ERR_INTERNAL;
    char trigger[32];
    ab_trainer_trigger((long long)t->avatar_id, trigger);
    const char *mode = cfg && !ab_config_fal_simulated(cfg) ? "live" : "simulate";
    ab_training_start in = {.user_id = a->ctx->user_id,
                            .chat_id = a->ctx->chat_id,
                            .avatar_id = t->avatar_id,
                            .mode = mode,
                            .app_id = trainer->app_id,
                            .trigger = trigger,
                            .language = ab_lang_code(a->ctx->lang),
                            .training_type = t->training_type};
    int64_t batch_id = 0;
    ab_err err = ab_db_training_start(a->db, &in, &batch_id);
    if (err == AB_OK)
        err =
            ab_db_billing_charge_training(a->db, a->ctx->user_id, t->avatar_id, batch_id, t->price);
    if (err == AB_OK)
        err = ab_db_fal_daily_take(a->db, AB_FAL_DAILY_TRAININGS, 1,
                                   cfg ? cfg->fal_daily_trainings_max : 0);
    if (err == AB_OK && t->message_id)
        err = ab_db_batch_set_message(a->db, batch_id, t->message_id);
    if (err == AB_OK)
        err = enqueue(a, AB_JOB_KIND_TRAINING_SUBMIT, t->avatar_id,
                      json_pack("{s:I}", "avatar_id", (json_int_t)t->avatar_id));
    if (err != AB_OK)
        return err;
    a->trainings_started++;
    a->credits_training += t->price;
    snprintf(a->training_type, sizeof a->training_type, "%s",
             t->training_type ? t->training_type : "");
    snprintf(a->training_mode, sizeof a->training_mode, "%s", mode);
    AB_INFO("training started", "{s:I,s:I,s:s,s:s,s:s}", "user_id", (json_int_t)a->ctx->user_id,
            "avatar_id", (json_int_t)t->avatar_id, "training_type", t->training_type, "trainer",
            trainer->app_id, "mode", mode);
    return AB_OK;
}

/* A generation opens: its run with the app that makes pictures from the avatar's kind of model
 * (the database refuses a second running one of the user), a fresh seed, the status message
 * (the pressed one, or a new one the sender registers), and the job that submits and follows
 * it. */
static ab_err generation_start(ab_fx_apply_ctx *a, const ab_effect *e)
{
    const ab_fx_generation_start *g = &e->u.generation_start;
    const ab_generator *gen =
        g->model_kind > 0 ? ab_generator_for((ab_result_kind)(g->model_kind - 1)) : NULL;
    if (!gen)
        return AB_ERR_INTERNAL;
    const ab_config *cfg = ab_fsm_config();
    const char *mode = cfg && !ab_config_fal_simulated(cfg) ? "live" : "simulate";
    uint32_t seed = 0;
    if (RAND_bytes((unsigned char *)&seed, sizeof seed) != 1)
        return AB_ERR_INTERNAL;
    ab_generation_start in = {.user_id = a->ctx->user_id,
                              .chat_id = a->ctx->chat_id,
                              .avatar_id = g->avatar_id,
                              .mode = mode,
                              .app_id = gen->app_id,
                              .language = ab_lang_code(a->ctx->lang),
                              .preset = g->preset,
                              .prompt = g->prompt,
                              .aspect = g->aspect,
                              .count = g->count,
                              .seed = seed & 0x7fffffff};
    int64_t id = 0, batch_id = 0;
    ab_err err = ab_db_generation_start(a->db, &in, &id, &batch_id);
    if (err == AB_OK)
        err = ab_db_billing_charge_generation(a->db, a->ctx->user_id, id, g->price);
    if (err == AB_OK)
        err = ab_db_fal_daily_take(a->db, AB_FAL_DAILY_IMAGES, g->count,
                                   cfg ? cfg->fal_daily_images_max : 0);
    if (err == AB_OK && g->message_id)
        err = ab_db_batch_set_message(a->db, batch_id, g->message_id);
    if (err == AB_OK && !g->message_id) {
        json_t *call = json_pack("{s:s,s:I,s:o,s:I}", "method", "sendMessage", "chat_id",
                                 (json_int_t)a->ctx->chat_id, "payload",
                                 ab_tg_send_message(a->ctx->chat_id, g->status_text, NULL),
                                 "batch_id", (json_int_t)batch_id);
        if (!call || json_array_append_new(a->fx->calls, call) != 0)
            return AB_ERR_NOMEM;
    }
    if (err == AB_OK)
        err = enqueue(a, AB_JOB_KIND_GENERATION_RUN, g->avatar_id,
                      json_pack("{s:I}", "generation_id", (json_int_t)id));
    if (err != AB_OK)
        return err;
    a->generations_started++;
    a->credits_images += g->price;
    snprintf(a->generation_kind, sizeof a->generation_kind, "%s",
             g->model_kind == 2 ? "finetune" : "lora");
    snprintf(a->generation_mode, sizeof a->generation_mode, "%s", mode);
    AB_INFO("generation started", "{s:I,s:I,s:I,s:s,s:s,s:s,s:i,s:s}", "user_id",
            (json_int_t)a->ctx->user_id, "avatar_id", (json_int_t)g->avatar_id, "generation_id",
            (json_int_t)id, "app_id", gen->app_id, "preset", g->preset ? g->preset : "", "aspect",
            g->aspect, "count", g->count, "mode", mode);
    return AB_OK;
}

static ab_err job(ab_fx_apply_ctx *a, const ab_effect *e)
{
    return enqueue(a, e->u.job.kind, e->u.job.avatar_id, json_incref(e->u.job.payload));
}

/* A promo code the step runner found redeemable: the database refuses a second redemption of
 * the user and a use past the code's limit (the step then runs again and says so). */
static ab_err promo_redeem(ab_fx_apply_ctx *a, const ab_effect *e)
{
    ab_err err = ab_db_promo_redeem(a->db, a->ctx->user_id, e->u.promo_redeem.code);
    if (err == AB_OK)
        AB_INFO("promo code redeemed", "{s:I,s:s}", "user_id", (json_int_t)a->ctx->user_id, "code",
                e->u.promo_redeem.code);
    return err;
}

static const ab_fx_apply_fn APPLY[AB_FX__COUNT] = {
    [AB_FX_AVATAR_CREATE] = avatar_create,       [AB_FX_AVATAR_RENAME] = avatar_rename,
    [AB_FX_AVATAR_DELETE] = avatar_delete,       [AB_FX_PHOTO_CREATE] = photo_create,
    [AB_FX_PHOTO_DELETE] = photo_delete,         [AB_FX_TRAINING_START] = training_start,
    [AB_FX_GENERATION_START] = generation_start, [AB_FX_JOB] = job,
    [AB_FX_PROMO_REDEEM] = promo_redeem,
};

ab_fx_apply_fn ab_fx_apply_for(ab_fx_kind kind)
{
    return (unsigned)kind < AB_FX__COUNT ? APPLY[kind] : NULL;
}

ab_err ab_fx_apply_all(ab_fx_apply_ctx *a)
{
    for (size_t i = 0; i < a->fx->n_effects; i++) {
        const ab_effect *e = &a->fx->effects[i];
        ab_fx_apply_fn apply = ab_fx_apply_for(e->kind);
        ab_err err = apply ? apply(a, e) : AB_ERR_INTERNAL;
        if (err != AB_OK)
            return err;
    }
    return AB_OK;
}
