/* The generation jobs. generation.run carries a generation from the press to the pictures, one
 * round at a time (a recurring job): the submit, at most one paid FAL request per press through
 * the same attempts as trainings (db/fal_submit.h: a fresh nonce per attempt, committed before
 * the POST; an unknown outcome is reconciled, never simply sent again), then the status poll
 * (the fallback for a lost webhook) with the status message edited in place, then the result.
 * generation.finish takes the result a verified webhook brought. Either way the pictures are
 * stored beside the avatar's photos (deleted with it), the ones FAL's safety checker flagged
 * are withheld, and one transaction ends the generation and queues its delivery (by FAL's URL
 * with our stored copy as the upload fallback; in simulate mode the stored copy only), so a
 * duplicate webhook, a poll racing the webhook or a retried job delivers once. In simulate mode
 * nothing calls FAL: the pictures are drawn locally (fal/simulated_picture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/billing.h"
#include "db/fal_submit.h"
#include "db/generations.h"
#include "db/jobs.h"
#include "db/outbox.h"
#include "fal/generators.h"
#include "fal/queue.h"
#include "fal/webhook_body.h"
#include "fal/simulated_picture.h"
#include "fsm/effects.h"
#include "storage/keys.h"
#include "telegram/wire_payload.h"
#include "ui/billing.h"
#include "ui/generate.h"
#include "workers/batch_message.h"
#include "workers/fal_once.h"
#include "workers/training_run.h"

#define MAX_GENERATION_S (15 * 60) /* past this FAL is asked to stop it and the user told */
/* an unknown submit waits at most this long for a sign of its request (its webhook comes
 * seconds after a generation) before it is sent again: its user is waiting, and a second
 * picture request costs cents where a second training costs dollars */
#define RECONCILE_MAX_S 90
#define PICTURE_MAX_BYTES (25u * 1024 * 1024)
#define GIVE_UP_AGAIN_S 60.0

static ab_job_outcome db_retry(ab_job_ctx *ctx, const char *what, ab_err err)
{
    snprintf(ctx->error, sizeof ctx->error, "%s: %s", what, ab_err_name(err));
    return AB_JOB_RETRY;
}

static ab_job_outcome again_in(ab_job_ctx *ctx, double seconds)
{
    ctx->again_s = seconds > 0.2 ? seconds : 0.2;
    return AB_JOB_AGAIN;
}

static ab_job_outcome again(ab_job_ctx *ctx)
{
    return again_in(ctx, ctx->app->cfg->fal_generation_poll_seconds);
}

static ab_lang lang_of(const ab_generation *g)
{
    return ab_lang_from_code(g->language[0] ? g->language : NULL);
}

static bool simulated(const ab_generation *g)
{
    return strcmp(g->mode, "simulate") == 0;
}

static const char *kind_label(const ab_generation *g)
{
    return g->lora_url[0] ? "lora" : "finetune";
}

static bool is(const ab_generation *g, const char *run_status)
{
    return strcmp(g->run_status, run_status) == 0;
}

/* The status message says id (AB_MSG_GEN_QUEUED with its position, _RUNNING), when that is
 * new and the last edit is old enough. */
static void show_status(ab_job_ctx *ctx, ab_generation *g, const char *run_status, ab_msg_id id,
                        int position)
{
    char text[1024];
    ab_ui_gen_status(lang_of(g), id, g->count, g->avatar_name, position, text, sizeof text);
    int edit =
        strcmp(text, g->progress_text) != 0 && (g->since_edit_s < 0 || g->since_edit_s >= 2.0);
    ab_err err = ab_db_generation_progress(ctx->db, g, run_status, edit ? text : NULL);
    if (err == AB_OK && edit && g->batch_id)
        err = ab_batch_message_edit(ctx->db, g->batch_id, g->chat_id, text, NULL);
    if (err == AB_OK && edit) {
        snprintf(g->progress_text, sizeof g->progress_text, "%s", text);
        ab_run_wake_senders(ctx->app);
    }
}

