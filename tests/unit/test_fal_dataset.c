/* The training dataset ZIP (src/fal/dataset.c) built from photos read out of a file:// storage
 * (as the training job reads them): contents read back with libzip, STORED entries, fixed mtime
 * and byte-identical rebuilds (also across time zones), one photo in memory at a time, the
 * reader's errors passed through, name and input limits, and no temporary file left in TMPDIR
 * whatever the outcome. Leaks (descriptors too) are checked by the ASan build. The S3 multipart
 * path and the memory bound are checked end to end in tests/integration/test_storage.py. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <cmocka.h>

#include "core/log.h"
#include "fal/dataset.h"
#include "storage/storage.h"

typedef struct {
    char base[64];
    char url[96];
    char tmp[96]; /* TMPDIR during the test: the builds' temporary files go here */
    char *saved_tmpdir;
    ab_storage *s;
} fixture;

#define N_PHOTOS 3
static const char *const KEYS[N_PHOTOS] = {"avatars/1/2/10.jpg", "avatars/1/2/11.png",
                                           "avatars/1/2/12.jpg"};
static const char *const NAMES[N_PHOTOS] = {"photo_01.jpg", "photo_02.png", "photo_03.jpg"};
static const size_t SIZES[N_PHOTOS] = {1, 3000, 200000}; /* the last one grows the sink */

