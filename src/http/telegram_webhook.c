/* POST /telegram/webhook: check the secret header (constant time), parse just enough of the
 * update to know its id and chat, store it durably in the inbox, then answer 200. Nothing is
 * acknowledged before it is committed, so Telegram re-delivers whatever we did not keep. The
 * request waits for its batch deferred, not on a thread: the answer comes from on_stored.
 * The one exception is a pre_checkout_query, answered in the reply itself (answer_precheckout). */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/billing.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/db.h"
#include "db/inbox_batch.h"
#include "http/server.h"
#include "telegram/wire_update.h"
#include "ui/messages.h"

#define SECRET_HEADER "X-Telegram-Bot-Api-Secret-Token"

/* Compares digests rather than the strings so that neither the content nor the length of the
 * secret leaks through timing. The expected digest is made once, at start. */
static int secret_matches(const char *given, const unsigned char expected[SHA256_DIGEST_LENGTH])
{
    if (!given)
        return 0;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)given, strlen(given), digest);
    return CRYPTO_memcmp(digest, expected, sizeof digest) == 0;
}

ab_http_reply ab_ep_telegram_webhook_check(ab_app *app, const ab_http_req *req)
{
    if (!secret_matches(ab_http_header(req, SECRET_HEADER), app->webhook_secret_sha256)) {
        AB_WARN("webhook refused: bad secret token", NULL);
        return ab_http_error(401, "unauthorized", "missing or wrong secret token");
    }
    return (ab_http_reply){0, NULL, NULL, 0, false};
}

/* What the batcher's callback needs to answer the request. */
typedef struct {
    ab_app *app;
    ab_http_pending *pending;
    int64_t update_id, lane;
    char kind[32];
} stored_ctx;

static ab_http_reply stored_reply(ab_app *app, const stored_ctx *c, ab_err err, bool inserted)
{
    if (err != AB_OK) {
        AB_WARN("webhook not stored", "{s:I,s:s}", "update_id", (json_int_t)c->update_id, "error",
                ab_err_name(err));
        if (err == AB_ERR_SHUTTING_DOWN)
            return ab_http_error(503, "unavailable", "shutting down, retry later");
        return err == AB_ERR_DB_DOWN || err == AB_ERR_DB_RETRY || err == AB_ERR_DB_BUSY
                   ? ab_http_error(503, "unavailable", "database unavailable, retry later")
                   : ab_http_error(500, "internal_error", "update could not be stored");
    }
    ab_metrics_add(AB_M_UPDATES_RECEIVED, inserted ? "result=\"stored\"" : "result=\"duplicate\"",
                   1);
    AB_DEBUG("update stored", "{s:I,s:I,s:s,s:b}", "update_id", (json_int_t)c->update_id, "chat_id",
             (json_int_t)c->lane, "kind", c->kind, "new", inserted);
    if (inserted) {
        ab_signal_raise_one(&app->inbox_ready);         /* a dispatcher here, at once */
        ab_app_request_notify(app, &app->notify_inbox); /* and the other replicas */
    }
    return ab_http_ok();
}

/* Runs on a batcher writer thread once the update's batch is committed (or failed). */
static void on_stored(void *arg, ab_err err, bool inserted)
{
    stored_ctx *c = arg;
    if (atomic_fetch_sub(&c->app->webhooks_waiting, 1) == 1)
        ab_signal_raise(&c->app->webhooks_done);
    ab_http_finish(c->pending, stored_reply(c->app, c, err, inserted));
    free(c);
}

/* A pre_checkout_query is answered here, in this request's reply, and never enters the inbox.
 * Telegram waits at most 10 s for the answer, and the inbox serializes a chat's updates: behind
 * a backlog of that chat (an album of 50 photos, a burst of taps) the query could wait longer
 * and the payment fail. The answer is a pure check of payload, currency and amount against
 * BILLING_PACKS, with no chat state and no database, so it is given at once, on any replica:
 * the reply names the method (the Bot API runs a method given in a webhook's reply, see
 * "Making requests when getting updates"). Nothing needs storing: a repeated query is checked
 * again, and an answer that gets lost only makes Telegram cancel the payment, uncharged. A
 * refusal speaks Telegram's language of the user (a language picked in the bot is in the
 * database, which this answer does not wait for). */
