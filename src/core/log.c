/* JSON-lines logger. Each line is built with jansson, redacted, and written with a single
 * write(2) so lines from different threads never interleave. */
#include "core/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECRETS 8

static ab_log_level min_level = AB_LOG_INFO;
static int out_fd = STDOUT_FILENO;
static char *secrets[MAX_SECRETS];
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *LEVEL_NAMES[] = {"debug", "info", "warn", "error"};
static char identity_service[32], identity_version[48];
static _Thread_local ab_log_scope scope;

void ab_log_set_identity(const char *service, const char *version)
{
    snprintf(identity_service, sizeof identity_service, "%s", service ? service : "");
    snprintf(identity_version, sizeof identity_version, "%s", version ? version : "");
}

void ab_log_scope_set(const ab_log_scope *s)
{
    if (s)
        scope = *s;
    else
        memset(&scope, 0, sizeof scope);
}

/* The thread's scope and the identity, after the line's own fields (which win). */
static void add_context(json_t *line)
{
    const struct {
        const char *key;
        int64_t value;
    } FIELDS[] = {{"update_id", scope.update_id},
                  {"chat_id", scope.chat_id},
                  {"job_id", scope.job_id},
                  {"user_id", scope.user_id},
                  {"avatar_id", scope.avatar_id}};
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (FIELDS[i].value && !json_object_get(line, FIELDS[i].key))
            json_object_set_new(line, FIELDS[i].key, json_integer(FIELDS[i].value));
    if (identity_service[0])
        json_object_set_new(line, "service", json_string(identity_service));
    if (identity_version[0])
        json_object_set_new(line, "version", json_string(identity_version));
}

void ab_log_set_level(ab_log_level level)
{
    min_level = level;
}

bool ab_log_level_parse(const char *text, ab_log_level *out)
{
    if (!text)
        return false;
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, LEVEL_NAMES[i]) == 0) {
            *out = (ab_log_level)i;
            return true;
        }
    }
    if (strcmp(text, "warning") == 0) {
        *out = AB_LOG_WARN;
        return true;
    }
    return false;
}

bool ab_log_enabled(ab_log_level level)
{
    return level >= min_level;
}

void ab_log_set_fd(int fd)
{
    out_fd = fd < 0 ? STDOUT_FILENO : fd;
}

void ab_log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return; /* too short to redact without mangling ordinary text */
    pthread_mutex_lock(&secrets_lock);
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (!secrets[i]) {
            secrets[i] = strdup(secret);
            break;
        }
    }
    pthread_mutex_unlock(&secrets_lock);
}

void ab_log_clear_secrets(void)
{
    pthread_mutex_lock(&secrets_lock);
    for (int i = 0; i < MAX_SECRETS; i++) {
        free(secrets[i]);
        secrets[i] = NULL;
    }
    pthread_mutex_unlock(&secrets_lock);
}

/* Replaces every occurrence of each secret in line (in place; the replacement is never
 * longer than what it replaces because short secrets are refused). */
static void redact(char *line)
{
    static const char MARK[] = "[REDACTED]";
    pthread_mutex_lock(&secrets_lock);
    for (int i = 0; i < MAX_SECRETS && secrets[i]; i++) {
        size_t slen = strlen(secrets[i]);
        char *hit;
        while ((hit = strstr(line, secrets[i])) != NULL) {
            size_t mlen = slen < sizeof MARK - 1 ? slen : sizeof MARK - 1;
            memcpy(hit, MARK, mlen);
            memmove(hit + mlen, hit + slen, strlen(hit + slen) + 1);
        }
    }
    pthread_mutex_unlock(&secrets_lock);
}

void ab_logf(ab_log_level level, const char *msg, const char *fields_fmt, ...)
{
    if (!ab_log_enabled(level))
        return;
    json_t *obj = NULL;
    if (fields_fmt) {
        va_list ap;
        va_start(ap, fields_fmt);
        json_error_t jerr;
        obj = json_vpack_ex(&jerr, 0, fields_fmt, ap);
        va_end(ap);
    }
    if (!obj)
        obj = json_object();
    if (!obj)
        return;

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    size_t wn = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + wn, sizeof when - wn, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);

    /* Fixed keys first so lines read well; fields cannot overwrite them. */
    json_t *line = json_pack("{s:s,s:s,s:s}", "time", when, "level", LEVEL_NAMES[level], "msg",
                             msg ? msg : "");
    if (line) {
        const char *key;
        json_t *value;
        json_object_foreach(obj, key, value)
        {
            if (!json_object_get(line, key))
                json_object_set(line, key, value);
        }
        add_context(line);
        char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (text) {
            redact(text);
            size_t n = strlen(text);
            text[n] = '\n'; /* replaces the terminator; length is tracked */
            ssize_t rc = write(out_fd, text, n + 1);
            (void)rc;
            free(text);
        }
        json_decref(line);
    }
    json_decref(obj);
}