typedef struct {
    const ab_generation *g;
    ab_generation_end end;
    ab_msg_id reason;
    bool ended;
    int64_t refunded; /* credits given back */
} fail_ctx;

static ab_err fail_tx(ab_db *db, void *arg)
{
    fail_ctx *f = arg;
    const ab_generation *g = f->g;
    ab_err err = ab_db_generation_finish(db, g, &f->end, &f->ended);
    if (err == AB_OK && f->ended) /* the database gave its credits back */
        err = ab_db_billing_refunded(db, NULL, g->id, &f->refunded);
    if (err != AB_OK || !f->ended)
        return err;
    ab_lang lang = lang_of(g);
    char line[512];
    ab_ui_gen_status_end(lang, 0, g->count, g->avatar_name, line, sizeof line);
    if (g->batch_id && (err = ab_batch_message_edit(db, g->batch_id, g->chat_id, line, NULL)))
        return err;
    ab_ui_msg m = {0};
    ab_ui_gen_failed(lang, g->id, g->avatar_id, f->reason, &m);
    ab_ui_refund_note(lang, f->refunded, m.text, sizeof m.text);
    return ab_job_message_send(db, g->chat_id, m.text, m.kb);
}

/* Ends g as not made: reason is what the user reads (AB_MSG_REASON_GEN_*), detail FAL's own
 * words for the operator. */
static ab_job_outcome end_failed(ab_job_ctx *ctx, const ab_generation *g, ab_msg_id reason,
                                 const char *detail)
{
    fail_ctx f = {.g = g,
                  .end = {.run_status = "error", .status = "failed", .error = detail},
                  .reason = reason};
    ab_err err = ab_db_tx(ctx->db, fail_tx, &f);
    if (err != AB_OK)
        return db_retry(ctx, "ending the generation failed", err);
    if (f.ended) {
        char labels[64];
        snprintf(labels, sizeof labels, "kind=\"%s\",result=\"failed\"", kind_label(g));
        ab_metrics_add(AB_M_GENERATIONS_FINISHED, labels, 1);
        if (f.refunded)
            ab_metrics_add(AB_M_CREDITS_REFUNDED, "kind=\"images\"", (double)f.refunded);
        AB_WARN("generation failed", "{s:I,s:s,s:s,s:f}", "generation_id", (json_int_t)g->id,
                "request_id", g->request_id, "detail", detail ? detail : "", "seconds",
                g->elapsed_s);
        ab_run_wake_senders(ctx->app);
    }
    return AB_JOB_DONE;
}

/* A picture as it came back, and where its copy is stored ("" when withheld). */
typedef struct {
    const char *url;
    int width, height;
    bool nsfw;
    char key[AB_KEY_MAX];
} picture;

/* The call that delivers the shown pictures: sendPhoto for one, sendMediaGroup for more; by
 * FAL's URL with the stored copy as the upload fallback, or (simulated) the copy only. */
static json_t *delivery_call(const ab_generation *g, const picture *pics, int n)
{
    bool by_url = !simulated(g);
    json_t *files = json_object(), *media = json_array();
    int shown = 0;
    for (int i = 0; i < n; i++) {
        if (pics[i].nsfw)
            continue;
        char name[16], file[48], attach[32];
        snprintf(name, sizeof name, "p%d", shown);
        snprintf(file, sizeof file, "picture-%lld-%d.jpg", (long long)g->id, i + 1);
        snprintf(attach, sizeof attach, "attach://%s", name);
        json_object_set_new(files, name,
                            json_pack("{s:s,s:s,s:s}", "key", pics[i].key, "filename", file,
                                      "content_type", "image/jpeg"));
        json_array_append_new(
            media, json_pack("{s:s,s:s}", "type", "photo", "media", by_url ? pics[i].url : attach));
        shown++;
    }
    json_t *payload = json_pack("{s:I}", "chat_id", (json_int_t)g->chat_id);
    const char *method = shown == 1 ? "sendPhoto" : "sendMediaGroup";
    if (shown == 1) {
        /* a lone picture: its URL in the photo field, or its upload under that name */
        if (by_url)
            json_object_set(payload, "photo", json_object_get(json_array_get(media, 0), "media"));
        json_object_set(files, "photo", json_object_get(files, "p0"));
        json_object_del(files, "p0");
    } else {
        json_object_set(payload, "media", media);
    }
    json_object_set(payload, by_url ? "_fallback_upload" : "_upload", files);
    json_decref(files);
    json_decref(media);
    return json_pack("{s:s,s:I,s:o,s:I}", "method", method, "chat_id", (json_int_t)g->chat_id,
                     "payload", payload, "generation_id", (json_int_t)g->id);
}

