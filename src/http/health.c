/* GET /healthz (the process answers) and GET /readyz (the database answers and its schema is
 * the one this binary expects; 503 while shutting down so the ingress stops sending). */
#include <stdio.h>

#include "db/db.h"
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

ab_http_reply ab_ep_readyz(ab_app *app, const ab_http_req *req)
{
    (void)req;
    if (atomic_load(&app->draining))
        return not_ready("shutting down");
    ab_db *db = ab_db_pool_get(app->pool, 1000);
    if (!db)
        return not_ready("database unreachable");
    int version = 0;
    ab_err err = ab_migrate_current_version(db, &version);
    ab_db_pool_put(app->pool, db);
    if (err != AB_OK)
        return not_ready("database unreachable");
    if (version < ab_migrate_expected_version())
        return not_ready("migrations behind");
    char body[96];
    snprintf(body, sizeof body, "{\"status\":\"ready\",\"schema_version\":%d}", version);
    return ab_http_json(200, body);
}
