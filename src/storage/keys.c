/* The storage key layout (see keys.h). */
#include "storage/keys.h"

#include <stdio.h>
#include <string.h>

#define AVATARS "avatars/"

static bool fits(int written, size_t n)
{
    return written > 0 && (size_t)written < n;
}

bool ab_key_avatar_prefix(char *out, size_t n, int64_t user_id, int64_t avatar_id)
{
    return fits(snprintf(out, n, AVATARS "%lld/%lld/", (long long)user_id, (long long)avatar_id),
                n);
}

bool ab_key_photo(char *out, size_t n, int64_t user_id, int64_t avatar_id, int64_t photo_id,
                  bool png)
{
    return fits(snprintf(out, n, AVATARS "%lld/%lld/%lld.%s", (long long)user_id,
                         (long long)avatar_id, (long long)photo_id, png ? "png" : "jpg"),
                n);
}

bool ab_key_dataset(char *out, size_t n, int64_t user_id, int64_t avatar_id, int64_t run_id)
{
    return fits(snprintf(out, n, AVATARS "%lld/%lld/dataset-%lld.zip", (long long)user_id,
                         (long long)avatar_id, (long long)run_id),
                n);
}

bool ab_key_generation_image(char *out, size_t n, int64_t user_id, int64_t avatar_id,
                             int64_t generation_id, int index)
{
    return fits(snprintf(out, n, AVATARS "%lld/%lld/pictures/%lld-%d.jpg", (long long)user_id,
                         (long long)avatar_id, (long long)generation_id, index + 1),
                n);
}

/* "<digits>/" at s; the position after it, or NULL. */
static const char *id_segment(const char *s)
{
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > s && *p == '/' ? p + 1 : NULL;
}

bool ab_key_is_avatar_prefix(const char *prefix)
{
    if (!prefix || strncmp(prefix, AVATARS, strlen(AVATARS)) != 0)
        return false;
    const char *p = id_segment(prefix + strlen(AVATARS));
    p = p ? id_segment(p) : NULL;
    return p && *p == '\0';
}

bool ab_key_is_avatar_object(const char *key)
{
    if (!key || strncmp(key, AVATARS, strlen(AVATARS)) != 0)
        return false;
    const char *p = id_segment(key + strlen(AVATARS));
    p = p ? id_segment(p) : NULL;
    return p && *p != '\0';
}