typedef struct {
    const ab_generation *g;
    const picture *pics;
    int n, shown;
    const char *result_json;
    bool ended;
    int64_t refunded; /* credits given back */
} deliver_ctx;

static ab_err deliver_tx(ab_db *db, void *arg)
{
    deliver_ctx *d = arg;
    const ab_generation *g = d->g;
    json_t *images = json_array();
    for (int i = 0; i < d->n; i++)
        json_array_append_new(images, json_pack("{s:s,s:i,s:i,s:b,s:s?}", "url", d->pics[i].url,
                                                "width", d->pics[i].width, "height",
                                                d->pics[i].height, "nsfw", d->pics[i].nsfw, "key",
                                                d->pics[i].key[0] ? d->pics[i].key : NULL));
    char *images_text = ab_json_dump(images);
    json_decref(images);
    ab_generation_end end = {.run_status = "completed",
                             .status = "delivered",
                             .result_json = d->result_json,
                             .images_json = images_text};
    ab_err err = images_text ? ab_db_generation_finish(db, g, &end, &d->ended) : AB_ERR_NOMEM;
    free(images_text);
    if (err == AB_OK && d->ended) /* the withheld pictures' credits, given back */
        err = ab_db_billing_refunded(db, NULL, g->id, &d->refunded);
    if (err != AB_OK || !d->ended)
        return err;
    ab_lang lang = lang_of(g);
    char line[512];
    ab_ui_gen_status_end(lang, 1, d->shown, g->avatar_name, line, sizeof line);
    if (g->batch_id && (err = ab_batch_message_edit(db, g->batch_id, g->chat_id, line, NULL)))
        return err;
    json_t *calls = json_array();
    if (d->shown)
        json_array_append_new(calls, delivery_call(g, d->pics, d->n));
    ab_ui_msg m = {0};
    ab_ui_gen_ready(lang, g->id, g->avatar_id, d->shown, d->n - d->shown, &m);
    ab_ui_refund_note(lang, d->refunded, m.text, sizeof m.text);
    json_t *after =
        json_pack("{s:s,s:I,s:o}", "method", "sendMessage", "chat_id", (json_int_t)g->chat_id,
                  "payload", ab_tg_send_message(g->chat_id, m.text, m.kb));
    json_array_append_new(calls, after);
    char *text = ab_json_dump(calls);
    json_decref(calls);
    err = text ? ab_db_outbox_insert(db, text, 0) : AB_ERR_NOMEM;
    free(text);
    return err;
}

/* Stores the shown pictures (bytes: the simulated ones, NULL to download FAL's) and ends g with
 * their delivery queued. */
