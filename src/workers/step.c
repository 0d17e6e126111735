/* FSM steps on updates the dispatcher claimed (lanes locked, attempts counted), a round of
 * them in one transaction: read each update, load the round's users and chats' states, run
 * each handler, then write the new states, the outgoing calls and the inbox rows' "done"
 * together. Any error rolls all of it back and each step runs again alone; after a few failed
 * attempts (a crash during the step counts, being counted at the claim) the update is set
 * aside and the user gets a plain apology. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/avatars.h"
#include "db/billing.h"
#include "db/chat.h"
#include "db/generations.h"
#include "db/inbox.h"
#include "db/outbox.h"
#include "db/photos.h"
#include "db/step_finish.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "workers/effects_apply.h"
#include "workers/workers.h"

#define MAX_ATTEMPTS 3

typedef struct {
    const ab_inbox_claim *claim;
    int64_t update_id;
    int found;
    char error[256];
    ab_update upd; /* parsed in the transaction; kept for the failure path */
    int parsed;
    bool calls;                 /* what the committed step wrote */
    const char *payment_result; /* a successful_payment: credited | duplicate | unmatched */
    int payment_stars;          /* Stars of a payment credited */
    const char *refusal;        /* a paid action refused (metric labels) */
    ab_fx_apply_ctx applied;    /* what its effects did (jobs queued, avatars created, ...) */
    ab_user_row user;           /* its sender (id 0: none), loaded with the round's */
    ab_chat_row chat;           /* its chat (chat_id 0: none needed), loaded with the round's */
    json_t *finish;             /* the round's list of step ends this step adds its own to */
} step_ctx;

static ab_err apply_effects(ab_db *db, const ab_fsm_ctx *ctx, ab_effects *fx, step_ctx *s)
{
    s->applied = (ab_fx_apply_ctx){.db = db, .ctx = ctx, .fx = fx};
    ab_err err = ab_fx_apply_all(&s->applied);
    if (err == AB_ERR_CONFLICT || err == AB_ERR_LIMIT || err == AB_ERR_NOT_FOUND)
        /* Another chat of the same user changed the avatars since we read them: run the whole
         * step again on fresh data (the handler then answers with the right message). */
        return AB_ERR_DB_RETRY;
    if (err != AB_OK)
        return err;
    /* the new state, the replies and the update's "done": written with the round's steps'
     * (src/db/step_finish.c) */
    json_t *end = json_pack("{s:I,s:I,s:s}", "update_id", (json_int_t)s->update_id, "chat_id",
                            (json_int_t)ctx->chat_id, "state", ab_state_name(fx->next));
    if (end && fx->data)
        json_object_set(end, "data", fx->data);
    if (end && json_array_size(fx->calls) > 0)
        json_object_set(end, "calls", fx->calls);
    if (json_array_append_new(s->finish, end) != 0)
        err = AB_ERR_NOMEM;
    if (err == AB_OK && (fx->user_blocked || fx->user_unblocked) && ctx->user_id)
        err = ab_db_user_set_blocked(db, ctx->user_id, fx->user_blocked);
    if (err == AB_OK && fx->user_language && ctx->user_id)
        err = ab_db_user_set_language(db, ctx->user_id, fx->user_language);
    if (err == AB_OK && fx->privacy_accepted && ctx->user_id)
        err = ab_db_user_accept_privacy(db, ctx->user_id);
    return err;
}

static bool is_generation_event(ab_event e)
{
    return e == AB_EV_BTN_GEN_START || e == AB_EV_BTN_GEN_ASPECT || e == AB_EV_BTN_GEN_COUNT ||
           e == AB_EV_BTN_GEN_AGAIN || e == AB_EV_BTN_GEN_FILES;
}

/* What the generation buttons decide on: the user's running generation and today's pictures,
 * and the generation a button names when it is the caller's. */
