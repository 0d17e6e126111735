/* The storage front: parses STORAGE_URL, validates every key and argument once, and dispatches to
 * the backend. Validation lives here so both backends refuse exactly the same keys: a key that
 * works with file:// in development must work with S3 in production, and the reverse. */
#include "storage/storage.h"

#include "core/config.h"
#include "core/storage_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"

#define MAX_KEY_LEN 1024                    /* S3's limit on a key's UTF-8 bytes */
#define MAX_PRESIGN_EXPIRES (7 * 24 * 3600) /* SigV4 refuses longer validity */

struct ab_storage {
    const ab_storage_ops *ops;
    ab_storage_backend *backend;
};

static void say(char *why, size_t why_len, const char *text)
{
    if (why && why_len)
        snprintf(why, why_len, "%s", text);
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* Shared by keys and prefixes: what makes a name unsafe for a path on disk or ambiguous in S3. */
static ab_err check_name(const char *name, bool is_prefix)
{
    if (!name)
        return AB_ERR_INVALID;
    size_t n = strlen(name);
    if (n > MAX_KEY_LEN || (!is_prefix && n == 0))
        return AB_ERR_INVALID;
    if (name[0] == '/' || has_control(name) || strstr(name, ".."))
        return AB_ERR_INVALID;
    if (strstr(name, "//"))
        return AB_ERR_INVALID;
    if (!is_prefix && name[n - 1] == '/')
        return AB_ERR_INVALID; /* names a "directory", which the file backend cannot store */
    /* no segment may start with '.': covers "." segments and the file backend's temp names */
    for (const char *p = name; *p; p++)
        if (*p == '.' && (p == name || p[-1] == '/'))
            return AB_ERR_INVALID;
    return AB_OK;
}

ab_err ab_storage_check_key(const char *key)
{
    return check_name(key, false);
}

ab_err ab_storage_check_prefix(const char *prefix)
{
    return check_name(prefix, true);
}

bool ab_storage_err_retryable(ab_err err)
{
    return err == AB_ERR_HTTP || err == AB_ERR_TIMEOUT;
}

ab_err ab_storage_open(const ab_storage_config *cfg, ab_storage **out, char *why, size_t why_len)
{
    *out = NULL;
    say(why, why_len, "");
    const char *reason = ab_storage_url_problem(cfg ? cfg->url : NULL);
    if (reason) {
        say(why, why_len, reason);
        return AB_ERR_INVALID;
    }
    ab_storage *s = calloc(1, sizeof *s);
    if (!s)
        return AB_ERR_NOMEM;
    ab_err err;
    if (strncmp(cfg->url, "s3://", 5) == 0) {
        const char *b = cfg->url + 5;
        char bucket[64];
        size_t n = strcspn(b, "/");
        memcpy(bucket, b, n); /* n <= 63: checked above */
        bucket[n] = '\0';
        s->ops = &ab_storage_s3_ops;
        err = ab_storage_s3_open(bucket, cfg, &s->backend, why, why_len);
    } else {
        char *dir = strdup(cfg->url + 7);
        if (!dir) {
            free(s);
            return AB_ERR_NOMEM;
        }
        /* one canonical spelling: no trailing slashes */
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
            dir[n - 1] = '\0';
        size_t max = cfg->max_object_size ? cfg->max_object_size : (size_t)64 << 20;
        s->ops = &ab_storage_file_ops;
        err = ab_storage_file_open(dir, max, &s->backend, why, why_len);
        free(dir);
    }
    if (err != AB_OK) {
        free(s);
        return err;
    }
    *out = s;
    return AB_OK;
}

void ab_storage_close(ab_storage *s)
{
    if (!s)
        return;
    s->ops->close(s->backend);
    free(s);
}

const char *ab_storage_backend_name(const ab_storage *s)
{
    return s->ops->name;
}

/* The content type to send, or NULL when it is refused. */
static const char *checked_type(const char *content_type)
{
    if (!content_type)
        return "application/octet-stream";
    /* it becomes an HTTP header: no way to smuggle a second header in */
    if (!*content_type || strlen(content_type) > 255 || has_control(content_type))
        return NULL;
    return content_type;
}

ab_err ab_storage_put(ab_storage *s, const char *key, const void *data, size_t len,
                      const char *content_type)
{
    content_type = checked_type(content_type);
    if (ab_storage_check_key(key) != AB_OK || (!data && len) || !content_type)
        return AB_ERR_INVALID;
    return s->ops->put(s->backend, key, data ? data : "", len, content_type);
}

ab_err ab_storage_put_file(ab_storage *s, const char *key, int fd, size_t size,
                           const char *content_type)
{
    content_type = checked_type(content_type);
    if (ab_storage_check_key(key) != AB_OK || fd < 0 || !content_type)
        return AB_ERR_INVALID;
    return s->ops->put_file(s->backend, key, fd, size, content_type);
}

ab_err ab_storage_get(ab_storage *s, const char *key, unsigned char **data, size_t *len)
{
    return ab_storage_get_max(s, key, 0, data, len);
}

ab_err ab_storage_get_max(ab_storage *s, const char *key, size_t max, unsigned char **data,
                          size_t *len)
{
    *data = NULL;
    *len = 0;
    if (ab_storage_check_key(key) != AB_OK)
        return AB_ERR_INVALID;
    return s->ops->get(s->backend, key, max, data, len);
}

ab_err ab_storage_delete(ab_storage *s, const char *key)
{
    if (ab_storage_check_key(key) != AB_OK)
        return AB_ERR_INVALID;
    return s->ops->del(s->backend, key);
}

ab_err ab_storage_list(ab_storage *s, const char *prefix, ab_storage_keys *out)
{
    memset(out, 0, sizeof *out);
    if (!prefix)
        prefix = "";
    if (ab_storage_check_prefix(prefix) != AB_OK)
        return AB_ERR_INVALID;
    ab_err err = s->ops->list(s->backend, prefix, out);
    if (err != AB_OK) {
        ab_storage_keys_free(out);
        return err;
    }
    ab_storage_keys_sort(out);
    return AB_OK;
}

void ab_storage_keys_free(ab_storage_keys *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->keys[i]);
    free(list->keys);
    list->keys = NULL;
    list->count = 0;
}