static ab_job_outcome deliver(ab_job_ctx *ctx, const ab_generation *g, picture *pics, int n,
                              unsigned char **bytes, const size_t *lens, const json_t *output)
{
    int shown = 0;
    for (int i = 0; i < n; i++) {
        if (pics[i].nsfw)
            continue;
        if (!ab_key_generation_image(pics[i].key, sizeof pics[i].key, g->user_id, g->avatar_id,
                                     g->id, i))
            return db_retry(ctx, "picture key", AB_ERR_INTERNAL);
        unsigned char *data = bytes ? bytes[i] : NULL;
        size_t len = bytes ? lens[i] : 0;
        ab_http_response resp;
        memset(&resp, 0, sizeof resp);
        if (!data) {
            ab_http_request req = {.method = "GET",
                                   .url = pics[i].url,
                                   .timeout_s = 60,
                                   .max_response = PICTURE_MAX_BYTES};
            ab_err err = ab_http_perform(ctx->http, &req, &resp);
            if (err != AB_OK || resp.status != 200) {
                snprintf(ctx->error, sizeof ctx->error, "downloading picture %d: %s (HTTP %ld)",
                         i + 1, err != AB_OK ? ab_err_name(err) : "refused", resp.status);
                ab_http_response_free(&resp);
                ab_run_fal_error("unavailable");
                return AB_JOB_RETRY;
            }
            data = (unsigned char *)resp.body;
            len = resp.body_len;
        }
        ab_err err = ab_storage_put(ctx->storage, pics[i].key, data, len, "image/jpeg");
        ab_http_response_free(&resp);
        if (err != AB_OK)
            return db_retry(ctx, "storing a picture failed", err);
        shown++;
    }
    char *result = output ? ab_json_dump(output) : NULL;
    deliver_ctx d = {.g = g, .pics = pics, .n = n, .shown = shown, .result_json = result};
    ab_err err = ab_db_tx(ctx->db, deliver_tx, &d);
    free(result);
    if (err != AB_OK)
        return db_retry(ctx, "ending the generation failed", err);
    if (!d.ended)
        return AB_JOB_DONE; /* a webhook, a poll or a retry delivered it first */
    char labels[64];
    snprintf(labels, sizeof labels, "kind=\"%s\",result=\"%s\"", kind_label(g),
             shown ? "delivered" : "withheld");
    ab_metrics_add(AB_M_GENERATIONS_FINISHED, labels, 1);
    ab_metrics_observe(AB_M_GENERATION_SECONDS, "", g->elapsed_s);
    if (shown)
        ab_metrics_add(AB_M_GENERATION_IMAGES, "result=\"delivered\"", shown);
    if (d.refunded)
        ab_metrics_add(AB_M_CREDITS_REFUNDED, "kind=\"images\"", (double)d.refunded);
    if (n > shown)
        ab_metrics_add(AB_M_GENERATION_IMAGES, "result=\"withheld\"", n - shown);
    AB_INFO("generation delivered", "{s:I,s:I,s:s,s:s,s:i,s:i,s:f,s:s}", "generation_id",
            (json_int_t)g->id, "avatar_id", (json_int_t)g->avatar_id, "request_id", g->request_id,
            "app_id", g->app_id, "shown", shown, "withheld", n - shown, "seconds", g->elapsed_s,
            "mode", g->mode);
    ab_run_wake_senders(ctx->app);
    return AB_JOB_DONE;
}

/* FAL's output of a finished request ends g: the pictures, or a failure when it holds none. */
static ab_job_outcome complete(ab_job_ctx *ctx, const ab_generation *g, const json_t *output)
{
    ab_generation_result res;
    if (ab_generation_result_parse(output, &res) != AB_OK) {
        ab_run_fal_error("failed");
        return end_failed(ctx, g, AB_MSG_REASON_GEN_FAILED, "the result holds no image");
    }
    picture pics[AB_GENERATION_MAX_IMAGES];
    memset(pics, 0, sizeof pics);
    for (int i = 0; i < res.n; i++)
        pics[i] = (picture){.url = res.images[i].url,
                            .width = res.images[i].width,
                            .height = res.images[i].height,
                            .nsfw = res.images[i].nsfw};
    ab_job_outcome out = deliver(ctx, g, pics, res.n, NULL, NULL, output);
    ab_generation_result_free(&res);
    return out;
}