/** Fake JPEG-ish bytes: a JPEG SOI/APP0 start, then a pattern that depends on the seed. */
static unsigned char *fake_photo(size_t len, unsigned seed)
{
    unsigned char *p = malloc(len ? len : 1);
    assert_non_null(p);
    static const unsigned char head[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F'};
    for (size_t i = 0; i < len; i++)
        p[i] = i < sizeof head ? head[i] : (unsigned char)((i * 31u + seed * 7u) ^ (i >> 8));
    return p;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->base, sizeof f->base, "/tmp/ab-dataset-test-XXXXXX");
    if (!mkdtemp(f->base))
        return -1;
    snprintf(f->url, sizeof f->url, "file://%s/objects", f->base);
    snprintf(f->tmp, sizeof f->tmp, "%s/tmp", f->base);
    if (mkdir(f->tmp, 0700) != 0)
        return -1;
    const char *old = getenv("TMPDIR");
    f->saved_tmpdir = old ? strdup(old) : NULL;
    setenv("TMPDIR", f->tmp, 1);
    ab_storage_config cfg = {.url = f->url};
    char why[200];
    if (ab_storage_open(&cfg, &f->s, why, sizeof why) != AB_OK) {
        fprintf(stderr, "open: %s\n", why);
        return -1;
    }
    for (unsigned i = 0; i < N_PHOTOS; i++) {
        unsigned char *p = fake_photo(SIZES[i], i);
        ab_err err = ab_storage_put(f->s, KEYS[i], p, SIZES[i], "image/jpeg");
        free(p);
        if (err != AB_OK)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ab_storage_close(f->s);
    if (f->saved_tmpdir)
        setenv("TMPDIR", f->saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(f->saved_tmpdir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->base);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void fill_entries(ab_dataset_entry *e)
{
    for (size_t i = 0; i < N_PHOTOS; i++) {
        e[i].key = KEYS[i];
        e[i].name = NAMES[i];
    }
}

/** Entries of dir, "." and ".." aside (-1 when it cannot be read). */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static ab_err read_photo(void *storage, const char *key, unsigned char **data, size_t *len)
{
    return ab_storage_get(storage, key, data, len);
}

/** ab_dataset_build_zip, with the ZIP read into memory (*zip malloc'd, NULL on failure). */
static ab_err build_mem(ab_storage *s, const ab_dataset_entry *e, size_t n, size_t cap,
                        unsigned char **zip, size_t *len)
{
    int fd = 7;
    *zip = NULL;
    ab_dataset_reader r = {read_photo, s};
    ab_err err = ab_dataset_build_zip(&r, e, n, cap, &fd, len);
    if (err != AB_OK) {
        assert_int_equal(fd, -1);
        assert_int_equal(*len, 0);
        return err;
    }
    assert_true(fd >= 0);
    *zip = malloc(*len + 1);
    assert_non_null(*zip);
    assert_int_equal(pread(fd, *zip, *len + 1, 0), (ssize_t)*len); /* exactly len bytes */
    close(fd);
    return AB_OK;
}

static time_t expected_mtime(void)
{
    struct tm tm = {.tm_year = 100, .tm_mon = 0, .tm_mday = 1, .tm_hour = 12, .tm_isdst = -1};
    return mktime(&tm);
}

/** Opens zip bytes (borrowed) with libzip for reading, checking the archive's consistency. */
static zip_t *open_zip(const unsigned char *zip, size_t len, zip_source_t **src_out)
{
    zip_error_t zerr;
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(zip, len, 0, &zerr);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za)
        fail_msg("zip_open_from_source: %s", zip_error_strerror(&zerr));
    zip_error_fini(&zerr);
    *src_out = src;
    return za;
}

static void test_round_trip(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);

    /* Capture the log to see how many photos were held at once. */
    FILE *log = tmpfile();
    assert_non_null(log);
    ab_log_set_fd(fileno(log));
    unsigned char *zip = NULL;
    size_t len = 0;
    ab_err err = build_mem(f->s, e, N_PHOTOS, 0, &zip, &len);
    ab_log_set_fd(2);
    assert_int_equal(err, AB_OK);
    assert_non_null(zip);
    assert_true(len > SIZES[0] + SIZES[1] + SIZES[2]);

    char text[4096] = {0};
    rewind(log);
    size_t got = fread(text, 1, sizeof text - 1, log);
    fclose(log);
    assert_true(got > 0);
    if (!strstr(text, "\"photos_held_max\":1,") && !strstr(text, "\"photos_held_max\":1}"))
        fail_msg("more than one photo held at once: %s", text);
    assert_non_null(strstr(text, "\"entries\":3"));
    assert_non_null(strstr(text, "\"input_bytes\":203001"));

    zip_source_t *src;
    zip_t *za = open_zip(zip, len, &src);
    assert_int_equal(zip_get_num_entries(za, 0), N_PHOTOS);
    for (unsigned i = 0; i < N_PHOTOS; i++) {
        zip_stat_t st;
        assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
        assert_string_equal(st.name, NAMES[i]);
        assert_int_equal(st.size, SIZES[i]);
        assert_int_equal(st.comp_size, SIZES[i]);
        assert_int_equal(st.comp_method, ZIP_CM_STORE);
        assert_int_equal((long long)st.mtime, (long long)expected_mtime());

        unsigned char *want = fake_photo(SIZES[i], i);
        unsigned char *have = malloc(SIZES[i] + 1);
        assert_non_null(have);
        zip_file_t *zf = zip_fopen_index(za, i, 0);
        assert_non_null(zf);
        assert_int_equal(zip_fread(zf, have, SIZES[i] + 1), (zip_int64_t)SIZES[i]);
        assert_int_equal(zip_fclose(zf), 0);
        assert_memory_equal(have, want, SIZES[i]);
        free(have);
        free(want);
    }
    zip_discard(za); /* frees src */
    free(zip);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &a, &alen), AB_OK);
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &b, &blen), AB_OK);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    free(b);

    /* The same bytes in other time zones (POSIX TZ strings: no tzdata needed). */
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    const char *zones[] = {"XST-9", "YST+7", "UTC0"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        b = NULL;
        assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &b, &blen), AB_OK);
        assert_int_equal(alen, blen);
        if (memcmp(a, b, alen) != 0)
            fail_msg("different bytes in TZ=%s", zones[i]);
        free(b);
    }
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();

    /* Other names give other bytes (the names are in the archive). */
    e[0].name = "other.jpg";
    b = NULL;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &b, &blen), AB_OK);
    assert_true(blen != alen || memcmp(a, b, alen) != 0);
    free(b);
    free(a);
}

