/* The file:// backend: an object is the regular file ROOT/KEY.
 *
 * Writes go (from memory, or copied piecewise from a file for ab_storage_put_file) to a
 * temporary file in the object's directory (".tmp-XXXXXX": no valid key has a
 * segment starting with '.', so listings skip them and no key can collide with one), are
 * fsync'ed and renamed over the target: a reader sees the old or the new object, never half
 * of one, and an object whose row the database already points to survives a crash.
 * Deleting an object removes directories it leaves empty, so per-avatar trees disappear
 * with their last object; a put racing that removal recreates the directory and retries.
 *
 * Unlike S3, a directory cannot also be an object: with "a/b" stored, "a/b/c" cannot be
 * (AB_ERR_CONFLICT), and the reverse. Our key layout never does this. Content types are not
 * kept. Presigned URLs are plain file:// URLs without expiry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "storage/internal.h"
#include "storage/s3_sign.h"

struct ab_storage_backend {
    char *root; /* absolute, no trailing slash */
    size_t max_object_size;
};

/* ROOT/rel into buf; false when it does not fit. */
static bool join(char *buf, size_t cap, const char *root, const char *rel)
{
    int n = snprintf(buf, cap, "%s/%s", root, rel);
    return n > 0 && (size_t)n < cap;
}

static ab_err io_error(const char *what, const char *key, int err)
{
    AB_ERROR("storage: file operation failed", "{s:s,s:s,s:s}", "op", what, "key", key, "error",
             strerror(err));
    return AB_ERR_INTERNAL;
}

/* mkdir -p for the directories of path below root (root itself exists). */
static int make_parents(const char *root, char *path)
{
    size_t skip = strlen(root) + 1;
    for (char *p = path + skip; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0750);
        int err = errno;
        *p = '/';
        if (rc != 0 && err != EEXIST)
            return err;
        if (rc != 0) {
            struct stat st;
            *p = '\0';
            rc = stat(path, &st);
            *p = '/';
            if (rc != 0)
                return errno;
            if (!S_ISDIR(st.st_mode))
                return ENOTDIR; /* an object sits where a directory is needed */
        }
    }
    return 0;
}

static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Where the bytes of a put come from: memory, or an open file read piecewise from offset 0. */
typedef struct {
    const unsigned char *data; /* when fd < 0 */
    int fd;
    size_t len;
} put_source;

#define COPY_CHUNK ((size_t)256 << 10)

/* Copies the file piecewise (one chunk in memory); 0 or an errno (EIO: shorter than len). */
static int copy_file(int out, int in, size_t len)
{
    unsigned char *buf = malloc(len < COPY_CHUNK ? (len ? len : 1) : COPY_CHUNK);
    if (!buf)
        return ENOMEM;
    int err = 0;
    for (size_t at = 0; at < len && !err;) {
        size_t want = len - at < COPY_CHUNK ? len - at : COPY_CHUNK;
        ssize_t n = pread(in, buf, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        err = write_all(out, buf, (size_t)n);
        at += (size_t)n;
    }
    free(buf);
    return err;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: the rename is already visible */
        close(fd);
    }
}

static ab_err store(ab_storage_backend *b, const char *key, const put_source *src)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if (!join(path, sizeof path, b->root, key))
        return AB_ERR_INVALID;
    char *slash = strrchr(path, '/');
    size_t dir_len = (size_t)(slash - path);
    if (dir_len + sizeof "/.tmp-XXXXXX" > sizeof tmp)
        return AB_ERR_INVALID;
    memcpy(tmp, path, dir_len);
    memcpy(tmp + dir_len, "/.tmp-XXXXXX", sizeof "/.tmp-XXXXXX");

    int fd = -1;
    /* a concurrent delete may prune the directory between mkdir and mkstemp: try again */
    for (int attempt = 0; attempt < 5 && fd < 0; attempt++) {
        int err = make_parents(b->root, path);
        if (err == ENOTDIR || err == EEXIST)
            return AB_ERR_CONFLICT;
        if (err)
            return io_error("mkdir", key, err);
        memcpy(tmp + dir_len, "/.tmp-XXXXXX", sizeof "/.tmp-XXXXXX");
        fd = mkstemp(tmp);
        if (fd < 0 && errno != ENOENT)
            return io_error("create", key, errno);
    }
    if (fd < 0)
        return io_error("create", key, ENOENT);

    int err = src->fd < 0 ? write_all(fd, src->data, src->len) : copy_file(fd, src->fd, src->len);
    if (!err && fchmod(fd, 0640) != 0)
        err = errno;
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        if (err == EISDIR || err == ENOTEMPTY || err == EEXIST)
            return AB_ERR_CONFLICT; /* the key names a directory of other objects */
        return io_error("write", key, err);
    }
    *slash = '\0';
    fsync_dir(path);
    return AB_OK;
}

static ab_err file_put(ab_storage_backend *b, const char *key, const void *data, size_t len,
                       const char *content_type)
{
    (void)content_type;
    put_source src = {data, -1, len};
    return store(b, key, &src);
}

static ab_err file_put_file(ab_storage_backend *b, const char *key, int fd, size_t size,
                            const char *content_type)
{
    (void)content_type;
    put_source src = {NULL, fd, size};
    return store(b, key, &src);
}