static ab_job_outcome complete_simulated(ab_job_ctx *ctx, const ab_generation *g)
{
    picture pics[AB_GENERATION_MAX_IMAGES];
    unsigned char *bytes[AB_GENERATION_MAX_IMAGES] = {0};
    size_t lens[AB_GENERATION_MAX_IMAGES] = {0};
    memset(pics, 0, sizeof pics);
    int n = g->count < 1                          ? 1
            : g->count > AB_GENERATION_MAX_IMAGES ? AB_GENERATION_MAX_IMAGES
                                                  : g->count;
    ab_err err = AB_OK;
    for (int i = 0; i < n && err == AB_OK; i++) {
        pics[i].url = "";
        ab_simulated_picture_size(g->aspect, &pics[i].width, &pics[i].height);
        err = ab_simulated_picture(g->aspect, (uint32_t)g->seed + (uint32_t)i, &bytes[i], &lens[i]);
    }
    ab_job_outcome out = err == AB_OK ? deliver(ctx, g, pics, n, bytes, lens, NULL)
                                      : end_failed(ctx, g, AB_MSG_REASON_GEN_FAILED,
                                                   "the simulated picture could not be drawn");
    for (int i = 0; i < n; i++)
        free(bytes[i]);
    return out;
}

/* The answer of attempt nonce named FAL's request: g takes it unless it took another. */
static ab_job_outcome take_answer(ab_job_ctx *ctx, ab_generation *g, const char *nonce,
                                  const ab_fal_submission *sub)
{
    ab_adopt ad;
    ab_err err = ab_fal_once_adopt(ctx, nonce, sub, &ad);
    if (err != AB_OK)
        return db_retry(ctx, "recording the submission failed", err);
    if (ad.result == AB_ADOPT_ADOPTED || ad.result == AB_ADOPT_ALREADY) {
        snprintf(g->request_id, sizeof g->request_id, "%s", sub->request_id);
        AB_INFO("generation submitted", "{s:s,s:I,s:s,s:s}", "request_id", sub->request_id,
                "generation_id", (json_int_t)g->id, "app_id", g->app_id, "mode", g->mode);
        if (simulated(g)) {
            double left = ctx->app->cfg->fal_simulate_generation_seconds - g->elapsed_s;
            if (left <= 0)
                return complete_simulated(ctx, g);
            show_status(ctx, g, "in_progress", AB_MSG_GEN_RUNNING, 0);
            return again_in(ctx, left);
        }
        show_status(ctx, g, "submitted", AB_MSG_GEN_QUEUED, 1);
        return again(ctx);
    }
    if (!simulated(g))
        ab_fal_once_cancel_extra(ctx, g->app_id, sub);
    return again_in(ctx, 0.5);
}

static ab_job_outcome reconcile_from(ab_job_ctx *ctx, ab_generation *g, const char *why)
{
    int window = ctx->app->cfg->fal_reconcile_s;
    bool moved = false;
    ab_err err = ab_db_fal_submit_unknown(
        ctx->db, g->nonce, window < RECONCILE_MAX_S ? window : RECONCILE_MAX_S, &moved);
    if (err != AB_OK)
        return db_retry(ctx, "recording the unknown submit failed", err);
    ab_run_fal_error("unknown");
    AB_WARN("FAL submit outcome unknown: reconciling", "{s:I,s:s,s:s,s:b}", "generation_id",
            (json_int_t)g->id, "nonce", g->nonce, "why", why, "moved", moved);
    return again(ctx);
}

