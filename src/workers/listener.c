/* The NOTIFY listener: one connection LISTENs on the inbox and outbox channels and raises the
 * matching local signals, so idle workers of this replica wake as soon as any replica stores
 * work. If the connection drops, workers still poll; the listener reconnects by itself. */
#include <poll.h>
#include <stdatomic.h>
#include <string.h>

#include "core/log.h"
#include "workers/workers.h"

static void drain_notifications(ab_app *app, PGconn *conn)
{
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        /* one thread per notification: it keeps claiming while it finds work, and the
         * dispatchers wake more senders as they produce messages */
        if (strcmp(n->relname, "ab_inbox") == 0)
            ab_signal_raise_one(&app->inbox_ready);
        else if (strcmp(n->relname, "ab_outbox") == 0)
            ab_signal_raise_one(&app->outbox_ready);
        else if (strcmp(n->relname, "ab_jobs") == 0)
            ab_signal_raise_one(&app->jobs_ready);
        PQfreemem(n);
    }
}

void *ab_listener_main(void *arg)
{
    ab_app *app = arg;
    ab_db *db = NULL;
    while (atomic_load(&app->running)) {
        if (!db) {
            if (ab_db_connect(app->cfg->database_url, &db) != AB_OK ||
                ab_db_command(db, "LISTEN ab_inbox; LISTEN ab_outbox; LISTEN ab_jobs") != AB_OK) {
                ab_db_close(db);
                db = NULL;
                ab_signal_wait(&app->stop, ab_signal_seq(&app->stop), 1000);
                continue;
            }
            /* work may have arrived while we were not listening */
            ab_signal_raise(&app->inbox_ready);
            ab_signal_raise(&app->outbox_ready);
            ab_signal_raise(&app->jobs_ready);
        }
        PGconn *conn = ab_db_pgconn(db);
        struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
        int rc = poll(&pfd, 1, 250);
        if (rc > 0) {
            if (!PQconsumeInput(conn)) {
                AB_WARN("notification listener lost its connection", NULL);
                ab_db_close(db);
                db = NULL;
                continue;
            }
            drain_notifications(app, conn);
        }
    }
    ab_db_close(db);
    return NULL;
}