static ab_err load_generation(ab_db *db, ab_fsm_ctx *ctx, ab_generation_view *g)
{
    bool running = false;
    ab_err err = ab_db_generation_usage(db, ctx->user_id, &running, &ctx->gen_images_today);
    ctx->gen_running = running;
    if (err != AB_OK || (ctx->event != AB_EV_BTN_GEN_AGAIN && ctx->event != AB_EV_BTN_GEN_FILES))
        return err;
    err = ab_db_generation_view(db, ctx->user_id, ctx->arg, g);
    if (err == AB_OK)
        ctx->generation = g;
    return err == AB_ERR_NOT_FOUND ? AB_OK : err;
}

/* A successful_payment: credits its package once per Telegram charge, in this step's
 * transaction, so the credit and the confirmation the handler sends commit together. It is
 * credited whatever BILLING says now: Telegram has taken the Stars. */
static ab_err credit_payment(ab_db *db, ab_fsm_ctx *ctx, step_ctx *s)
{
    const ab_update *u = &s->upd;
    ab_billing_pack pack;
    int64_t buyer = 0;
    if (!ab_billing_payload_parse(u->payment.payload, &pack, &buyer) || buyer != u->user_id ||
        !u->payment.currency || strcmp(u->payment.currency, AB_BILLING_CURRENCY) != 0 ||
        u->payment.total_amount != pack.stars) {
        /* checked at pre-checkout, so not ours or tampered with: the operator must look */
        AB_ERROR("payment not matched to a package", "{s:s,s:s,s:I,s:I}", "charge_id",
                 u->payment.charge_id, "payload", u->payment.payload ? u->payment.payload : "",
                 "amount", (json_int_t)u->payment.total_amount, "user_id", (json_int_t)u->user_id);
        s->payment_result = "unmatched";
        return AB_OK;
    }
    ab_payment p = {.user_id = u->user_id,
                    .telegram_charge_id = u->payment.charge_id,
                    .provider_charge_id = u->payment.provider_charge_id,
                    .currency = u->payment.currency,
                    .payload = u->payment.payload,
                    .total_amount = u->payment.total_amount,
                    .credits = pack.credits};
    ab_err err =
        ab_db_billing_credit_payment(db, &p, &ctx->payment.credited, &ctx->payment.balance);
    if (err != AB_OK)
        return err;
    ctx->payment.matched = true;
    ctx->payment.credits = pack.credits;
    s->payment_result = ctx->payment.credited ? "credited" : "duplicate";
    s->payment_stars = ctx->payment.credited ? pack.stars : 0;
    return AB_OK;
}

/* The buttons that start paid FAL work (or its confirm screen). */
static bool is_paid_event(ab_event e)
{
    return e == AB_EV_BTN_TRAIN_START || e == AB_EV_BTN_TRAIN_GO || e == AB_EV_BTN_GEN_COUNT ||
           e == AB_EV_BTN_GEN_AGAIN;
}

/* Where the user's balance is shown or decides something (BILLING=stars). */
static bool shows_balance(const ab_fsm_ctx *ctx)
{
    return is_paid_event(ctx->event) || ctx->event == AB_EV_CMD_BALANCE ||
           ctx->event == AB_EV_BTN_BALANCE || ctx->event == AB_EV_BTN_GEN_ASPECT ||
           ctx->event == AB_EV_PAYMENT || ctx->event == AB_EV_CMD_PROMO ||
           ctx->state == AB_ST_ENTERING_PROMO || ctx->state == AB_ST_BALANCE ||
           ctx->state == AB_ST_TOP_UP;
}

/* Today's FAL work, when a ceiling is set (what the handler decides on; the effect takes its
 * place under a row lock, and a race lost reruns the step). */
static ab_err load_fal_daily(ab_db *db, const ab_config *cfg, ab_fsm_ctx *ctx)
{
    ab_err err = AB_OK;
    if (cfg && cfg->fal_daily_trainings_max > 0)
        err = ab_db_fal_daily_used(db, AB_FAL_DAILY_TRAININGS, &ctx->fal_trainings_today);
    if (err == AB_OK && cfg && cfg->fal_daily_images_max > 0)
        err = ab_db_fal_daily_used(db, AB_FAL_DAILY_IMAGES, &ctx->fal_images_today);
    return err;
}