static void test_missing_photo(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS + 1];
    fill_entries(e);
    e[N_PHOTOS] = e[2];
    e[2] = (ab_dataset_entry){.key = "avatars/1/2/404.jpg", .name = "photo_404.jpg"};
    unsigned char *zip = (unsigned char *)"x";
    size_t len = 7;
    /* The first two photos were read (and must be freed) before the missing one. */
    assert_int_equal(build_mem(f->s, e, N_PHOTOS + 1, 0, &zip, &len), AB_ERR_NOT_FOUND);
    assert_null(zip);
    assert_int_equal(len, 0);
    /* Missing as the first photo too. */
    e[0] = e[2];
    e[2] = e[N_PHOTOS];
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_NOT_FOUND);
    assert_null(zip);
    /* a failed build leaves no temporary file behind */
    assert_int_equal(count_entries(f->tmp), 0);
}

static void test_temp_file(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);
    unsigned char *zip = NULL;
    size_t len = 0;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_OK);
    free(zip);
    assert_int_equal(count_entries(f->tmp), 0); /* the file was unlinked as soon as made */

    /* An unusable TMPDIR is a logged internal error. */
    setenv("TMPDIR", "/nonexistent-ab-dataset-dir", 1);
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_INTERNAL);
    setenv("TMPDIR", f->tmp, 1);
    assert_null(zip);
}

static void test_bad_names(void **state)
{
    fixture *f = *state;
    char name64[65], name65[66];
    memset(name64, 'n', 64);
    name64[64] = '\0';
    memset(name65, 'n', 65);
    name65[65] = '\0';
    assert_int_equal(ab_dataset_check_name(name64), AB_OK);
    assert_int_equal(ab_dataset_check_name("photo_01.jpg"), AB_OK);
    assert_int_equal(ab_dataset_check_name("фото 1.jpg"), AB_OK);
    const char *bad[] = {NULL,   "",     "a/b.jpg", "/a.jpg",   "..",  "x..jpg",
                         "a\\b", "a\nb", "tab\tx",  "del\x7fx", name65};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ab_dataset_check_name(bad[i]) != AB_ERR_INVALID)
            fail_msg("accepted bad name %zu", i);
        ab_dataset_entry e[N_PHOTOS];
        fill_entries(e);
        e[1].name = bad[i];
        unsigned char *zip = NULL;
        size_t len = 0;
        assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_INVALID);
        assert_null(zip);
    }
    /* A repeated name, and a bad key. */
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);
    e[2].name = e[0].name;
    unsigned char *zip = NULL;
    size_t len = 0;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_INVALID);
    fill_entries(e);
    e[1].key = "avatars/../etc/passwd";
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_INVALID);
    e[1].key = NULL;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, 0, &zip, &len), AB_ERR_INVALID);
    assert_null(zip);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);
    int fd = 7;
    size_t len = 9;
    ab_dataset_reader r = {read_photo, f->s}, no_read = {NULL, f->s};
    assert_int_equal(ab_dataset_build_zip(&r, e, 0, 0, &fd, &len), AB_ERR_INVALID);
    assert_int_equal(fd, -1);
    assert_int_equal(len, 0);
    assert_int_equal(ab_dataset_build_zip(&r, NULL, 0, 0, &fd, &len), AB_ERR_INVALID);
    assert_int_equal(ab_dataset_build_zip(NULL, e, N_PHOTOS, 0, &fd, &len), AB_ERR_INVALID);
    assert_int_equal(ab_dataset_build_zip(&no_read, e, N_PHOTOS, 0, &fd, &len), AB_ERR_INVALID);
    assert_int_equal(ab_dataset_build_zip(&r, e, N_PHOTOS, 0, NULL, &len), AB_ERR_INVALID);
    assert_int_equal(ab_dataset_build_zip(&r, e, N_PHOTOS, 0, &fd, NULL), AB_ERR_INVALID);
    assert_int_equal(fd, -1);
}

static void test_input_limit(void **state)
{
    fixture *f = *state;
    ab_dataset_entry e[N_PHOTOS];
    fill_entries(e);
    size_t total = SIZES[0] + SIZES[1] + SIZES[2];
    unsigned char *zip = NULL;
    size_t len = 0;
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, total - 1, &zip, &len), AB_ERR_LIMIT);
    assert_null(zip);
    assert_int_equal(len, 0);
    assert_int_equal(build_mem(f->s, e, N_PHOTOS, total, &zip, &len), AB_OK);
    assert_non_null(zip);
    free(zip);
}

int main(void)
{
    ab_log_set_fd(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_photo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
