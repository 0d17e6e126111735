/* Connection, prepared statements, error classification, transaction runner and pool. */
#include "db/db.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

#define MAX_PREPARED 128

struct ab_db {
    PGconn *conn;
    const ab_db_stmt *prepared[MAX_PREPARED];
    int nprepared;
    int in_tx;
    char sqlstate[6];
    char constraint[64];
    char message[256];
};

static void clear_error(ab_db *db)
{
    db->sqlstate[0] = db->constraint[0] = db->message[0] = '\0';
}

/* Server notices ("relation already exists, skipping") are expected chatter, not output. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    AB_DEBUG("database notice", "{s:s}", "notice", message);
}

/* Session settings every connection gets. A statement that runs for more than 30 s is a bug or
 * an outage; failing it beats pinning a worker forever. */
static ab_err setup_session(ab_db *db)
{
    PGresult *res = PQexec(db->conn, "SET statement_timeout = '30s'; "
                                     "SET lock_timeout = '10s'; "
                                     "SET idle_in_transaction_session_timeout = '60s'");
    ab_err err = PQresultStatus(res) == PGRES_COMMAND_OK ? AB_OK : AB_ERR_DB;
    PQclear(res);
    return err;
}

ab_err ab_db_connect(const char *url, ab_db **out)
{
    *out = NULL;
    ab_db *db = calloc(1, sizeof *db);
    if (!db)
        return AB_ERR_NOMEM;
    /* Defaults that keep a silently dead database link from freezing a thread: a bounded
     * connect, TCP keepalives, and unacknowledged data given up after 15 s. They come before
     * the URL, which libpq expands in place, so a URL that sets any of them wins. */
    static const char *const keys[] = {
        "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "dbname",          NULL};
    const char *values[] = {"5", "1", "10", "5", "3", "15000", url, NULL};
    db->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        AB_WARN("database connection failed", "{s:s}", "error", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        free(db);
        return AB_ERR_DB_DOWN;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    if (setup_session(db) != AB_OK) {
        PQfinish(db->conn);
        free(db);
        return AB_ERR_DB;
    }
    *out = db;
    return AB_OK;
}

void ab_db_close(ab_db *db)
{
    if (!db)
        return;
    PQfinish(db->conn);
    free(db);
}

PGconn *ab_db_pgconn(ab_db *db)
{
    return db->conn;
}

/* A lost connection is re-established between transactions; prepared statements are gone
 * with it and get prepared again on next use. */
static int ensure_connected(ab_db *db)
{
    if (PQstatus(db->conn) == CONNECTION_OK)
        return 1;
    if (db->in_tx)
        return 0;
    PQreset(db->conn);
    db->nprepared = 0;
    if (PQstatus(db->conn) != CONNECTION_OK)
        return 0;
    return setup_session(db) == AB_OK;
}

static ab_err classify(ab_db *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    snprintf(db->constraint, sizeof db->constraint, "%s", constraint ? constraint : "");
    snprintf(db->message, sizeof db->message, "%s", msg ? msg : PQerrorMessage(db->conn));
    if (PQstatus(db->conn) != CONNECTION_OK)
        return AB_ERR_DB_DOWN;
    if (!state)
        return AB_ERR_DB;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        return AB_ERR_DB_RETRY;
    if (strcmp(state, "23505") == 0)
        return AB_ERR_CONFLICT;
    if (strcmp(state, "23514") == 0)
        return AB_ERR_LIMIT;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0)
        return AB_ERR_DB_DOWN;
    /* statement or lock timeout, too many connections, starting up: the database is there
     * but cannot serve this now; nothing is wrong with what we asked */
    if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0 ||
        strncmp(state, "53", 2) == 0 || strcmp(state, "57P03") == 0)
        return AB_ERR_DB_BUSY;
    return AB_ERR_DB;
}

static int is_prepared(const ab_db *db, const ab_db_stmt *stmt)
{
    for (int i = 0; i < db->nprepared; i++)
        if (db->prepared[i] == stmt)
            return 1;
    return 0;
}