/* The promo code the user sent, and what redeeming it would do (none: /promo alone). */
static ab_err load_promo(ab_db *db, ab_fsm_ctx *ctx)
{
    const char *text = ctx->upd->text ? ctx->upd->text : "";
    ab_promo_check *p = &ctx->promo;
    if (ab_promo_code_parse(text, p->code))
        return ab_db_promo_check(db, ctx->user_id, p->code, p);
    /* "/promo" alone asks for the code; anything else is no code of ours */
    const char *rest = text + strcspn(text, " \t\n");
    rest += strspn(rest, " \t\n");
    bool bare = ctx->event == AB_EV_CMD_PROMO && !*rest;
    p->status = bare ? AB_PROMO_NONE : AB_PROMO_UNKNOWN;
    return AB_OK;
}

/* The step's update, parsed once (the payload does not change between tries). */
static ab_err step_parse(step_ctx *s)
{
    if (s->parsed)
        return AB_OK;
    char why[200];
    if (ab_update_parse(s->claim->payload, strlen(s->claim->payload), &s->upd, why, sizeof why) !=
        AB_OK) {
        /* ingress validated it, so this cannot happen short of manual edits: set it aside */
        snprintf(s->error, sizeof s->error, "stored update unreadable: %s", why);
        return AB_ERR_INTERNAL;
    }
    s->parsed = 1;
    return AB_OK;
}

/* A step's first part, before the round's users and chats are loaded: its update read and
 * what it needs loaded. Resets what an earlier try of the transaction left. */
static ab_err step_prepare(step_ctx *s)
{
    s->found = 1;
    s->calls = false;
    s->payment_result = NULL;
    s->payment_stars = 0;
    s->refusal = NULL;
    memset(&s->applied, 0, sizeof s->applied);
    s->error[0] = '\0';
    s->update_id = s->claim->update_id;
    s->user = (ab_user_row){0};
    s->chat = (ab_chat_row){0};
    ab_err err = step_parse(s);
    if (err != AB_OK)
        return err;
    const ab_update *u = &s->upd;
    if (s->claim->attempts > MAX_ATTEMPTS) {
        /* claimed this often without an outcome: its steps killed the replicas running them */
        snprintf(s->error, sizeof s->error,
                 "set aside unhandled: claimed %d times, the replica stopped during its step",
                 s->claim->attempts);
        return AB_ERR_INTERNAL;
    }
    s->user = (ab_user_row){.id = u->user_id,
                            .first_name = u->first_name,
                            .username = u->username,
                            .language_code = u->language_code};
    int64_t arg = 0;
    int64_t chat_id = u->chat_id ? u->chat_id : u->user_id;
    if (chat_id != 0 && ab_event_from_update(u, &arg) != AB_EV_IGNORED)
        s->chat = (ab_chat_row){.chat_id = chat_id, .user_id = u->user_id};
    return AB_OK;
}

/* The rest of a step, its user and chat loaded: the handler run and its effects applied, its
 * end added to the round's list. */
