/* libmicrohttpd glue: routing, body collection with a hard size cap, reply helpers, and the
 * request metrics. Endpoint logic lives in one file per endpoint. */
#include "http/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"

#define MAX_BODY (1u << 20) /* Telegram updates are far smaller; 1 MiB is the contract */
/* A body still arriving this long after its headers is a client holding a connection open a
 * byte at a time (libmicrohttpd's timeout only counts silence): it is cut off. Telegram's and
 * FAL's bodies arrive in milliseconds. Slow headers are the ingress's to cut (see README). */
#define MAX_BODY_SECONDS 10.0
/* libmicrohttpd's per-connection memory (headers, read buffer, reply headers). It zeroes the
 * whole pool before each request of a keep-alive connection: at the default 32 KB that memset
 * was ~2.5% of the machine under webhook load. Requests here have a few hundred bytes of
 * headers, and bodies stream through on_request whatever their size. */
#define CONNECTION_POOL_BYTES (8 * 1024)

typedef ab_http_reply (*endpoint_fn)(ab_app *app, const ab_http_req *req);

typedef struct {
    const char *method;
    const char *path;
    endpoint_fn check; /* runs on headers alone, before any body is read; NULL: none */
    endpoint_fn handle;
    int takes_body;
    /* The handler may block (database, FAL's keys): it runs on a helper thread with the
     * connection suspended, so the event loop keeps serving the webhook meanwhile. */
    int offload;
} route;

static const route ROUTES[] = {
    {"POST", "/telegram/webhook", ab_ep_telegram_webhook_check, ab_ep_telegram_webhook, 1, 0},
    {"POST", "/fal/webhook", ab_ep_fal_webhook_check, ab_ep_fal_webhook, 1, 1},
    {"GET", "/healthz", NULL, ab_ep_healthz, 0, 0},
    {"GET", "/readyz", NULL, ab_ep_readyz, 0, 0},
    {"GET", "/metrics", NULL, ab_ep_metrics, 0, 0},
};

/* Helper threads for offloaded handlers (FAL's callbacks): few, since these requests are rare.
 * Their queue is bounded: past it, 503 at once (FAL delivers again later), so a flood of
 * junk callbacks while FAL's keys are slow to fetch cannot pile up memory and connections. */
#define OFFLOAD_THREADS 2
#define OFFLOAD_QUEUE_MAX 32
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

struct ab_http_server {
    struct MHD_Daemon *daemon;
    struct MHD_Response *ok; /* 200 {"ok":true}, queued by reference (MHD counts them) */
    ab_app *app;
    atomic_int stopping; /* no more deferring: deferred requests are being drained */
    atomic_int deferred; /* requests deferred and not yet completed */
    pthread_mutex_t offload_lock;
    pthread_cond_t offload_queued;
    struct ab_http_pending *offload_head, *offload_tail;
    int offload_backlog; /* queued or running */
    bool offload_quit;
    pthread_t offload_threads[OFFLOAD_THREADS];
    int offload_started;
};