ab_err ab_storage_delete_prefix(ab_storage *s, const char *prefix, size_t *deleted)
{
    if (deleted)
        *deleted = 0;
    if (!prefix || !*prefix || ab_storage_check_prefix(prefix) != AB_OK)
        return AB_ERR_INVALID;
    ab_storage_keys list;
    ab_err err = ab_storage_list(s, prefix, &list);
    if (err != AB_OK)
        return err;
    for (size_t i = 0; i < list.count && err == AB_OK; i++) {
        err = s->ops->del(s->backend, list.keys[i]);
        if (err == AB_OK && deleted)
            (*deleted)++;
    }
    ab_storage_keys_free(&list);
    return err;
}

ab_err ab_storage_presign_get(ab_storage *s, const char *key, int expires_s, char **url)
{
    *url = NULL;
    if (ab_storage_check_key(key) != AB_OK || expires_s < 1 || expires_s > MAX_PRESIGN_EXPIRES)
        return AB_ERR_INVALID;
    return s->ops->presign_get(s->backend, key, expires_s, url);
}

ab_err ab_storage_keys_append(ab_storage_keys *list, size_t *cap, const char *key, size_t key_len)
{
    if (list->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **grown = realloc(list->keys, ncap * sizeof *grown);
        if (!grown)
            return AB_ERR_NOMEM;
        list->keys = grown;
        *cap = ncap;
    }
    char *copy = malloc(key_len + 1);
    if (!copy)
        return AB_ERR_NOMEM;
    memcpy(copy, key, key_len);
    copy[key_len] = '\0';
    list->keys[list->count++] = copy;
    return AB_OK;
}

static int by_bytes(const void *a, const void *b)
{
    /* strcmp compares as unsigned char: the same order as S3's UTF-8 binary order */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ab_storage_keys_sort(ab_storage_keys *list)
{
    if (list->count > 1)
        qsort(list->keys, list->count, sizeof *list->keys, by_bytes);
}

ab_err ab_storage_open_configured(const ab_config *cfg, ab_storage **out, char *why, size_t why_len)
{
    ab_storage_config sc = {.url = cfg->storage_url,
                            .s3_endpoint = cfg->s3_endpoint,
                            .s3_public_endpoint = cfg->s3_public_endpoint,
                            .s3_region = cfg->s3_region,
                            .s3_access_key = cfg->s3_access_key,
                            .s3_secret_key = cfg->s3_secret_key,
                            .s3_force_path_style = cfg->s3_force_path_style,
                            .timeout_s = cfg->storage_timeout_s};
    return ab_storage_open(&sc, out, why, why_len);
}