static ab_err step_decide(ab_db *db, step_ctx *s)
{
    const ab_update *u = &s->upd;
    ab_user_info user = s->user.info;
    ab_err err = AB_OK;
    if (!s->chat.chat_id) {
        /* nothing to converse about (a poll, an edit, a new kind of update): just mark it */
        json_t *end = json_pack("{s:I}", "update_id", (json_int_t)s->update_id);
        return json_array_append_new(s->finish, end) == 0 ? AB_OK : AB_ERR_NOMEM;
    }
    ab_avatar avatars[AB_MAX_AVATARS];
    int n_avatars = 0;
    /* users.avatars_count is kept by a trigger (migration 0002): none, nothing to list */
    if (u->user_id && user.avatars_count > 0) {
        err = ab_db_avatars_list(db, u->user_id, avatars, AB_MAX_AVATARS, &n_avatars);
        if (err != AB_OK)
            return err;
    }
    /* the language the user picked in the bot, else Telegram's */
    const char *lang = user.language[0]   ? user.language
                       : u->language_code ? u->language_code
                                          : user.language_code;
    ab_fsm_ctx ctx = {.upd = u,
                      .chat_id = u->chat_id ? u->chat_id : u->user_id,
                      .user_id = u->user_id,
                      .avatars_count = n_avatars,
                      .avatars = avatars,
                      .lang = ab_lang_from_code(lang),
                      .privacy_accepted = user.privacy_accepted};
    ctx.event = ab_event_from_update(u, &ctx.arg);

    if (!ab_state_parse(s->chat.state_name, &ctx.state))
        ctx.state = AB_ST_AVATAR_MENU; /* a state this build no longer has: start over */
    json_t *data = json_loads(s->chat.data_json, 0, NULL);
    ctx.data = data;
    /* the upload screens show and delete the avatar's accepted photos */
    ab_photo photos[AB_MAX_PHOTOS];
    int64_t photo_avatar = 0;
    if ((ctx.state == AB_ST_UPLOADING_PHOTOS || ctx.state == AB_ST_VIEWING_PHOTO_GALLERY) && data &&
        ab_json_i64(data, "avatar_id", &photo_avatar)) {
        err = ab_db_photos_valid(db, u->user_id, photo_avatar, photos, AB_MAX_PHOTOS,
                                 &ctx.photos_count);
        if (err != AB_OK) {
            json_decref(data);
            return err;
        }
        ctx.photos = photos;
    }
    ab_generation_view generation;
    if (err == AB_OK && is_generation_event(ctx.event))
        err = load_generation(db, &ctx, &generation);
    /* "My pictures": the page the button asks for, of the avatar it (or the chat) names */
    ab_photo pictures[AB_PICTURES_PAGE];
    int64_t pictures_avatar = ctx.arg;
    if (err == AB_OK && (ctx.event == AB_EV_BTN_GEN_PICTURES ||
                         (ctx.event == AB_EV_BTN_GEN_PICTURES_PAGE && data &&
                          ab_json_i64(data, "avatar_id", &pictures_avatar)))) {
        err = ab_db_generation_pictures(db, u->user_id, pictures_avatar,
                                        ctx.event == AB_EV_BTN_GEN_PICTURES_PAGE ? (int)ctx.arg : 0,
                                        pictures, &ctx.pictures_count, &ctx.pictures_total);
        ctx.pictures = pictures;
    }
    if (err == AB_OK && ctx.event == AB_EV_PAYMENT)
        err = credit_payment(db, &ctx, s);
    /* the balance: for its screen, the paid screens and buttons, and a payment */
    ab_billing_view billing;
    const ab_config *cfg = ab_fsm_config();
    if (err == AB_OK && u->user_id && ab_config_billing(cfg) && shows_balance(&ctx)) {
        err = ab_db_billing_welcome(db, u->user_id, cfg->billing_welcome_credits);
        if (err == AB_OK)
            err = ab_db_billing_view(db, u->user_id, &billing);
        ctx.billing = &billing;
    }
    if (err == AB_OK && is_paid_event(ctx.event))
        err = load_fal_daily(db, cfg, &ctx);
    if (err == AB_OK && ab_config_billing(cfg) && u->user_id &&
        (ctx.event == AB_EV_CMD_PROMO ||
         (ctx.event == AB_EV_TEXT && ctx.state == AB_ST_ENTERING_PROMO)))
        err = load_promo(db, &ctx);
    if (err != AB_OK) {
        json_decref(data);
        return err;
    }

    ab_effects fx;
    ab_fx_init(&fx);
    err = ab_fsm_step(&ctx, &fx);
    if (err == AB_OK)
        err = apply_effects(db, &ctx, &fx, s); /* marks the update done too */
    if (err == AB_OK)
        s->calls = json_array_size(fx.calls) > 0;
    if (err == AB_OK)
        s->refusal = fx.refusal;
    if (err == AB_OK)
        AB_DEBUG("update handled", "{s:I,s:I,s:s,s:s,s:s}", "update_id", (json_int_t)s->update_id,
                 "chat_id", (json_int_t)ctx.chat_id, "event", ab_event_name(ctx.event), "from",
                 ab_state_name(ctx.state), "to", ab_state_name(fx.next));
    else if (!s->error[0])
        snprintf(s->error, sizeof s->error, "%s: %s", ab_err_name(err), ab_db_last_message(db));
    ab_fx_free(&fx);
    json_decref(data);
    return err;
}

