/* The training dataset ZIP, built with libzip (1.7.3) into a temporary file.
 *
 * Why it works this way. A dataset is up to AB_DATASET_MAX_INPUT_BYTES of photos, and the ZIP
 * is about as large (entries are STORED: JPEG and PNG do not compress, and storing costs no
 * CPU), far more than a replica's memory, so neither the photos nor the ZIP may be held whole.
 * The ZIP goes to disk (TMPDIR, an emptyDir in Kubernetes); the caller sends it on from there
 * piecewise (the training job: ab_storage_put_file, an S3 multipart upload, one part in
 * memory). Photos come through the caller's reader, so this file knows nothing of storage.
 * For the photos, libzip
 * reads an entry's source only inside zip_close, which gave three options:
 *
 *   1. Fetch every photo and add it from a zip_source_buffer with freep=1. Simple, but every
 *      photo stays in memory until zip_close has written them all: peak = photos + ZIP, about
 *      twice the dataset.
 *   2. zip_close and reopen after each photo, so each buffer is consumed at once. libzip
 *      rewrites the whole archive at each close (every earlier entry is copied again into a
 *      fresh buffer), so the cost is quadratic and each commit still holds two ZIPs.
 *   3. (chosen) Add each photo from a zip_source_function whose callback fetches the object
 *      (through the reader) when libzip first asks for it (STAT or OPEN, which zip_close does for
 * one entry right before copying it, in index order) and frees it at CLOSE. Peak = one photo (and
 * libzip's copy buffer). The build counts the photos held at once and logs the maximum
 *      ("photos_held_max"); the unit tests check that it is 1.
 *
 * The archive itself is written through a second zip_source_function, a write-capable sink over
 * temporary files that are unlinked as soon as they are made (nothing is left behind, even by a
 * crash), rather than zip_open on a path: libzip would write PATH.XXXXXX and rename it, a named
 * file to clean up on every way out. The committed file's descriptor goes to the caller.
 *
 * Because the reads happen inside zip_close, a read failure surfaces as a failed zip_close;
 * the callback keeps the first ab_err so that the caller gets the reader's code
 * (AB_ERR_NOT_FOUND, retryable AB_ERR_HTTP / AB_ERR_TIMEOUT, ...) rather than a libzip one.
 * The input cap is checked as photos arrive (a reader has no size query), so a refused dataset
 * may have cost up to the cap in memory and transfer before the refusal.
 *
 * Determinism: every entry gets the same modification time, 2000-01-01 12:00:00. libzip turns
 * a time_t into DOS date/time fields with localtime(), so the time_t is made with mktime() from
 * those local fields: the bytes written are the same in every time zone.
 */
#include "fal/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "core/log.h"

ab_err ab_dataset_check_name(const char *name)
{
    if (!name || !name[0])
        return AB_ERR_INVALID;
    size_t len = strlen(name);
    if (len > AB_DATASET_MAX_NAME)
        return AB_ERR_INVALID;
    if (strstr(name, ".."))
        return AB_ERR_INVALID;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return AB_ERR_INVALID;
    }
    return AB_OK;
}

/* ---- one build ---------------------------------------------------------------------------- */

typedef struct {
    const ab_dataset_reader *reader;
    size_t max_input;
    size_t total_input; /* bytes of photos fetched (first fetch of each) */
    size_t held;        /* photos in memory now */
    size_t held_max;
    time_t mtime;
    ab_err err; /* first failure of a photo source (reader, cap) */
} build;

/* ---- photo sources: fetched lazily, freed as soon as libzip has copied them --------------- */

typedef struct {
    build *b;
    const char *key; /* borrowed from the caller's entries */
    unsigned char *data;
    size_t len;
    size_t pos;
    bool size_known; /* fetched once: len is the object's size */
    zip_error_t zerr;
} photo_src;

static void photo_release(photo_src *p)
{
    if (p->data) {
        free(p->data);
        p->data = NULL;
        p->b->held--;
    }
}

static int photo_fail(photo_src *p, ab_err err)
{
    if (p->b->err == AB_OK)
        p->b->err = err;
    zip_error_set(&p->zerr, err == AB_ERR_NOMEM ? ZIP_ER_MEMORY : ZIP_ER_READ, 0);
    return -1;
}

