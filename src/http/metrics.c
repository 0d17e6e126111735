/* GET /metrics: the registry in Prometheus text format. The queue gauges are read from the
 * database by the prober every 2 s (so they are true for the whole deployment, not one
 * replica), not at scrape time: a scrape never waits on the database. */
#include <string.h>

#include "core/metrics.h"
#include "core/process_stats.h"
#include "db/db.h"
#include "http/server.h"

ab_http_reply ab_ep_metrics(ab_app *app, const ab_http_req *req)
{
    (void)req;
    ab_metrics_set(AB_M_DB_POOL_IN_USE, "", (double)ab_db_pool_in_use(app->pool));
    ab_process_stats_update();
    char *text = ab_metrics_render();
    return (ab_http_reply){text ? 200 : 500, "text/plain; version=0.0.4; charset=utf-8", text,
                           text ? strlen(text) : 0, false};
}