typedef struct {
    step_ctx *s;
    int failed;
} failure_ctx;

/* Counts the failed attempt; on the last one, tells the user in plain words. */
static ab_err failure_tx(ab_db *db, void *arg)
{
    failure_ctx *f = arg;
    step_ctx *s = f->s;
    bool failed = false;
    ab_err err = ab_db_inbox_record_failure(db, s->update_id, s->error, MAX_ATTEMPTS, &failed);
    if (err != AB_OK || !failed)
        return err;
    f->failed = 1;
    if (!s->parsed)
        return AB_OK;
    int64_t chat = s->upd.chat_id ? s->upd.chat_id : s->upd.user_id;
    if (!chat)
        return AB_OK;
    ab_effects fx;
    ab_fx_init(&fx);
    ab_lang lang = ab_lang_from_code(s->upd.language_code);
    if (s->upd.callback_id)
        err = ab_fx_answer(&fx, chat, s->upd.callback_id, NULL);
    if (err == AB_OK)
        err = ab_fx_send(&fx, chat, ab_msg(lang, AB_MSG_ERROR_GENERIC), NULL);
    char *calls = err == AB_OK ? ab_json_dump(fx.calls) : NULL;
    if (calls)
        err = ab_db_outbox_insert(db, calls, s->update_id);
    free(calls);
    ab_fx_free(&fx);
    s->calls = err == AB_OK;
    return err;
}

typedef struct {
    ab_app *app; /* NULL: a round of one, with no one to give way to */
    step_ctx *steps;
    int n;
} round_ctx;

/* The users and the chats of a round's steps, each kind loaded by one statement for all. */
static ab_err round_load(ab_db *db, step_ctx *steps, int n)
{
    ab_user_row *users = calloc((size_t)n, sizeof *users);
    ab_chat_row *chats = calloc((size_t)n, sizeof *chats);
    ab_err err = users && chats ? AB_OK : AB_ERR_NOMEM;
    int nu = 0, nc = 0;
    for (int i = 0; i < n && err == AB_OK; i++) {
        if (steps[i].user.id)
            users[nu++] = steps[i].user;
        if (steps[i].chat.chat_id)
            chats[nc++] = steps[i].chat;
    }
    if (err == AB_OK)
        err = ab_db_users_upsert(db, users, nu);
    if (err == AB_OK)
        err = ab_db_chats_load(db, chats, nc);
    if (err == AB_ERR_NOT_FOUND)
        err = AB_ERR_DB_RETRY; /* a chat erased meanwhile: its row is made again */
    for (int i = 0, u = 0, c = 0; i < n && err == AB_OK; i++) {
        if (steps[i].user.id)
            steps[i].user.info = users[u++].info;
        if (steps[i].chat.chat_id)
            steps[i].chat = chats[c++]; /* the step owns the loaded state now */
    }
    free(users);
    free(chats);
    return err;
}

/* The steps of a round (or one step alone) in the caller's transaction: each update read, the
 * users and chats loaded together, each handler run and its effects applied, and the steps'
 * ends written together. */
static ab_err round_tx(ab_db *db, void *arg)
{
    round_ctx *r = arg;
    json_t *finish = json_array();
    ab_err err = finish ? AB_OK : AB_ERR_NOMEM;
    for (int i = 0; i < r->n && err == AB_OK; i++) {
        r->steps[i].finish = finish;
        err = step_prepare(&r->steps[i]);
    }
    if (err == AB_OK)
        err = round_load(db, r->steps, r->n);
    for (int i = 0; i < r->n && err == AB_OK; i++) {
        if (i > 0 && r->app)
            ab_worker_give_way(r->app); /* webhooks first, as between transactions */
        const ab_inbox_claim *c = r->steps[i].claim;
        ab_log_scope_set(&(ab_log_scope){.update_id = c->update_id, .chat_id = c->lane});
        err = step_decide(db, &r->steps[i]);
    }
    char *text = err == AB_OK ? ab_json_dump(finish) : NULL;
    if (err == AB_OK)
        err = text ? ab_db_steps_finish(db, text) : AB_ERR_NOMEM;
    if (err != AB_OK && r->n == 1 && !r->steps[0].error[0])
        snprintf(r->steps[0].error, sizeof r->steps[0].error, "%s: %s", ab_err_name(err),
                 ab_db_last_message(db));
    free(text);
    for (int i = 0; i < r->n; i++) {
        ab_chat_rows_free(&r->steps[i].chat, 1);
        r->steps[i].finish = NULL;
    }
    json_decref(finish);
    ab_log_scope_set(NULL);
    return err;
}