/* One attempt of a 'preparing' generation: its input, the attempt recorded, the POST. */
static ab_job_outcome attempt(ab_job_ctx *ctx, ab_generation *g)
{
    const ab_config *cfg = ctx->app->cfg;
    bool lora = g->lora_url[0] != '\0';
    const ab_generator *gen = ab_generator_for(lora ? AB_RESULT_LORA : AB_RESULT_FINETUNE);
    ab_generation_request req = {.scene = g->prompt,
                                 .trigger = g->trigger,
                                 .aspect = g->aspect,
                                 .count = g->count,
                                 .seed = (uint32_t)g->seed,
                                 .model_ref = lora ? g->lora_url : g->finetune_id};
    json_t *input = ab_generator_input(
        gen, lora ? cfg->fal_lora_generation_input : cfg->fal_finetune_generation_input, &req);
    if (!input)
        return end_failed(ctx, g, AB_MSG_REASON_GEN_REFUSED,
                          "no input could be built (the avatar has no model or trigger)");
    char *input_text = ab_json_dump(input);
    if (!input_text || !ab_fal_once_nonce(g->nonce)) {
        json_decref(input);
        free(input_text);
        return db_retry(ctx, "building the input failed", AB_ERR_NOMEM);
    }
    snprintf(g->app_id, sizeof g->app_id, "%s", gen->app_id);
    int n = 0;
    ab_err err = ab_db_fal_submit_begin(ctx->db, g->request_id, ctx->job->id, g->nonce, gen->app_id,
                                        input_text, NULL, &n);
    free(input_text);
    if (err != AB_OK) {
        json_decref(input);
        /* another runner began it, or it ended: the next round sees which */
        return err == AB_ERR_CONFLICT ? again_in(ctx, 1)
                                      : db_retry(ctx, "recording the submit attempt failed", err);
    }
    ab_fal_submission sub;
    memset(&sub, 0, sizeof sub);
    if (simulated(g)) {
        json_decref(input);
        snprintf(sub.request_id, sizeof sub.request_id, "sim-%.32s", g->nonce);
        return take_answer(ctx, g, g->nonce, &sub);
    }
    char webhook[1200];
    snprintf(webhook, sizeof webhook, "%s/fal/webhook?run=%s", cfg->public_base_url, g->nonce);
    ab_fal_error ferr;
    err = ab_fal_submit(ctx->http, cfg->fal_queue_base, cfg->fal_key, gen->app_id, webhook, input,
                        cfg->fal_submit_timeout_s, &sub, &ferr);
    json_decref(input);
    if (err == AB_OK)
        return take_answer(ctx, g, g->nonce, &sub);
    if (ferr.maybe_accepted)
        return reconcile_from(ctx, g, ferr.detail[0] ? ferr.detail : ab_err_name(err));
    bool moved = false;
    ab_err dberr = ab_db_fal_submit_refused(ctx->db, g->nonce, &moved);
    if (dberr != AB_OK)
        return db_retry(ctx, "recording the refused submit failed", dberr);
    if (!moved)
        return again_in(ctx, 1);
    if (err == AB_ERR_REMOTE) {
        ab_run_fal_error("refused");
        AB_ERROR("FAL refused the generation", "{s:I,s:s,s:i,s:s}", "generation_id",
                 (json_int_t)g->id, "app_id", gen->app_id, "http_status", (int)ferr.http_status,
                 "detail", ferr.detail);
        return end_failed(ctx, g, AB_MSG_REASON_GEN_REFUSED, ferr.detail);
    }
    ab_run_fal_error("unavailable");
    if (ctx->job->attempts >= ctx->job->max_attempts)
        return end_failed(ctx, g, AB_MSG_REASON_GEN_UNAVAILABLE,
                          ferr.detail[0] ? ferr.detail : ab_err_name(err));
    snprintf(ctx->error, sizeof ctx->error, "FAL unavailable: %.400s",
             ferr.detail[0] ? ferr.detail : ab_err_name(err));
    return AB_JOB_RETRY;
}

static ab_job_outcome reconcile(ab_job_ctx *ctx, ab_generation *g)
{
    double poll = ctx->app->cfg->fal_generation_poll_seconds;
    if (!simulated(g)) {
        ab_fal_once_run run = {g->request_id, g->app_id, g->nonce, g->opened_s};
        char adopted[128];
        if (ab_fal_once_sweep(ctx, &run, true, adopted))
            return again_in(ctx, 0.2); /* the next round polls the adopted request */
    }
    if (g->reconcile_left_s > 0)
        return again_in(ctx, g->reconcile_left_s < poll ? g->reconcile_left_s + 0.05 : poll);
    bool moved = false;
    ab_err err = ab_db_fal_submit_supersede(ctx->db, g->nonce, &moved);
    if (err != AB_OK)
        return db_retry(ctx, "superseding the submit failed", err);
    if (moved)
        AB_WARN("no sign of the generation's submit at FAL: submitting again", "{s:I,s:s}",
                "generation_id", (json_int_t)g->id, "nonce", g->nonce);
    return again_in(ctx, 0.2);
}