/** Makes sure the photo is in memory; 0 or -1 (error kept in p->zerr and p->b->err). */
static int photo_fetch(photo_src *p)
{
    if (p->data)
        return 0;
    build *b = p->b;
    unsigned char *data = NULL;
    size_t len = 0;
    ab_err err = b->reader->read(b->reader->ctx, p->key, &data, &len);
    if (err != AB_OK) {
        AB_WARN("dataset: photo read failed", "{s:s,s:s}", "key", p->key, "error",
                ab_err_name(err));
        return photo_fail(p, err);
    }
    if (!p->size_known) {
        if (len > b->max_input - b->total_input) {
            free(data);
            AB_WARN("dataset: photos exceed the input limit", "{s:s,s:I,s:I}", "key", p->key,
                    "total_bytes", (json_int_t)(b->total_input + len), "limit",
                    (json_int_t)b->max_input);
            return photo_fail(p, AB_ERR_LIMIT);
        }
        b->total_input += len;
        p->len = len;
        p->size_known = true;
    } else if (len != p->len) { /* read again by libzip, and the object changed meanwhile */
        free(data);
        AB_WARN("dataset: photo changed during the build", "{s:s}", "key", p->key);
        return photo_fail(p, AB_ERR_CONFLICT);
    }
    p->data = data;
    p->pos = 0;
    if (++b->held > b->held_max)
        b->held_max = b->held;
    return 0;
}