/* One step in its own transaction (done NULL), or the rest of one that committed in a round
 * (done: its context, whose parsed update this takes over). */
static ab_step_result run_one(ab_db *db, const ab_inbox_claim *claim, const step_ctx *done,
                              ab_step_output *out)
{
    step_ctx s;
    memset(&s, 0, sizeof s);
    s.claim = claim;
    if (done)
        s = *done;
    round_ctx alone = {NULL, &s, 1};
    ab_err err = done ? AB_OK : ab_db_tx(db, round_tx, &alone);
    ab_log_scope_set(&(ab_log_scope){.update_id = claim->update_id, .chat_id = claim->lane});
    out->update_id = s.update_id;
    out->calls = out->jobs = false;
    ab_step_result result;
    if (err == AB_OK) {
        result = s.found ? AB_STEP_DONE : AB_STEP_IDLE;
        if (s.found)
            ab_metrics_add(AB_M_UPDATES_HANDLED, "result=\"ok\"", 1);
        out->calls = s.calls;
        const ab_fx_apply_ctx *a = &s.applied;
        out->jobs = a->jobs;
        if (a->created_portrait)
            ab_metrics_add(AB_M_AVATARS_CREATED, "training_type=\"portrait\"", a->created_portrait);
        if (a->created_style)
            ab_metrics_add(AB_M_AVATARS_CREATED, "training_type=\"style\"", a->created_style);
        if (a->deleted)
            ab_metrics_add(AB_M_AVATARS_DELETED, "", a->deleted);
        if (a->generations_started) {
            char labels[96];
            snprintf(labels, sizeof labels, "kind=\"%s\",mode=\"%s\"", a->generation_kind,
                     a->generation_mode);
            ab_metrics_add(AB_M_GENERATIONS_STARTED, labels, a->generations_started);
        }
        if (s.payment_result) {
            char labels[48];
            snprintf(labels, sizeof labels, "result=\"%s\"", s.payment_result);
            ab_metrics_add(AB_M_PAYMENTS, labels, 1);
            if (s.payment_stars)
                ab_metrics_add(AB_M_STARS_RECEIVED, "", s.payment_stars);
        }
        if (s.refusal)
            ab_metrics_add(AB_M_PAID_REFUSED, s.refusal, 1);
        if (a->credits_training)
            ab_metrics_add(AB_M_CREDITS_SPENT, "kind=\"training\"", a->credits_training);
        if (a->credits_images)
            ab_metrics_add(AB_M_CREDITS_SPENT, "kind=\"images\"", a->credits_images);
        if (a->trainings_started) {
            char labels[96];
            snprintf(labels, sizeof labels, "training_type=\"%s\",mode=\"%s\"", a->training_type,
                     a->training_mode);
            ab_metrics_add(AB_M_TRAININGS_STARTED, labels, a->trainings_started);
        }
    } else if (err == AB_ERR_DB_DOWN || err == AB_ERR_DB_BUSY || err == AB_ERR_DB_RETRY) {
        /* the database could not serve the step: not the update's fault, so its attempt is
         * given back and its lane waits a little (if the database lets us say so) */
        if (!s.error[0])
            snprintf(s.error, sizeof s.error, "%s: %s", ab_err_name(err), ab_db_last_message(db));
        ab_err deferred = ab_db_inbox_defer(db, claim->update_id, s.error);
        AB_WARN("update deferred: the database could not serve its step", "{s:I,s:I,s:s,s:b}",
                "update_id", (json_int_t)claim->update_id, "chat_id", (json_int_t)claim->lane,
                "error", s.error, "deferred", deferred == AB_OK);
        ab_metrics_add(AB_M_UPDATES_HANDLED, "result=\"deferred\"", 1);
        result = AB_STEP_BUSY;
    } else if (!s.found) {
        result = AB_STEP_BUSY;
    } else {
        if (!s.error[0])
            snprintf(s.error, sizeof s.error, "%s", ab_err_name(err));
        failure_ctx f = {&s, 0};
        s.calls = false;
        if (ab_db_tx(db, failure_tx, &f) == AB_OK)
            out->calls = s.calls;
        AB_LOG(f.failed ? AB_LOG_ERROR : AB_LOG_WARN, "update handling failed", "{s:I,s:I,s:s,s:b}",
               "update_id", (json_int_t)s.update_id, "chat_id", (json_int_t)claim->lane, "error",
               s.error, "final", f.failed);
        ab_metrics_add(AB_M_UPDATES_HANDLED, f.failed ? "result=\"failed\"" : "result=\"error\"",
                       1);
        result = AB_STEP_FAILED;
    }
    if (s.parsed)
        ab_update_free(&s.upd);
    ab_log_scope_set(NULL);
    return result;
}