/* One request; also what ab_http_pending points to. */
typedef struct ab_http_pending {
    ab_http_server *srv;
    struct MHD_Connection *conn;
    const route *route;
    char *body;
    size_t len, cap;
    int too_large;
    double started;
    int deferred;        /* counted in srv->deferred until the request completes */
    atomic_int finished; /* the deferred reply is in `later` */
    ab_http_reply later;
    const char *method, *url;     /* libmicrohttpd's, valid until the request completes */
    struct ab_http_pending *next; /* in the offload queue */
} request_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *ab_http_header(const ab_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

ab_http_reply ab_http_error(int status, const char *code, const char *description)
{
    json_t *obj = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", code, "description", description);
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    return (ab_http_reply){status, "application/json", text, text ? strlen(text) : 0, false};
}

ab_http_reply ab_http_json(int status, const char *json_text)
{
    char *copy = strdup(json_text);
    return (ab_http_reply){status, "application/json", copy, copy ? strlen(copy) : 0, false};
}

static const char OK_BODY[] = "{\"ok\":true}";

ab_http_reply ab_http_ok(void)
{
    return (ab_http_reply){200, "application/json", NULL, 0, true};
}

static struct MHD_Response *json_response(char *body, size_t len, enum MHD_ResponseMemoryMode mode,
                                          const char *content_type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
    if (resp) {
        MHD_add_response_header(resp, "Content-Type", content_type);
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }
    return resp;
}

static const char *endpoint_label(const route *r, const char *url)
{
    (void)url;
    return r ? r->path : "other";
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, request_state *st, const char *url,
                                  ab_http_reply reply)
{
    enum MHD_Result rc;
    if (reply.ok) {
        reply.status = 200;
        rc = MHD_queue_response(conn, MHD_HTTP_OK, st->srv->ok);
    } else {
        if (!reply.body) {
            /* out of memory while building the reply: still answer, with no body */
            reply.status = reply.status ? reply.status : 500;
            reply.body_len = 0;
        }
        struct MHD_Response *resp =
            json_response(reply.body ? reply.body : (char *)"", reply.body_len,
                          reply.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT,
                          reply.content_type ? reply.content_type : "application/json");
        if (!resp) {
            free(reply.body);
            return MHD_NO;
        }
        rc = MHD_queue_response(conn, (unsigned)reply.status, resp);
        MHD_destroy_response(resp);
    }

    char labels[160];
    snprintf(labels, sizeof labels, "endpoint=\"%s\",code=\"%d\"", endpoint_label(st->route, url),
             reply.status);
    ab_metrics_add(AB_M_HTTP_REQUESTS, labels, 1);
    if (st->route && st->route->handle == ab_ep_telegram_webhook)
        ab_metrics_observe(AB_M_WEBHOOK_SECONDS, "", now_s() - st->started);
    return rc;
}

static const route *find_route(const char *method, const char *url, int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        if (strcmp(ROUTES[i].path, url) != 0)
            continue;
        *path_known = 1;
        if (strcmp(ROUTES[i].method, method) == 0)
            return &ROUTES[i];
    }
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    ab_http_server *srv = cls;
    request_state *st = *req_cls;

    if (!st) {
        /* First call: headers only. Route, and refuse early what needs no body to refuse. */
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        st->started = now_s();
        st->srv = srv;
        st->conn = conn;
        st->method = method;
        st->url = url;
        *req_cls = st;
        int path_known;
        st->route = find_route(method, url, &path_known);
        if (!st->route) {
            return send_reply(conn, st, url,
                              path_known ? ab_http_error(405, "method_not_allowed",
                                                         "method not allowed on this path")
                                         : ab_http_error(404, "not_found", "no such endpoint"));
        }
        ab_http_req req = {conn, method, url, NULL, 0, st};
        if (st->route->check) {
            ab_http_reply early = st->route->check(srv->app, &req);
            if (early.status)
                return send_reply(conn, st, url, early);
        }
        const char *clen =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Far too large: refuse before reading (the client may see a reset). Slightly too
         * large bodies are read and discarded instead, so the client gets its 413. */
        if (clen && strtoull(clen, NULL, 10) > 4 * (unsigned long long)MAX_BODY)
            return send_reply(conn, st, url,
                              ab_http_error(413, "payload_too_large", "body is over 1 MiB"));
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (now_s() - st->started > MAX_BODY_SECONDS) {
            AB_WARN("request body too slow: connection closed", "{s:s,s:i}", "path", url, "bytes",
                    (int)st->len);
            return MHD_NO;
        }
        if (!st->route->takes_body || st->too_large)
            return MHD_YES;
        if (st->len + n > MAX_BODY) {
            st->too_large = 1;
            free(st->body);
            st->body = NULL;
            st->len = st->cap = 0;
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + n + 1)
                cap *= 2;
            char *grown = realloc(st->body, cap);
            if (!grown)
                return MHD_NO;
            st->body = grown;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        st->body[st->len] = '\0';
        return MHD_YES;
    }

    if (st->deferred) /* called again once resumed: the reply is there */
        return atomic_load(&st->finished) ? send_reply(conn, st, url, st->later) : MHD_YES;
    if (st->too_large)
        return send_reply(conn, st, url,
                          ab_http_error(413, "payload_too_large", "body is over 1 MiB"));
    ab_http_req req = {conn, method, url, st->body ? st->body : (char *)"", st->len, st};
    if (st->route->offload) {
        ab_http_pending *pending;
        if (!ab_http_defer(&req, &pending))
            return send_reply(conn, st, url,
                              ab_http_error(503, "unavailable", "shutting down, retry later"));
        pthread_mutex_lock(&srv->offload_lock);
        if (srv->offload_quit) { /* the helpers are gone (stopping): answer here */
            pthread_mutex_unlock(&srv->offload_lock);
            ab_http_finish(pending, ab_http_error(503, "unavailable", "shutting down"));
            return MHD_YES;
        }
        if (srv->offload_backlog >= OFFLOAD_QUEUE_MAX) {
            pthread_mutex_unlock(&srv->offload_lock);
            ab_http_finish(pending, ab_http_error(503, "unavailable", "busy, retry later"));
            return MHD_YES;
        }
        srv->offload_backlog++;
        if (srv->offload_tail)
            srv->offload_tail->next = pending;
        else
            srv->offload_head = pending;
        srv->offload_tail = pending;
        pthread_cond_signal(&srv->offload_queued);
        pthread_mutex_unlock(&srv->offload_lock);
        return MHD_YES;
    }
    ab_http_reply reply = st->route->handle(srv->app, &req);
    if (reply.status == AB_HTTP_LATER.status)
        return MHD_YES;
    return send_reply(conn, st, url, reply);
}

bool ab_http_defer(const ab_http_req *req, ab_http_pending **out)
{
    request_state *st = req->server_state;
    ab_http_server *srv = st->srv;
    /* counted before the check, so that ab_http_stop, which sets stopping and then waits for
     * the count to drop, can never miss a request suspended in between */
    atomic_fetch_add(&srv->deferred, 1);
    if (atomic_load(&srv->stopping)) {
        atomic_fetch_sub(&srv->deferred, 1);
        return false;
    }
    st->deferred = 1;
    /* suspended before the work is handed on: resuming is only defined once suspended */
    MHD_suspend_connection(st->conn);
    *out = st;
    return true;
}

