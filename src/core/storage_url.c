/* The STORAGE_URL syntax (see storage_url.h). */
#include "core/storage_url.h"

#include <stdbool.h>
#include <string.h>

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* S3 bucket naming rules (the subset that matters for URLs and DNS). */
static const char *check_bucket(const char *b, size_t n)
{
    if (n < 3 || n > 63)
        return "bucket name must be 3-63 characters";
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return "bucket name may only contain a-z, 0-9, '.' and '-'";
    }
    if (b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
        return "bucket name must start and end with a letter or digit";
    for (size_t i = 0; i + 1 < n; i++)
        if (b[i] == '.' && b[i + 1] == '.')
            return "bucket name must not contain \"..\"";
    return NULL;
}

const char *ab_storage_url_problem(const char *url)
{
    if (!url || !*url)
        return "must be s3://BUCKET or file:///ABSOLUTE/DIR";
    if (has_control(url) || strchr(url, ' '))
        return "must not contain spaces or control characters";
    if (strncmp(url, "s3://", 5) == 0) {
        const char *b = url + 5;
        size_t n = strcspn(b, "/");
        if (b[n] == '/' && b[n + 1] != '\0')
            return "s3:// URL must name only a bucket (s3://BUCKET)";
        return check_bucket(b, n);
    }
    if (strncmp(url, "file://", 7) == 0) {
        const char *path = url + 7;
        if (path[0] != '/')
            return "file:// URL must hold an absolute path (file:///var/lib/avatarbot/objects)";
        if (strspn(path, "/") == strlen(path))
            return "file:// URL must not be the root directory";
        if (strstr(path, ".."))
            return "file:// path must not contain \"..\"";
        if (strchr(path, '%') || strchr(path, '?') || strchr(path, '#'))
            return "file:// path must be plain (no %-escapes, '?' or '#')";
        return NULL;
    }
    return "must start with s3:// or file://";
}
