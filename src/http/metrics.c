/* GET /metrics: the registry in Prometheus text format, with queue gauges read from the
 * database at scrape time (so they are true for the whole deployment, not one replica). */
#include <string.h>

#include "core/metrics.h"
#include "db/db.h"
#include "db/inbox.h"
#include "db/outbox.h"
#include "http/server.h"

ab_http_reply ab_ep_metrics(ab_app *app, const ab_http_req *req)
{
    (void)req;
    ab_db *db = ab_db_pool_get(app->pool, 500);
    if (db) {
        int64_t count = 0;
        double age = 0;
        if (ab_db_inbox_stats(db, &count, &age) == AB_OK) {
            ab_metrics_set(AB_M_INBOX_PENDING, "", (double)count);
            ab_metrics_set(AB_M_INBOX_LAG_SECONDS, "", age);
        }
        if (ab_db_outbox_pending(db, &count, &age) == AB_OK) {
            ab_metrics_set(AB_M_OUTBOX_PENDING, "", (double)count);
            ab_metrics_set(AB_M_OUTBOX_OLDEST_SECONDS, "", age);
        }
        if (ab_db_jobs_stats(db, &count, &age) == AB_OK) {
            ab_metrics_set(AB_M_JOBS_PENDING, "", (double)count);
            ab_metrics_set(AB_M_JOBS_OLDEST_SECONDS, "", age);
        }
        ab_db_pool_put(app->pool, db);
    }
    ab_metrics_set(AB_M_DB_POOL_IN_USE, "", (double)ab_db_pool_in_use(app->pool));
    char *text = ab_metrics_render();
    return (ab_http_reply){text ? 200 : 500, "text/plain; version=0.0.4; charset=utf-8", text,
                           text ? strlen(text) : 0, false};
}