static zip_int64_t photo_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    photo_src *p = ud;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                              ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              ZIP_SOURCE_SUPPORTS, -1);
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &p->zerr);
        if (!st)
            return -1;
        /* The size must be known here, or libzip writes a ZIP64 entry: zip_close stats an
         * entry right before opening it, so fetching now keeps the photo for that OPEN. */
        if (!p->size_known && photo_fetch(p) < 0)
            return -1;
        zip_stat_init(st);
        st->size = p->len;
        st->mtime = p->b->mtime;
        st->comp_method = ZIP_CM_STORE;
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME | ZIP_STAT_COMP_METHOD;
        return (zip_int64_t)sizeof *st;
    }
    case ZIP_SOURCE_OPEN:
        if (photo_fetch(p) < 0)
            return -1;
        p->pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        if (!p->data) {
            zip_error_set(&p->zerr, ZIP_ER_INTERNAL, 0);
            return -1;
        }
        size_t left = p->len - p->pos;
        size_t want = len < left ? (size_t)len : left;
        memcpy(data, p->data + p->pos, want);
        p->pos += want;
        return (zip_int64_t)want;
    }
    case ZIP_SOURCE_CLOSE:
        photo_release(p);
        return 0;
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&p->zerr, data, len);
    case ZIP_SOURCE_FREE:
        photo_release(p); /* the photo_src itself belongs to the build */
        return 0;
    default:
        zip_error_set(&p->zerr, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* ---- the archive sink: a writable source over anonymous temporary files ------------------ */

typedef struct {
    int fd; /* committed archive, -1 when none */
    size_t len;
    size_t rpos;
    int out_fd; /* archive being written (between BEGIN_WRITE and COMMIT/ROLLBACK), or -1 */
    size_t out_len, out_pos;
    zip_error_t zerr;
} sink;

/** A new temporary file in TMPDIR (else /tmp), already unlinked: nothing is left behind on any
 * exit, a crash included. -1 with errno on failure. */
static int temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/ab-dataset-XXXXXX", dir && *dir ? dir : "/tmp");
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int sink_io_error(sink *k, const char *op)
{
    int e = errno;
    AB_ERROR("dataset: temporary file failed", "{s:s,s:s}", "op", op, "error", strerror(e));
    zip_error_set(&k->zerr, ZIP_ER_WRITE, e);
    return -1;
}

static zip_int64_t sink_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    sink *k = ud;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_WRITABLE;
    case ZIP_SOURCE_OPEN:
        k->rpos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        size_t left = k->len - k->rpos;
        size_t want = len < left ? (size_t)len : left;
        size_t got = 0;
        while (got < want) {
            ssize_t n =
                pread(k->fd, (unsigned char *)data + got, want - got, (off_t)(k->rpos + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                zip_error_set(&k->zerr, ZIP_ER_READ, n < 0 ? errno : EIO);
                return -1;
            }
            got += (size_t)n;
        }
        k->rpos += got;
        return (zip_int64_t)got;
    }
    case ZIP_SOURCE_CLOSE:
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &k->zerr);
        if (!st)
            return -1;
        zip_stat_init(st);
        st->size = k->len;
        st->valid = ZIP_STAT_SIZE;
        return (zip_int64_t)sizeof *st;
    }
    case ZIP_SOURCE_SEEK: {
        zip_int64_t at = zip_source_seek_compute_offset(k->rpos, k->len, data, len, &k->zerr);
        if (at < 0)
            return -1;
        k->rpos = (size_t)at;
        return 0;
    }
    case ZIP_SOURCE_TELL:
        return (zip_int64_t)k->rpos;
    case ZIP_SOURCE_BEGIN_WRITE:
        close_fd(&k->out_fd);
        k->out_len = k->out_pos = 0;
        k->out_fd = temp_file();
        return k->out_fd < 0 ? sink_io_error(k, "create") : 0;
    case ZIP_SOURCE_WRITE: {
        if (len > INT64_MAX || len > SIZE_MAX - k->out_pos) {
            zip_error_set(&k->zerr, ZIP_ER_INVAL, 0);
            return -1;
        }
        size_t done = 0;
        while (done < (size_t)len) {
            ssize_t n = pwrite(k->out_fd, (const unsigned char *)data + done, (size_t)len - done,
                               (off_t)(k->out_pos + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return sink_io_error(k, "write"); /* ENOSPC: TMPDIR is too small */
            done += (size_t)n;
        }
        k->out_pos += done;
        if (k->out_pos > k->out_len)
            k->out_len = k->out_pos;
        return (zip_int64_t)done;
    }
    case ZIP_SOURCE_SEEK_WRITE: {
        zip_int64_t at =
            zip_source_seek_compute_offset(k->out_pos, k->out_len, data, len, &k->zerr);
        if (at < 0)
            return -1;
        k->out_pos = (size_t)at;
        return 0;
    }
    case ZIP_SOURCE_TELL_WRITE:
        return (zip_int64_t)k->out_pos;
    case ZIP_SOURCE_COMMIT_WRITE:
        close_fd(&k->fd);
        k->fd = k->out_fd;
        k->len = k->out_len;
        k->rpos = 0;
        k->out_fd = -1;
        k->out_len = k->out_pos = 0;
        return 0;
    case ZIP_SOURCE_ROLLBACK_WRITE:
        close_fd(&k->out_fd);
        k->out_len = k->out_pos = 0;
        return 0;
    case ZIP_SOURCE_REMOVE:
        close_fd(&k->fd);
        k->len = k->rpos = 0;
        return 0;
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&k->zerr, data, len);
    case ZIP_SOURCE_FREE:
        return 0; /* the files belong to the build */
    default:
        zip_error_set(&k->zerr, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* ---- the build ----------------------------------------------------------------------------- */

/** 2000-01-01 12:00:00 in local time: the DOS fields libzip writes are the same in every TZ. */
static time_t dataset_mtime(void)
{
    struct tm tm = {.tm_year = 100, .tm_mon = 0, .tm_mday = 1, .tm_hour = 12, .tm_isdst = -1};
    return mktime(&tm);
}

static ab_err check_entries(const ab_dataset_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].key) {
            AB_WARN("dataset: photo without a key", "{s:I}", "index", (json_int_t)i);
            return AB_ERR_INVALID;
        }
        if (ab_dataset_check_name(entries[i].name) != AB_OK) {
            AB_WARN("dataset: refused entry name", "{s:I}", "index", (json_int_t)i);
            return AB_ERR_INVALID;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(entries[i].name, entries[j].name) == 0) {
                AB_WARN("dataset: repeated entry name", "{s:I,s:s}", "index", (json_int_t)i, "name",
                        entries[i].name);
                return AB_ERR_INVALID;
            }
    }
    return AB_OK;
}

/** ab_err for a libzip failure; logs it unless it is out of memory. */
static ab_err zip_failure(const char *what, int ze, const char *text)
{
    if (ze == ZIP_ER_MEMORY)
        return AB_ERR_NOMEM;
    AB_ERROR("dataset: libzip failed", "{s:s,s:s}", "op", what, "error", text ? text : "?");
    return AB_ERR_INTERNAL;
}

