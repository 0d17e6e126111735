/* Typed, shape-tolerant JSON access shared by every parser in the service. */
#include "core/json.h"

#include <string.h>

json_t *ab_json_path(const json_t *root, const char *path)
{
    const json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(cur))
            return NULL;
        char key[64];
        if (len >= sizeof key)
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        cur = json_object_get(cur, key);
        p += len + (dot ? 1 : 0);
    }
    return (json_t *)cur;
}

bool ab_json_i64(const json_t *root, const char *path, int64_t *out)
{
    json_t *v = ab_json_path(root, path);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

const char *ab_json_str(const json_t *root, const char *path)
{
    json_t *v = ab_json_path(root, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *ab_json_nonempty(const json_t *root, const char *path)
{
    const char *s = ab_json_str(root, path);
    return s && *s ? s : NULL;
}

bool ab_json_bool(const json_t *root, const char *path, bool def)
{
    json_t *v = ab_json_path(root, path);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

char *ab_json_dump(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}
