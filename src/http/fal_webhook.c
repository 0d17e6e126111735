/* POST /fal/webhook[?run=<nonce>]: FAL tells us a request (a training or a generation) ended.
 * Nothing is trusted before the ED25519 signature over (request id, user id, timestamp, body hash)
 * verifies against FAL's published keys: forged, tampered or stale calls get 401 and change
 * nothing, and when the keys cannot be fetched we answer 503 (never fail open) so FAL delivers
 * again later. A valid call is stored on its run and, if the run is still open, its kind's finish
 * job is queued (one per request id, so FAL's repeated deliveries end a run once); then 200 at
 * once.
 *
 * The query's nonce names the submit attempt that sent the request (db/fal_submit.h): a run
 * that never learned its request id (the submit's answer was lost) adopts it here; a request of
 * an attempt whose run has another one, or has ended, is recorded as an extra and otherwise
 * ignored (it has ended, as a webhook says, so there is nothing left to cancel). The signature
 * does not cover the query, but a nonce is 128 random bits known only to us and FAL. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/fal_submit.h"
#include "db/jobs.h"
#include "db/training.h"
#include "fal/queue.h"
#include "fal/webhook_body.h"
#include "fal/webhook_verify.h"
#include "http/server.h"

static void count(const char *result)
{
    char labels[48];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    ab_metrics_add(AB_M_FAL_WEBHOOKS, labels, 1);
}

typedef struct {
    const char *request_id;
    const char *event;      /* the body as received */
    const char *finish;     /* the finish job's payload */
    const char *nonce;      /* ?run=, NULL when none */
    const char *queue_base; /* where the adopted request's URLs point */
    int found, open, adopted, extra;
} webhook_tx_ctx;

/* The request of attempt w->nonce: adopted by its run if the run still waits for one. */
static ab_err adopt(ab_db *db, webhook_tx_ctx *w)
{
    char run_id[128], app_id[96];
    ab_err err = ab_db_fal_submit_lookup(db, w->nonce, run_id, app_id);
    if (err == AB_ERR_NOT_FOUND)
        return AB_OK;
    ab_fal_submission urls;
    if (err != AB_OK || ab_fal_request_urls(w->queue_base, app_id, w->request_id, &urls) != AB_OK)
        return err;
    ab_adopt ad;
    err = ab_db_fal_submit_adopt(db, w->nonce, w->request_id, urls.status_url, urls.response_url,
                                 urls.cancel_url, &ad);
    w->adopted = err == AB_OK && ad.result == AB_ADOPT_ADOPTED;
    w->extra = err == AB_OK && ad.result == AB_ADOPT_EXTRA;
    return err;
}

static ab_err webhook_tx(ab_db *db, void *arg)
{
    webhook_tx_ctx *w = arg;
    bool open = false, generation = false;
    w->found = w->open = w->adopted = w->extra = 0;
    ab_err err = w->nonce ? adopt(db, w) : AB_OK;
    if (err != AB_OK)
        return err;
    if (w->extra) {
        w->found = 1;
        return AB_OK;
    }
    err = ab_db_fal_event(db, w->request_id, w->event, &open, &generation);
    if (err == AB_ERR_NOT_FOUND)
        return AB_OK; /* not one of ours (or not recorded yet: the poll will find it) */
    if (err != AB_OK)
        return err;
    w->found = 1;
    w->open = open;
    if (!open)
        return AB_OK;
    char dedup[200];
    snprintf(dedup, sizeof dedup, "finish:%s", w->request_id);
    ab_job_spec spec = {.kind = generation ? AB_JOB_KIND_GENERATION_FINISH
                                           : AB_JOB_KIND_TRAINING_FINISH,
                        .payload_json = w->finish,
                        .dedup_key = dedup};
    return ab_db_job_enqueue_spec(db, &spec);
}