static ab_http_reply answer_precheckout(ab_app *app, const ab_update *upd)
{
    if (!upd->payment.precheckout_id)
        return ab_http_ok(); /* nothing to answer */
    const ab_config *cfg = app->cfg;
    ab_precheckout_verdict v = ab_billing_precheckout(
        ab_config_billing(cfg), cfg ? cfg->billing_packs : NULL, upd->payment.payload,
        upd->payment.currency, upd->payment.total_amount, upd->user_id);
    json_t *answer =
        json_pack("{s:s,s:s,s:b}", "method", "answerPreCheckoutQuery", "pre_checkout_query_id",
                  upd->payment.precheckout_id, "ok", v == AB_PRECHECKOUT_OK);
    if (answer && v != AB_PRECHECKOUT_OK) {
        ab_lang lang = ab_lang_from_code(upd->language_code);
        ab_msg_id why =
            v == AB_PRECHECKOUT_OFF ? AB_MSG_PRECHECKOUT_OFF : AB_MSG_PRECHECKOUT_REFUSED;
        json_object_set_new(answer, "error_message", json_string(ab_msg(lang, why)));
    }
    char *text = answer ? json_dumps(answer, JSON_COMPACT) : NULL;
    json_decref(answer);
    if (!text) /* Telegram asks again; a later attempt may have the memory */
        return ab_http_error(503, "unavailable", "out of memory, retry later");
    ab_http_reply reply = ab_http_json(200, text);
    free(text);
    ab_metrics_add(AB_M_PRECHECKOUT_ANSWERS,
                   v == AB_PRECHECKOUT_OK ? "result=\"ok\"" : "result=\"refused\"", 1);
    AB_INFO("pre-checkout answered", "{s:I,s:I,s:s,s:b,s:i}", "update_id",
            (json_int_t)upd->update_id, "user_id", (json_int_t)upd->user_id, "payload",
            upd->payment.payload ? upd->payment.payload : "", "ok", v == AB_PRECHECKOUT_OK,
            "verdict", (int)v);
    return reply;
}

ab_http_reply ab_ep_telegram_webhook(ab_app *app, const ab_http_req *req)
{
    ab_update upd;
    char why[200];
    if (ab_update_parse(req->body, req->body_len, &upd, why, sizeof why) != AB_OK) {
        AB_WARN("webhook refused: bad update", "{s:s}", "reason", why);
        return ab_http_error(400, "bad_request", why);
    }
    if (upd.kind == AB_UPD_PRE_CHECKOUT_QUERY) {
        ab_http_reply reply = answer_precheckout(app, &upd);
        ab_update_free(&upd);
        return reply;
    }
    stored_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        ab_update_free(&upd);
        return ab_http_error(500, "internal_error", "update could not be stored");
    }
    c->app = app;
    c->update_id = upd.update_id;
    c->lane = upd.lane;
    snprintf(c->kind, sizeof c->kind, "%s", upd.kind_name);
    ab_update_free(&upd);
    if (!ab_http_defer(req, &c->pending)) { /* shutting down: Telegram will send it again */
        free(c);
        return ab_http_error(503, "unavailable", "shutting down, retry later");
    }
    /* From here on the answer goes through ab_http_finish, whatever happens. */
    atomic_fetch_add(&app->webhooks_waiting, 1);
    ab_err err = ab_inbox_batcher_enqueue(app->batcher, c->update_id, c->lane, c->kind, req->body,
                                          on_stored, c);
    if (err != AB_OK)
        on_stored(c, err, false);
    return AB_HTTP_LATER;
}