/* The result of a request FAL says is COMPLETED. */
static ab_job_outcome take_result(ab_job_ctx *ctx, const ab_generation *g)
{
    json_t *result = NULL;
    ab_fal_error ferr;
    ab_err err = ab_fal_result(ctx->http, ctx->app->cfg->fal_key, g->response_url, &result, &ferr);
    if (err == AB_OK) {
        ab_job_outcome out = complete(ctx, g, result);
        json_decref(result);
        return out;
    }
    if (err == AB_ERR_REMOTE) {
        ab_run_fal_error("failed");
        return end_failed(ctx, g, AB_MSG_REASON_GEN_FAILED, ferr.detail);
    }
    ab_run_fal_error("unavailable");
    return again(ctx);
}

/* A submitted generation: its status (a lost webhook costs one poll interval). */
static ab_job_outcome poll(ab_job_ctx *ctx, ab_generation *g)
{
    const ab_config *cfg = ctx->app->cfg;
    if (simulated(g)) {
        double left = cfg->fal_simulate_generation_seconds - g->elapsed_s;
        if (left <= 0)
            return complete_simulated(ctx, g);
        show_status(ctx, g, "in_progress", AB_MSG_GEN_RUNNING, 0);
        return again_in(ctx, left + 0.05);
    }
    if (g->elapsed_s > MAX_GENERATION_S) {
        ab_fal_cancel_outcome co;
        ab_fal_error ferr;
        if (ab_fal_cancel(ctx->http, cfg->fal_key, g->cancel_url, &co, &ferr) == AB_OK &&
            co == AB_FAL_CANCEL_TOO_LATE)
            return take_result(ctx, g);
        return end_failed(ctx, g, AB_MSG_REASON_GEN_TOO_LONG, "no result within the time limit");
    }
    ab_fal_status_info st;
    ab_fal_error ferr;
    ab_err err = ab_fal_status(ctx->http, cfg->fal_key, g->status_url, &st, &ferr);
    if (err == AB_ERR_REMOTE && ferr.http_status != 401 && ferr.http_status != 403) {
        ab_run_fal_error("failed"); /* FAL does not know the request (any more) */
        return end_failed(ctx, g, AB_MSG_REASON_GEN_FAILED, ferr.detail);
    }
    if (err != AB_OK) {
        ab_run_fal_error(err == AB_ERR_REMOTE ? "auth" : "unavailable");
        AB_WARN("generation status unavailable", "{s:s,s:s}", "request_id", g->request_id, "detail",
                ferr.detail[0] ? ferr.detail : ab_err_name(err));
        return again(ctx);
    }
    switch (st.state) {
    case AB_FAL_IN_QUEUE:
        show_status(ctx, g, "in_queue", AB_MSG_GEN_QUEUED,
                    st.queue_position >= 0 ? st.queue_position + 1 : 1);
        return again(ctx);
    case AB_FAL_IN_PROGRESS:
        show_status(ctx, g, "in_progress", AB_MSG_GEN_RUNNING, 0);
        return again(ctx);
    case AB_FAL_COMPLETED:
        break;
    }
    return take_result(ctx, g);
}

static bool load(ab_job_ctx *ctx, ab_generation *g, ab_job_outcome *out)
{
    int64_t id = 0;
    if (!ab_json_i64(ctx->payload, "generation_id", &id) || id <= 0) {
        snprintf(ctx->error, sizeof ctx->error, "no generation_id");
        *out = AB_JOB_FAIL;
        return false;
    }
    ab_err err = ab_db_generation_load(ctx->db, id, g);
    if (err == AB_ERR_NOT_FOUND) {
        *out = AB_JOB_DONE; /* deleted with its avatar */
        return false;
    }
    if (err != AB_OK) {
        *out = db_retry(ctx, "loading the generation failed", err);
        return false;
    }
    return true;
}