/** Adds every photo to the open archive; AB_OK or the error (logged). */
static ab_err add_photos(zip_t *za, const ab_dataset_entry *entries, photo_src *photos, size_t n,
                         time_t mtime)
{
    for (size_t i = 0; i < n; i++) {
        zip_source_t *zs = zip_source_function(za, photo_cb, &photos[i]);
        if (!zs)
            return zip_failure("source", zip_error_code_zip(zip_get_error(za)), zip_strerror(za));
        zip_int64_t idx = zip_file_add(za, entries[i].name, zs, ZIP_FL_ENC_GUESS);
        if (idx < 0) {
            zip_source_free(zs);
            if (zip_error_code_zip(zip_get_error(za)) == ZIP_ER_EXISTS)
                return AB_ERR_INVALID;
            return zip_failure("add", zip_error_code_zip(zip_get_error(za)), zip_strerror(za));
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0)
            return zip_failure("compression", zip_error_code_zip(zip_get_error(za)),
                               zip_strerror(za));
        if (zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0) < 0)
            return zip_failure("mtime", zip_error_code_zip(zip_get_error(za)), zip_strerror(za));
    }
    return AB_OK;
}

ab_err ab_dataset_build_zip(const ab_dataset_reader *r, const ab_dataset_entry *entries, size_t n,
                            size_t max_input, int *fd, size_t *zip_len)
{
    if (fd)
        *fd = -1;
    if (zip_len)
        *zip_len = 0;
    if (!r || !r->read || !entries || n == 0 || !fd || !zip_len)
        return AB_ERR_INVALID;
    ab_err err = check_entries(entries, n);
    if (err != AB_OK)
        return err;

    build b = {
        .reader = r,
        .max_input = max_input ? max_input : AB_DATASET_MAX_INPUT_BYTES,
        .mtime = dataset_mtime(),
        .err = AB_OK,
    };
    photo_src *photos = calloc(n, sizeof *photos);
    if (!photos)
        return AB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        photos[i].b = &b;
        photos[i].key = entries[i].key;
        zip_error_init(&photos[i].zerr);
    }
    sink k = {.fd = -1, .out_fd = -1};
    zip_error_init(&k.zerr);
    zip_error_t zerr;
    zip_error_init(&zerr);

    zip_t *za = NULL;
    zip_source_t *src = zip_source_function_create(sink_cb, &k, &zerr);
    if (!src) {
        err = zip_failure("sink", zip_error_code_zip(&zerr), zip_error_strerror(&zerr));
        goto out;
    }
    za = zip_open_from_source(src, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) {
        err = zip_failure("open", zip_error_code_zip(&zerr), zip_error_strerror(&zerr));
        zip_source_free(src);
        src = NULL;
        goto out;
    }
    zip_source_keep(src); /* the archive's file outlives zip_close */

    err = add_photos(za, entries, photos, n, b.mtime);
    if (err != AB_OK)
        goto out;
    if (zip_close(za) < 0) {
        if (b.err != AB_OK)
            err = b.err;
        else
            err = zip_failure("close", zip_error_code_zip(zip_get_error(za)), zip_strerror(za));
        goto out;
    }
    za = NULL;
    if (k.fd < 0) { /* libzip writes nothing for an archive without entries; n > 0 here */
        err = zip_failure("close", ZIP_ER_INTERNAL, "no archive written");
        goto out;
    }
    *fd = k.fd;
    *zip_len = k.len;
    k.fd = -1;
    AB_INFO("dataset: zip built", "{s:I,s:I,s:I,s:I}", "entries", (json_int_t)n, "input_bytes",
            (json_int_t)b.total_input, "zip_bytes", (json_int_t)*zip_len, "photos_held_max",
            (json_int_t)b.held_max);

out:
    if (za)
        zip_discard(za);
    if (src)
        zip_source_free(src);
    close_fd(&k.fd);
    close_fd(&k.out_fd);
    zip_error_fini(&k.zerr);
    zip_error_fini(&zerr);
    for (size_t i = 0; i < n; i++) {
        photo_release(&photos[i]);
        zip_error_fini(&photos[i].zerr);
    }
    free(photos);
    return err;
}
