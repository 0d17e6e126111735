/* The HTTP server (libmicrohttpd, one thread per connection so handlers may block on the
 * database) and the routing table of the service's endpoints. */
#ifndef AB_HTTP_SERVER_H
#define AB_HTTP_SERVER_H

#include <stddef.h>

#include "core/app.h"
#include "core/error.h"

struct MHD_Connection;

typedef struct {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char *body;      /* NUL-terminated, may hold NULs; owned by the server */
    size_t body_len;
} ab_http_req;

typedef struct {
    int status;
    const char *content_type;
    char *body; /* malloc'd, freed by the server */
    size_t body_len;
} ab_http_reply;

/** Header value or NULL. Borrowed. */
const char *ab_http_header(const ab_http_req *req, const char *name);
/** JSON reply {"ok":false,"error":code,"description":text}. */
ab_http_reply ab_http_error(int status, const char *code, const char *description);
/** Reply with a copy of a JSON object text. */
ab_http_reply ab_http_json(int status, const char *json_text);

/* Endpoints (one file each). */
ab_http_reply ab_ep_telegram_webhook_check(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_telegram_webhook(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_fal_webhook(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_healthz(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_readyz(ab_app *app, const ab_http_req *req);
ab_http_reply ab_ep_metrics(ab_app *app, const ab_http_req *req);

typedef struct ab_http_server ab_http_server;
/** Starts listening on cfg's bind address and port. */
ab_err ab_http_start(ab_app *app, ab_http_server **out);
/** Stops accepting, waits for in-flight requests, frees. */
void ab_http_stop(ab_http_server *srv);

#endif