ab_step_result ab_step_run_claimed(ab_db *db, const ab_inbox_claim *claim, ab_step_output *out)
{
    return run_one(db, claim, NULL, out);
}

/* Whether one of the first n steps is of this user (0: no user, never taken). */
static bool user_in(const step_ctx *steps, int n, int64_t user_id)
{
    for (int i = 0; user_id && i < n; i++)
        if (steps[i].upd.user_id == user_id)
            return true;
    return false;
}

/* Issue 19: a step's commit and its BEGIN were a third of its round trips and much of
 * PostgreSQL's work per update, so a round's steps share one transaction, and their users,
 * chats and ends are each read or written by one statement for the round. Each lane is still
 * locked and each update still marked done with its state and replies, all or nothing: a crash
 * before the commit leaves every update of the round pending, to be claimed again. Only updates
 * claimed for the first time go together: one whose earlier claim ended without an outcome (its
 * step may kill the replica) runs alone, so its attempts do not count against the others. So
 * does a second update of the same user (another of their chats): the user is read once for
 * the round, before any step, and must not be read before an earlier step changed it. When
 * anything in the shared transaction fails, it is rolled back and each step runs alone, where
 * failures are counted, deferred and answered one update at a time as before. */
void ab_step_run_round(ab_app *app, ab_db *db, const ab_inbox_claim *claims, int n,
                       ab_step_result *results, ab_step_output *outs)
{
    step_ctx *steps = n > 1 ? calloc((size_t)n, sizeof *steps) : NULL;
    int *index = n > 1 ? calloc((size_t)n, sizeof *index) : NULL;
    bool *ran = calloc(n > 0 ? (size_t)n : 1, sizeof *ran);
    round_ctx r = {app, steps, 0};
    for (int i = 0; steps && index && ran && i < n; i++) {
        if (claims[i].attempts != 1)
            continue;
        step_ctx *s = &steps[r.n];
        s->claim = &claims[i];
        if (step_parse(s) != AB_OK || user_in(steps, r.n, s->upd.user_id)) {
            if (s->parsed)
                ab_update_free(&s->upd);
            memset(s, 0, sizeof *s);
            continue;
        }
        index[r.n++] = i;
    }
    if (r.n > 1 && ab_db_tx(db, round_tx, &r) == AB_OK) {
        for (int j = 0; j < r.n; j++) {
            results[index[j]] = run_one(db, steps[j].claim, &steps[j], &outs[index[j]]);
            ran[index[j]] = true;
        }
    } else {
        for (int j = 0; j < r.n; j++)
            if (steps[j].parsed)
                ab_update_free(&steps[j].upd);
    }
    for (int i = 0; i < n; i++)
        if (!ran || !ran[i])
            results[i] = run_one(db, &claims[i], NULL, &outs[i]);
    free(steps);
    free(index);
    free(ran);
}