static ab_fal_sig_headers sig_headers(const ab_http_req *req)
{
    return (ab_fal_sig_headers){ab_http_header(req, "X-Fal-Webhook-Request-Id"),
                                ab_http_header(req, "X-Fal-Webhook-User-Id"),
                                ab_http_header(req, "X-Fal-Webhook-Timestamp"),
                                ab_http_header(req, "X-Fal-Webhook-Signature")};
}

/* On the headers alone, before a body is read or a helper thread taken: junk and other FAL
 * accounts' calls are refused at once (the signature, over the user id too, is checked with
 * the body). */
ab_http_reply ab_ep_fal_webhook_check(ab_app *app, const ab_http_req *req)
{
    ab_fal_sig_headers h = sig_headers(req);
    const char *account = app->cfg->fal_user_id;
    const char *why = ab_fal_check_headers(&h, time(NULL)) != AB_OK
                          ? "missing, malformed or expired signature headers"
                      : account && *account && strcmp(h.user_id, account) != 0
                          ? "another FAL account"
                          : NULL;
    if (!why)
        return (ab_http_reply){0, NULL, NULL, 0, false};
    count("rejected");
    ab_metrics_add(AB_M_FAL_ERRORS, "kind=\"webhook_rejected\"", 1);
    AB_WARN("FAL webhook refused: headers", "{s:s?,s:s}", "request_id", h.request_id, "why", why);
    return ab_http_error(401, "unauthorized", why);
}

ab_http_reply ab_ep_fal_webhook(ab_app *app, const ab_http_req *req)
{
    ab_fal_sig_headers h = sig_headers(req);
    ab_err err = ab_fal_verify(app->fal_verifier, &h, req->body, req->body_len, time(NULL));
    if (err == AB_ERR_INVALID) {
        count("rejected");
        ab_metrics_add(AB_M_FAL_ERRORS, "kind=\"webhook_rejected\"", 1);
        AB_WARN("FAL webhook refused: signature", "{s:s?}", "request_id", h.request_id);
        return ab_http_error(401, "unauthorized", "missing, expired or invalid signature");
    }
    if (err != AB_OK) {
        AB_WARN("FAL webhook not checked: keys unavailable", "{s:s}", "error", ab_err_name(err));
        return ab_http_error(503, "unavailable", "signing keys unavailable, retry later");
    }
    ab_fal_webhook_body b;
    err = ab_fal_webhook_parse(req->body, req->body_len, h.request_id, &b);
    if (err == AB_ERR_INVALID) {
        count("rejected");
        return ab_http_error(400, "bad_request",
                             "expected {request_id, status: OK|ERROR} matching the signature");
    }
    ab_db *db = err == AB_OK ? ab_db_pool_get(app->pool, 2000) : NULL;
    if (!db) {
        ab_fal_webhook_body_free(&b);
        return ab_http_error(503, "unavailable", "database busy, retry later");
    }
    const char *rid = b.request_id, *status = b.status;
    const char *nonce = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, "run");
    webhook_tx_ctx w = {.request_id = rid,
                        .event = b.event,
                        .finish = b.finish,
                        .nonce = nonce && *nonce ? nonce : NULL,
                        .queue_base = app->cfg->fal_queue_base};
    err = ab_db_tx(db, webhook_tx, &w);
    ab_db_pool_put(app->pool, db);
    const char *result = !w.found  ? "unknown"
                         : w.extra ? "extra"
                         : w.open  ? (w.adopted ? "adopted" : "accepted")
                                   : "duplicate";
    AB_INFO("FAL webhook", "{s:s,s:s,s:s}", "request_id", rid, "status", status, "result",
            err != AB_OK ? ab_err_name(err) : result);
    ab_fal_webhook_body_free(&b);
    if (err != AB_OK)
        return ab_http_error(503, "unavailable", "not stored, retry later");
    count(result);
    if (w.open) {
        ab_signal_raise_one(&app->jobs_ready);
        ab_app_request_notify(app, &app->notify_jobs);
    }
    return ab_http_ok();
}
