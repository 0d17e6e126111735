/* GET /healthz (the process answers) and GET /readyz (the database answered the prober within
 * the last seconds and its schema is the one this binary expects; 503 while shutting down so
 * the ingress stops sending). Both answer on the event loop from memory: no probe waits. */
#include <stdio.h>

#include "db/migrate.h"
#include "http/server.h"

ab_http_reply ab_ep_healthz(ab_app *app, const ab_http_req *req)
{
    (void)app;
    (void)req;
    return ab_http_json(200, "{\"status\":\"ok\"}");
}

static ab_http_reply not_ready(const char *reason)
{
    char body[128];
    snprintf(body, sizeof body, "{\"status\":\"not_ready\",\"reason\":\"%s\"}", reason);
    return ab_http_json(503, body);
}

/* The prober refreshes its view every 2 s; past this the database counts as unreachable. */
#define DB_SEEN_WITHIN_MS 10000

ab_http_reply ab_ep_readyz(ab_app *app, const ab_http_req *req)
{
    (void)req;
    if (atomic_load(&app->draining))
        return not_ready("shutting down");
    long long seen = atomic_load(&app->db_seen_ms);
    if (!seen)
        return not_ready("database not checked yet");
    if (ab_app_clock_ms() - seen > DB_SEEN_WITHIN_MS)
        return not_ready("database unreachable");
    int version = atomic_load(&app->schema_version);
    if (version < ab_migrate_expected_version())
        return not_ready("migrations behind");
    char body[96];
    snprintf(body, sizeof body, "{\"status\":\"ready\",\"schema_version\":%d}", version);
    return ab_http_json(200, body);
}