static ab_err file_get(ab_storage_backend *b, const char *key, size_t max, unsigned char **data,
                       size_t *len)
{
    if (max == 0 || max > b->max_object_size)
        max = b->max_object_size;
    char path[PATH_MAX];
    if (!join(path, sizeof path, b->root, key))
        return AB_ERR_INVALID;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            return AB_ERR_NOT_FOUND;
        return io_error("open", key, errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return io_error("stat", key, err);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return AB_ERR_NOT_FOUND; /* a directory of other objects is not an object */
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return AB_ERR_LIMIT;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return AB_ERR_NOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* renamed-over files keep their content: a short read means an I/O error */
        got += (size_t)n;
    }
    close(fd);
    if (got != size) {
        free(buf);
        return io_error("read", key, EIO);
    }
    buf[size] = '\0';
    *data = buf;
    *len = size;
    return AB_OK;
}

/* Removes now-empty directories from path's parent up to (not including) root. */
static void prune_parents(const char *root, char *path)
{
    size_t root_len = strlen(root);
    for (;;) {
        char *slash = strrchr(path, '/');
        if (!slash || (size_t)(slash - path) <= root_len)
            return;
        *slash = '\0';
        if (rmdir(path) != 0)
            return; /* not empty (or in use by a racing put): stop here */
    }
}

static ab_err file_del(ab_storage_backend *b, const char *key)
{
    char path[PATH_MAX];
    if (!join(path, sizeof path, b->root, key))
        return AB_ERR_INVALID;
    if (unlink(path) != 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR || errno == EPERM)
            return AB_OK; /* no such object: deleting is idempotent, as on S3 */
        return io_error("delete", key, errno);
    }
    prune_parents(b->root, path);
    return AB_OK;
}

typedef struct {
    const char *prefix;
    size_t prefix_len;
    ab_storage_keys *out;
    size_t cap;
} walk_ctx;

/* Walks dir (the path of rel, which is "" or ends with '/'), adding matching keys. */
static ab_err walk(walk_ctx *w, const char *root, char *rel, size_t rel_len, size_t rel_cap)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof dir)
        return AB_OK;
    DIR *d = opendir(dir);
    if (!d)
        return AB_OK; /* absent (nothing under this prefix) or pruned meanwhile */
    ab_err err = AB_OK;
    struct dirent *e;
    while (err == AB_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", temporary files */
        size_t name_len = strlen(e->d_name);
        if (rel_len + name_len + 2 > rel_cap)
            continue;
        memcpy(rel + rel_len, e->d_name, name_len + 1);
        size_t len = rel_len + name_len;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st;
            char full[PATH_MAX];
            if (join(full, sizeof full, root, rel) && lstat(full, &st) == 0)
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR) {
            rel[len] = '/';
            rel[len + 1] = '\0';
            /* descend only where keys can still start with the prefix */
            size_t m = len + 1 < w->prefix_len ? len + 1 : w->prefix_len;
            if (strncmp(rel, w->prefix, m) == 0)
                err = walk(w, root, rel, len + 1, rel_cap);
        } else if (type == DT_REG) {
            if (len >= w->prefix_len && strncmp(rel, w->prefix, w->prefix_len) == 0)
                err = ab_storage_keys_append(w->out, &w->cap, rel, len);
        }
        rel[rel_len] = '\0';
    }
    closedir(d);
    return err;
}

static ab_err file_list(ab_storage_backend *b, const char *prefix, ab_storage_keys *out)
{
    char rel[PATH_MAX];
    /* start in the deepest directory the prefix names entirely */
    const char *slash = strrchr(prefix, '/');
    size_t rel_len = slash ? (size_t)(slash - prefix) + 1 : 0;
    memcpy(rel, prefix, rel_len);
    rel[rel_len] = '\0';
    walk_ctx w = {prefix, strlen(prefix), out, 0};
    return walk(&w, b->root, rel, rel_len, sizeof rel);
}

static ab_err file_presign_get(ab_storage_backend *b, const char *key, int expires_s, char **url)
{
    (void)expires_s;
    char path[PATH_MAX];
    if (!join(path, sizeof path, b->root, key))
        return AB_ERR_INVALID;
    char *encoded = ab_s3_uri_encode(path, true);
    if (!encoded)
        return AB_ERR_NOMEM;
    size_t n = strlen(encoded) + sizeof "file://";
    *url = malloc(n);
    if (*url)
        snprintf(*url, n, "file://%s", encoded);
    free(encoded);
    return *url ? AB_OK : AB_ERR_NOMEM;
}

static void file_close(ab_storage_backend *b)
{
    if (!b)
        return;
    free(b->root);
    free(b);
}

ab_err ab_storage_file_open(const char *dir, size_t max_object_size, ab_storage_backend **out,
                            char *why, size_t why_len)
{
    *out = NULL;
    /* mkdir -p of the root itself */
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/", dir) >= (int)sizeof path) {
        snprintf(why, why_len, "file:// path is too long");
        return AB_ERR_INVALID;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(why, why_len, "cannot create %s: %s", path, strerror(errno));
            return AB_ERR_INVALID;
        }
        *p = '/';
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
        snprintf(why, why_len, "%s is not a writable directory", dir);
        return AB_ERR_INVALID;
    }
    ab_storage_backend *b = calloc(1, sizeof *b);
    if (!b)
        return AB_ERR_NOMEM;
    b->root = strdup(dir);
    b->max_object_size = max_object_size;
    if (!b->root) {
        free(b);
        return AB_ERR_NOMEM;
    }
    *out = b;
    return AB_OK;
}

const ab_storage_ops ab_storage_file_ops = {
    .name = "file",
    .put = file_put,
    .put_file = file_put_file,
    .get = file_get,
    .del = file_del,
    .list = file_list,
    .presign_get = file_presign_get,
    .close = file_close,
};
