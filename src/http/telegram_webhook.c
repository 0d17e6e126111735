/* POST /telegram/webhook: check the secret header (constant time), parse just enough of the
 * update to know its id and chat, store it durably in the inbox, then answer 200. Nothing is
 * acknowledged before it is committed, so Telegram re-delivers whatever we did not keep. */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "db/db.h"
#include "db/inbox_batch.h"
#include "http/server.h"
#include "telegram/update.h"

#define SECRET_HEADER "X-Telegram-Bot-Api-Secret-Token"

/* Compares digests rather than the strings so that neither the content nor the length of the
 * secret leaks through timing. */
static int secret_matches(const char *given, const char *expected)
{
    if (!given || !expected)
        return 0;
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)given, strlen(given), a);
    SHA256((const unsigned char *)expected, strlen(expected), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

ab_http_reply ab_ep_telegram_webhook_check(ab_app *app, const ab_http_req *req)
{
    if (!secret_matches(ab_http_header(req, SECRET_HEADER), app->cfg->telegram_webhook_secret)) {
        AB_WARN("webhook refused: bad secret token", NULL);
        return ab_http_error(401, "unauthorized", "missing or wrong secret token");
    }
    return (ab_http_reply){0, NULL, NULL, 0};
}

ab_http_reply ab_ep_telegram_webhook(ab_app *app, const ab_http_req *req)
{
    ab_update upd;
    char why[200];
    if (ab_update_parse(req->body, req->body_len, &upd, why, sizeof why) != AB_OK) {
        AB_WARN("webhook refused: bad update", "{s:s}", "reason", why);
        return ab_http_error(400, "bad_request", why);
    }
    bool inserted = false;
    ab_err err = ab_inbox_batcher_submit(app->batcher, upd.update_id, upd.lane, upd.kind_name,
                                         req->body, &inserted);
    if (err != AB_OK) {
        AB_WARN("webhook not stored", "{s:I,s:s}", "update_id", (json_int_t)upd.update_id,
                "error", ab_err_name(err));
        ab_update_free(&upd);
        return err == AB_ERR_DB_DOWN || err == AB_ERR_DB_RETRY
                   ? ab_http_error(503, "unavailable", "database unavailable, retry later")
                   : ab_http_error(500, "internal_error", "update could not be stored");
    }
    ab_metrics_add(AB_M_UPDATES_RECEIVED, inserted ? "result=\"stored\"" : "result=\"duplicate\"",
                   1);
    AB_DEBUG("update stored", "{s:I,s:I,s:s,s:b}", "update_id", (json_int_t)upd.update_id,
             "chat_id", (json_int_t)upd.lane, "kind", upd.kind_name, "new", inserted);
    ab_update_free(&upd);
    if (inserted) {
        ab_signal_raise_one(&app->inbox_ready); /* a dispatcher here, at once */
        ab_app_request_notify(app, &app->notify_inbox); /* and the other replicas */
    }
    return ab_http_json(200, "{\"ok\":true}");
}
