/* One error convention for the whole service: every fallible function returns ab_err.
 * The table in error.c gives each code its name, the HTTP status it maps to at the edge,
 * and whether it is our fault (a bug: logged as error) or the other side's (a warning). */
#ifndef AB_CORE_ERROR_H
#define AB_CORE_ERROR_H

#define AB_ERRORS(X)                                                                               \
    X(AB_OK, "ok", 200, 0)                                                                         \
    X(AB_ERR_NOMEM, "out_of_memory", 503, 1)                                                       \
    X(AB_ERR_INVALID, "invalid_input", 400, 0)                                                     \
    X(AB_ERR_NOT_FOUND, "not_found", 404, 0)                                                       \
    X(AB_ERR_CONFLICT, "conflict", 409, 0)                                                         \
    X(AB_ERR_LIMIT, "limit_reached", 409, 0)                                                       \
    X(AB_ERR_DB, "database_error", 500, 1)                                                         \
    X(AB_ERR_DB_RETRY, "database_retry", 503, 0)                                                   \
    X(AB_ERR_DB_DOWN, "database_unavailable", 503, 0)                                              \
    X(AB_ERR_DB_BUSY, "database_busy", 503, 0)                                                     \
    X(AB_ERR_HTTP, "http_error", 502, 0)                                                           \
    X(AB_ERR_TIMEOUT, "timeout", 504, 0)                                                           \
    X(AB_ERR_REMOTE, "remote_error", 502, 0)                                                       \
    X(AB_ERR_INTERNAL, "internal_error", 500, 1)                                                   \
    X(AB_ERR_SHUTTING_DOWN, "shutting_down", 503, 0)

typedef enum {
#define AB_ERR_ENUM(code, name, status, ours) code,
    AB_ERRORS(AB_ERR_ENUM)
#undef AB_ERR_ENUM
        AB_ERR__COUNT
} ab_err;

/** Short stable name of an error code, e.g. "database_unavailable". */
const char *ab_err_name(ab_err err);
/** HTTP status an error maps to when it reaches an HTTP edge. */
int ab_err_http_status(ab_err err);
/** Non-zero when the error means a bug on our side rather than a fault of a peer. */
int ab_err_is_ours(ab_err err);

#endif
