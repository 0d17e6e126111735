/* The HTTP server (libmicrohttpd: a few event-loop threads, each serving many connections)
 * and the routing table of the service's endpoints. Handlers run on the event loop and must
 * not block: the webhook defers its answer to the inbox batcher (ab_http_defer), and routes
 * that wait on the database or the network (readiness, metrics, FAL's callbacks) are marked
 * offload in server.c and run on helper threads with their connection suspended. */
#ifndef AB_HTTP_SERVER_H
#define AB_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "core/error.h"

struct MHD_Connection;

typedef struct {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char *body; /* NUL-terminated, may hold NULs; owned by the server */
    size_t body_len;
    void *server_state; /* the server's, for ab_http_defer */
} ab_http_req;

typedef struct {
    int status;
    const char *content_type;
    char *body; /* malloc'd, freed by the server */
    size_t body_len;
    bool ok; /* the shared 200 {"ok":true} (ab_http_ok); status, body unused */
} ab_http_reply;

/** Header value or NULL. Borrowed. */
const char *ab_http_header(const ab_http_req *req, const char *name);
/** JSON reply {"ok":false,"error":code,"description":text}. */
ab_http_reply ab_http_error(int status, const char *code, const char *description);
/** Reply with a copy of a JSON object text. */
ab_http_reply ab_http_json(int status, const char *json_text);
/** 200 {"ok":true}, the webhooks' answer: one response object shared by every request. */
ab_http_reply ab_http_ok(void);

/* Answering later. The handler calls ab_http_defer, hands the pending request to whoever
 * finishes the work and returns AB_HTTP_LATER; that one calls ab_http_finish exactly once,
 * from any thread. The request's body stays valid until then. */
typedef struct ab_http_pending ab_http_pending;
#define AB_HTTP_LATER ((ab_http_reply){-1, NULL, NULL, 0, false})
/** Suspends the request. False while the server is stopping: answer at once instead. */
bool ab_http_defer(const ab_http_req *req, ab_http_pending **out);
/** Sends the reply of a deferred request (takes ownership of reply.body). */
void ab_http_finish(ab_http_pending *pending, ab_http_reply reply);

/* Endpoints (one file each). */
ab_http_reply ab_ep_telegram_webhook_check(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_fal_webhook_check(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_telegram_webhook(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_fal_webhook(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_healthz(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_readyz(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_metrics(ab_app *app, const ab_http_req *req);

typedef struct ab_http_server ab_http_server;
/** Starts listening on cfg's bind address and port. */
ab_err ab_http_start(ab_app *app, ab_http_server **out);
/** Stops accepting, waits for deferred requests to be answered, frees. */
void ab_http_stop(ab_http_server *srv);

#endif