ab_err ab_db_exec(ab_db *db, const ab_db_stmt *stmt, const char *const *params, PGresult **out)
{
    if (out)
        *out = NULL;
    clear_error(db);
    if (!ensure_connected(db))
        return classify(db, NULL);
    if (!is_prepared(db, stmt)) {
        PGresult *prep = PQprepare(db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
        if (PQresultStatus(prep) != PGRES_COMMAND_OK) {
            ab_err err = classify(db, prep);
            /* a missing table is expected before migrations ran; anything else is a bug */
            AB_LOG(strcmp(db->sqlstate, "42P01") == 0 ? AB_LOG_DEBUG : AB_LOG_ERROR,
                   "prepare failed", "{s:s,s:s}", "statement", stmt->name, "error", db->message);
            PQclear(prep);
            return err;
        }
        PQclear(prep);
        if (db->nprepared < MAX_PREPARED)
            db->prepared[db->nprepared++] = stmt;
    }
    PGresult *res = PQexecPrepared(db->conn, stmt->name, stmt->nparams, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        ab_err err = classify(db, res);
        if (err == AB_ERR_DB)
            AB_ERROR("statement failed", "{s:s,s:s,s:s}", "statement", stmt->name, "sqlstate",
                     db->sqlstate, "error", db->message);
        PQclear(res);
        return err;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return AB_OK;
}

ab_err ab_db_command(ab_db *db, const char *sql)
{
    clear_error(db);
    if (!ensure_connected(db))
        return classify(db, NULL);
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    ab_err err = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? AB_OK : classify(db, res);
    PQclear(res);
    return err;
}

const char *ab_db_last_sqlstate(const ab_db *db)
{
    return db->sqlstate;
}

const char *ab_db_last_constraint(const ab_db *db)
{
    return db->constraint;
}

const char *ab_db_last_message(const ab_db *db)
{
    return db->message;
}

ab_err ab_db_tx(ab_db *db, ab_db_tx_fn fn, void *ctx)
{
    ab_err err = AB_OK;
    for (int attempt = 0; attempt < 5; attempt++) {
        err = ab_db_command(db, "BEGIN");
        if (err != AB_OK)
            return err;
        db->in_tx = 1;
        err = fn(db, ctx);
        if (err == AB_OK)
            err = ab_db_command(db, "COMMIT");
        else
            ab_db_command(db, "ROLLBACK");
        db->in_tx = 0;
        if (err != AB_ERR_DB_RETRY)
            return err;
        /* serialization failure or deadlock: back off a little, jittered, and run again */
        struct timespec pause = {0, (long)(1000000L * (1 + attempt * 4 + rand() % 5))};
        nanosleep(&pause, NULL);
    }
    return err;
}

ab_err ab_db_exec_strings(ab_db *db, const ab_db_stmt *stmt, const char *const *params, char ***out,
                          size_t *n)
{
    PGresult *res = NULL;
    *out = NULL;
    *n = 0;
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    int rows = PQntuples(res);
    char **list = calloc(rows > 0 ? (size_t)rows : 1, sizeof *list);
    for (int i = 0; list && i < rows; i++)
        if (!(list[i] = strdup(PQgetvalue(res, i, 0)))) {
            ab_db_strings_free(list, (size_t)i);
            list = NULL;
        }
    PQclear(res);
    if (!list)
        return AB_ERR_NOMEM;
    *out = list;
    *n = (size_t)rows;
    return AB_OK;
}

void ab_db_strings_free(char **strings, size_t n)
{
    if (!strings)
        return;
    for (size_t i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}

ab_err ab_db_exec_json(ab_db *db, const ab_db_stmt *stmt, json_t *doc, PGresult **out)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (out)
        *out = NULL;
    if (!text)
        return AB_ERR_NOMEM;
    const char *params[] = {text};
    ab_err err = ab_db_exec(db, stmt, params, out);
    free(text);
    return err;
}

ab_err ab_db_exec_i64(ab_db *db, const ab_db_stmt *stmt, const char *const *params, int64_t *value)
{
    PGresult *res = NULL;
    *value = 0;
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) > 0)
        *value = ab_db_get_i64(res, 0, 0);
    PQclear(res);
    return AB_OK;
}

ab_err ab_db_exec_found(ab_db *db, const ab_db_stmt *stmt, const char *const *params, bool *found)
{
    PGresult *res = NULL;
    *found = false;
    ab_err err = ab_db_exec(db, stmt, params, &res);
    if (err != AB_OK)
        return err;
    *found = PQntuples(res) > 0;
    PQclear(res);
    return AB_OK;
}

const char *ab_db_i64(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%" PRId64, v);
    return buf;
}

int64_t ab_db_get_i64(const PGresult *res, int r, int c)
{
    if (PQgetisnull(res, r, c))
        return 0;
    return strtoll(PQgetvalue(res, r, c), NULL, 10);
}

struct ab_db_pool {
    pthread_mutex_t lock;
    pthread_cond_t available;
    ab_db **idle;
    int nidle, size;
    char *url;
};

ab_err ab_db_pool_new(const char *url, int size, ab_db_pool **out)
{
    *out = NULL;
    ab_db_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return AB_ERR_NOMEM;
    pool->idle = calloc((size_t)size, sizeof *pool->idle);
    pool->url = strdup(url);
    if (!pool->idle || !pool->url) {
        free(pool->idle);
        free(pool->url);
        free(pool);
        return AB_ERR_NOMEM;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->available, NULL);
    pool->size = size;
    /* Connections are opened up front so a bad URL fails at start, not on the first update;
     * if the database is down now, the missing ones are opened lazily later. */
    for (int i = 0; i < size; i++) {
        ab_db *db = NULL;
        ab_err err = ab_db_connect(url, &db);
        if (err != AB_OK && i == 0) {
            ab_db_pool_free(pool);
            return err;
        }
        pool->idle[pool->nidle++] = db; /* may be NULL: connect on demand */
    }
    *out = pool;
    return AB_OK;
}

void ab_db_pool_free(ab_db_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->nidle; i++)
        ab_db_close(pool->idle[i]);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->available);
    free(pool->idle);
    free(pool->url);
    free(pool);
}

ab_db *ab_db_pool_get(ab_db_pool *pool, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&pool->lock);
    while (pool->nidle == 0) {
        if (pthread_cond_timedwait(&pool->available, &pool->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
    }
    ab_db *db = pool->idle[--pool->nidle];
    pthread_mutex_unlock(&pool->lock);
    if (!db) {
        if (ab_db_connect(pool->url, &db) != AB_OK) {
            ab_db_pool_put(pool, NULL); /* keep the slot for a later attempt */
            return NULL;
        }
    }
    return db;
}

void ab_db_pool_put(ab_db_pool *pool, ab_db *db)
{
    pthread_mutex_lock(&pool->lock);
    pool->idle[pool->nidle++] = db;
    pthread_cond_signal(&pool->available);
    pthread_mutex_unlock(&pool->lock);
}

int ab_db_pool_in_use(ab_db_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    int n = pool->size - pool->nidle;
    pthread_mutex_unlock(&pool->lock);
    return n;
}