/* Carries the generation one step further, whatever state an earlier runner left. */
ab_job_outcome ab_job_generation_run(ab_job_ctx *ctx)
{
    ab_generation g;
    ab_job_outcome out;
    if (!load(ctx, &g, &out))
        return out;
    if (strcmp(g.status, "running") != 0 || !g.run_status[0] || is(&g, "completed") ||
        is(&g, "error") || is(&g, "cancelled"))
        return AB_JOB_DONE;
    if (is(&g, "preparing"))
        return attempt(ctx, &g);
    if (is(&g, "submitting")) {
        /* an attempt of a runner that died or lost its lease: its POST has ended once the
         * submit timeout is behind it, and then nobody knows how */
        double settle = ctx->app->cfg->fal_submit_timeout_s + 10.0;
        if (g.submitting_s >= 0 && g.submitting_s < settle)
            return again_in(ctx, settle - g.submitting_s);
        return reconcile_from(ctx, &g, "the submitting runner went away");
    }
    if (is(&g, "reconciling"))
        return reconcile(ctx, &g);
    return poll(ctx, &g);
}

ab_job_outcome ab_job_generation_finish(ab_job_ctx *ctx)
{
    const char *request_id = ab_json_nonempty(ctx->payload, "request_id");
    const char *status = ab_json_str(ctx->payload, "status");
    if (!request_id || !status) {
        snprintf(ctx->error, sizeof ctx->error, "no request_id or status");
        return AB_JOB_FAIL;
    }
    ab_generation g;
    ab_err err = ab_db_generation_by_request(ctx->db, request_id, &g);
    if (err == AB_ERR_NOT_FOUND)
        return AB_JOB_DONE;
    if (err != AB_OK)
        return db_retry(ctx, "loading the generation failed", err);
    if (strcmp(g.status, "running") != 0)
        return AB_JOB_DONE; /* a duplicate: it ended already */
    json_t *payload = json_object_get(ctx->payload, "payload");
    if (strcmp(status, "OK") == 0)
        /* OK without a payload (FAL could not serialize it): fetch it */
        return json_is_object(payload) ? complete(ctx, &g, payload) : take_result(ctx, &g);
    char detail[1024];
    ab_fal_finish_detail(ctx->payload, detail, sizeof detail);
    ab_run_fal_error("failed");
    return end_failed(ctx, &g, AB_MSG_REASON_GEN_FAILED, detail);
}

/* A given-up generation job never leaves its user unable to make pictures: a generation that
 * never reached FAL ends (the user told); one FAL may have is followed by a new run job. */
void ab_job_generation_give_up(ab_job_ctx *ctx)
{
    ab_generation g;
    ab_job_outcome out;
    int64_t id = 0;
    const char *rid = ab_json_nonempty(ctx->payload, "request_id");
    if (rid ? ab_db_generation_by_request(ctx->db, rid, &g) != AB_OK : !load(ctx, &g, &out))
        return;
    if (strcmp(g.status, "running") != 0)
        return;
    if (is(&g, "preparing")) {
        end_failed(ctx, &g, AB_MSG_REASON_GEN_UNAVAILABLE, ctx->error);
        return;
    }
    id = g.id;
    char payload[64], dedup[64];
    snprintf(payload, sizeof payload, "{\"generation_id\":%lld}", (long long)id);
    snprintf(dedup, sizeof dedup, "gen-after:%lld", (long long)ctx->job->id);
    ab_job_spec spec = {.kind = AB_JOB_KIND_GENERATION_RUN,
                        .chat_id = g.chat_id,
                        .user_id = g.user_id,
                        .avatar_id = g.avatar_id,
                        .payload_json = payload,
                        .delay_s = GIVE_UP_AGAIN_S,
                        .dedup_key = dedup};
    ab_err err = ab_db_job_enqueue_spec(ctx->db, &spec);
    AB_WARN("generation job given up: followed by a new one", "{s:I,s:s,s:s}", "generation_id",
            (json_int_t)id, "run_status", g.run_status, "queued", ab_err_name(err));
}
