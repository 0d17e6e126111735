/* JSON-lines logging to stdout: one object per line with time, level, msg and fields.
 * Registered secrets (the bot token, keys) are replaced by "[REDACTED]" in every line. */
#ifndef AB_CORE_LOG_H
#define AB_CORE_LOG_H

#include <jansson.h> /* json_int_t for 64-bit log fields ("I") */
#include <stdbool.h>
#include <stdint.h>

typedef enum { AB_LOG_DEBUG = 0, AB_LOG_INFO, AB_LOG_WARN, AB_LOG_ERROR } ab_log_level;

/** Sets the lowest level written. Thread-safe to call at start only. */
void ab_log_set_level(ab_log_level level);
/** Parses "debug", "info", "warn"/"warning", "error"; returns false on anything else. */
bool ab_log_level_parse(const char *text, ab_log_level *out);
/** True when lines of this level are written (lets callers skip building fields). */
bool ab_log_enabled(ab_log_level level);
/** Registers a secret that must never appear in a log line (copied; at most 8). */
void ab_log_add_secret(const char *secret);
/** Forgets all registered secrets (tests). */
void ab_log_clear_secrets(void);
/** Sends lines to fd instead of stdout (tests); -1 restores stdout. */
void ab_log_set_fd(int fd);

/** The service's name and version, written on every line (copied; set once at start). */
void ab_log_set_identity(const char *service, const char *version);

/* What the calling thread works on — an update in its step or a reply being sent (update_id,
 * chat_id), a job (job_id, user_id, avatar_id, chat_id) —: every line it writes carries the
 * fields that are non-zero, unless the line sets them itself, until the scope is cleared. */
typedef struct {
    int64_t update_id, chat_id, job_id, user_id, avatar_id;
} ab_log_scope;
/** Sets the thread's scope (NULL clears it). */
void ab_log_scope_set(const ab_log_scope *scope);

/**
 * Writes one line. fields_fmt is a jansson json_pack format for an object ("{s:i,s:s}")
 * or NULL for no fields; the varargs are its values.
 */
void ab_logf(ab_log_level level, const char *msg, const char *fields_fmt, ...);

#define AB_LOG(level, msg, ...)                                                                    \
    do {                                                                                           \
        if (ab_log_enabled(level))                                                                 \
            ab_logf(level, msg, __VA_ARGS__);                                                      \
    } while (0)
#define AB_DEBUG(msg, ...) AB_LOG(AB_LOG_DEBUG, msg, __VA_ARGS__)
#define AB_INFO(msg, ...) AB_LOG(AB_LOG_INFO, msg, __VA_ARGS__)
#define AB_WARN(msg, ...) AB_LOG(AB_LOG_WARN, msg, __VA_ARGS__)
#define AB_ERROR(msg, ...) AB_LOG(AB_LOG_ERROR, msg, __VA_ARGS__)

#endif
