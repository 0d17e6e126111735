/* The one database layer: a connection that prepares each named statement once (on first use)
 * and runs it with text parameters only, a transaction runner that retries serialization
 * failures and deadlocks, and a small pool for the HTTP threads. SQL text lives next to the C
 * function that runs it, as a static ab_db_stmt. */
#ifndef AB_DB_DB_H
#define AB_DB_DB_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef struct ab_db ab_db;

/** A named statement. Define as `static const ab_db_stmt X = {"name", "SQL $1", 1};`. */
typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} ab_db_stmt;

/** Connects (and sets a statement timeout); *out owned by caller, ab_db_close() frees. */
ab_err ab_db_connect(const char *url, ab_db **out);
void ab_db_close(ab_db *db);
/** The libpq connection, for LISTEN and socket polling. Borrowed. */
PGconn *ab_db_pgconn(ab_db *db);

/**
 * Runs a prepared statement. params are text (NULL = SQL NULL), nparams must match.
 * On success and out != NULL, *out is the result (caller PQclear()s); otherwise it is freed.
 * Error classes: AB_ERR_DB_RETRY (serialization/deadlock), AB_ERR_DB_DOWN (connection lost),
 * AB_ERR_DB_BUSY (statement or lock timeout, too many connections), AB_ERR_CONFLICT (unique
 * violation), AB_ERR_LIMIT (check violation), AB_ERR_DB (other).
 */
ab_err ab_db_exec(ab_db *db, const ab_db_stmt *stmt, const char *const *params, PGresult **out);
/** Runs a parameterless command such as "BEGIN" or "LISTEN x" without preparing it. */
ab_err ab_db_command(ab_db *db, const char *sql);
/** SQLSTATE, constraint name and message of the last failure on this connection ("" if none). */
const char *ab_db_last_sqlstate(const ab_db *db);
const char *ab_db_last_constraint(const ab_db *db);
const char *ab_db_last_message(const ab_db *db);

/** Body of a transaction: runs statements on db; returns AB_OK to commit. */
typedef ab_err (*ab_db_tx_fn)(ab_db *db, void *ctx);
/** BEGIN; fn; COMMIT — retried up to 5 times on AB_ERR_DB_RETRY; rolled back on any error. */
ab_err ab_db_tx(ab_db *db, ab_db_tx_fn fn, void *ctx);

/** Runs a statement whose one parameter is the JSON document doc, which it takes over (NULL,
 *  as a build that ran out of memory leaves, is AB_ERR_NOMEM): a round's rows as one list. */
ab_err ab_db_exec_json(ab_db *db, const ab_db_stmt *stmt, json_t *doc, PGresult **out);
/** Runs a statement that returns one integer (a count, an id) into *value (0 for no row). */
ab_err ab_db_exec_i64(ab_db *db, const ab_db_stmt *stmt, const char *const *params, int64_t *value);
/** Runs a statement that returns rows (an UPDATE ... RETURNING that may match nothing); *found
 *  says whether it returned any. */
ab_err ab_db_exec_found(ab_db *db, const ab_db_stmt *stmt, const char *const *params, bool *found);
/** Runs a statement whose first column is text: *out gets each row's value (a malloc'd array
 *  of malloc'd strings, free with ab_db_strings_free), *n the row count. */
ab_err ab_db_exec_strings(ab_db *db, const ab_db_stmt *stmt, const char *const *params, char ***out,
                          size_t *n);
void ab_db_strings_free(char **strings, size_t n);
/** Formats an int64 as a statement parameter into buf; returns buf. */
const char *ab_db_i64(char buf[24], int64_t v);
/** Integer of row r, column c (0 when NULL). */
int64_t ab_db_get_i64(const PGresult *res, int r, int c);

/* A fixed-size pool, shared by threads that need a connection briefly. */
typedef struct ab_db_pool ab_db_pool;
ab_err ab_db_pool_new(const char *url, int size, ab_db_pool **out);
void ab_db_pool_free(ab_db_pool *pool);
/** Waits up to timeout_ms for a connection; NULL on timeout. Return it with ab_db_pool_put. */
ab_db *ab_db_pool_get(ab_db_pool *pool, int timeout_ms);
void ab_db_pool_put(ab_db_pool *pool, ab_db *db);
/** Connections in use right now (metrics). */
int ab_db_pool_in_use(ab_db_pool *pool);

#endif