void ab_http_finish(ab_http_pending *pending, ab_http_reply reply)
{
    pending->later = reply;
    atomic_store(&pending->finished, 1);
    MHD_resume_connection(pending->conn);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request_state *st = *req_cls;
    if (st) {
        if (st->deferred) {
            if (!atomic_load(&st->finished))
                AB_ERROR("deferred request ended without a reply", NULL); /* a bug */
            atomic_fetch_sub(&st->srv->deferred, 1);
        }
        free(st->body);
        free(st);
        *req_cls = NULL;
    }
}

/* Runs offloaded handlers. The connection is suspended meanwhile, so its headers and body are
 * read by this thread alone. */
static void *offload_main(void *arg)
{
    ab_http_server *srv = arg;
    pthread_mutex_lock(&srv->offload_lock);
    for (;;) {
        while (!srv->offload_head && !srv->offload_quit)
            pthread_cond_wait(&srv->offload_queued, &srv->offload_lock);
        request_state *st = srv->offload_head;
        if (!st)
            break; /* quitting, and nothing left */
        srv->offload_head = st->next;
        if (!srv->offload_head)
            srv->offload_tail = NULL;
        pthread_mutex_unlock(&srv->offload_lock);
        ab_http_req req = {st->conn, st->method, st->url, st->body ? st->body : (char *)"",
                           st->len,  st};
        ab_http_finish(st, st->route->handle(srv->app, &req));
        pthread_mutex_lock(&srv->offload_lock);
        srv->offload_backlog--;
    }
    pthread_mutex_unlock(&srv->offload_lock);
    return NULL;
}

static void offload_stop(ab_http_server *srv)
{
    pthread_mutex_lock(&srv->offload_lock);
    srv->offload_quit = true;
    pthread_cond_broadcast(&srv->offload_queued);
    pthread_mutex_unlock(&srv->offload_lock);
    for (int i = 0; i < srv->offload_started; i++)
        pthread_join(srv->offload_threads[i], NULL);
    srv->offload_started = 0;
}

static void server_free(ab_http_server *srv)
{
    offload_stop(srv);
    pthread_mutex_destroy(&srv->offload_lock);
    pthread_cond_destroy(&srv->offload_queued);
    if (srv->ok)
        MHD_destroy_response(srv->ok);
    free(srv);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    AB_DEBUG("http server", "{s:s}", "detail", line);
}

ab_err ab_http_start(ab_app *app, ab_http_server **out)
{
    *out = NULL;
    ab_http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return AB_ERR_NOMEM;
    srv->app = app;
    pthread_mutex_init(&srv->offload_lock, NULL);
    pthread_cond_init(&srv->offload_queued, NULL);
    srv->ok =
        json_response((char *)OK_BODY, strlen(OK_BODY), MHD_RESPMEM_PERSISTENT, "application/json");
    for (; srv->ok && srv->offload_started < OFFLOAD_THREADS; srv->offload_started++)
        if (pthread_create(&srv->offload_threads[srv->offload_started], NULL, offload_main, srv) !=
            0)
            break;
    if (!srv->ok || srv->offload_started < OFFLOAD_THREADS) {
        server_free(srv);
        return AB_ERR_NOMEM;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)app->cfg->http_port);
    if (inet_pton(AF_INET, app->cfg->http_bind, &addr.sin_addr) != 1) {
        AB_ERROR("HTTP_BIND is not an IPv4 address", "{s:s}", "bind", app->cfg->http_bind);
        server_free(srv);
        return AB_ERR_INVALID;
    }
    /* A pool of event-loop threads (epoll) rather than a thread per connection: with Telegram's
     * 40-100 parallel webhook connections, a thread each cost more in wake-ups and context
     * switches than the requests themselves (bench/: ~4,500 acks/s at 64 connections). */
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        (uint16_t)app->cfg->http_port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg->http_max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)app->cfg->http_threads, MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_POOL_BYTES, MHD_OPTION_END);
    if (!srv->daemon) {
        AB_ERROR("cannot listen", "{s:s,s:i}", "bind", app->cfg->http_bind, "port",
                 app->cfg->http_port);
        server_free(srv);
        return AB_ERR_INTERNAL;
    }
    *out = srv;
    return AB_OK;
}

void ab_http_stop(ab_http_server *srv)
{
    if (!srv)
        return;
    /* Deferred requests are answered before the daemon goes: stopping it with connections
     * suspended would drop them. serve stops the inbox batcher first, so each has its reply
     * (or is about to); this waits for the replies to be sent. */
    atomic_store(&srv->stopping, 1);
    offload_stop(srv); /* runs what is queued, then the helper threads end */
    for (int waited_ms = 0; atomic_load(&srv->deferred) > 0 && waited_ms < 30000; waited_ms += 5)
        usleep(5000);
    MHD_stop_daemon(srv->daemon);
    server_free(srv);
}
