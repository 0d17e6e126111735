/* The storage front (src/storage/storage.c) and the file:// backend: key rules, STORAGE_URL and
 * S3 configuration checks, and the file backend's put/put_file/get/list/delete/presign semantics.
 * The S3 backend's requests are exercised against the S3 stand-in by
 * tests/integration/test_storage.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/storage_url.h"
#include "storage/storage.h"

static void test_key_rules(void **state)
{
    (void)state;
    const char *good[] = {
        "avatars/123456789012/42/7.jpg", "a", "avatars/1/2/a b+c(1)~é.jpg", "x/y.z/w", "a.b",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (ab_storage_check_key(good[i]) != AB_OK)
            fail_msg("refused good key %s", good[i]);
    char long_key[1026];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    const char *bad[] = {
        NULL,        "",          "/avatars/1.jpg",  "avatars/../etc/passwd",
        "..",        "a..b",      "avatars/1\n.jpg", "avatars/\x7f",
        "tab\there", "a//b",      "avatars/1/",      "./a",
        "a/./b",     "a/.hidden", ".tmp-x",          long_key,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ab_storage_check_key(bad[i]) != AB_ERR_INVALID)
            fail_msg("accepted bad key %zu", i);
    long_key[1024] = '\0';
    assert_int_equal(ab_storage_check_key(long_key), AB_OK); /* 1024 bytes: S3's limit */
}

static void test_url_rules(void **state)
{
    (void)state;
    assert_null(ab_storage_url_problem("s3://avatars-prod"));
    assert_null(ab_storage_url_problem("s3://avatars.example.com/"));
    assert_null(ab_storage_url_problem("file:///var/lib/avatarbot/objects"));
    assert_null(ab_storage_url_problem("file:///tmp/x/"));
    const char *bad[] = {
        NULL,
        "",
        "s3://",
        "s3://ab",
        "s3://Upper",
        "s3://under_score",
        "s3://-dash",
        "s3://bucket/prefix",
        "s3://a..b",
        "file://relative/dir",
        "file:///",
        "file://///",
        "file:///a/../b",
        "file:///a%20b",
        "http://bucket",
        "s3://bucket name",
        "/var/lib/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!ab_storage_url_problem(bad[i]))
            fail_msg("accepted bad url %s", bad[i] ? bad[i] : "(null)");
}

static void test_s3_config_errors(void **state)
{
    (void)state;
    ab_storage *s;
    char why[200];
    ab_storage_config cfg = {.url = "s3://bucket-1", .s3_access_key = "AK"};
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_null(s);
    assert_non_null(strstr(why, "S3_SECRET_KEY"));
    cfg.s3_secret_key = "very-secret-value";
    cfg.s3_endpoint = "ftp://x";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_non_null(strstr(why, "S3_ENDPOINT"));
    cfg.s3_endpoint = "http://host:9000/some/path";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    cfg.s3_endpoint = "http://user@host:9000";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    cfg.s3_endpoint = "http://127.0.0.1:9000";
    cfg.s3_region = "US EAST";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_non_null(strstr(why, "S3_REGION"));
    assert_null(strstr(why, "very-secret-value"));
    cfg.s3_region = NULL;
    cfg.url = "s3://x";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    cfg.url = "s3://bucket-1";
    assert_int_equal(ab_storage_open(&cfg, &s, NULL, 0), AB_OK);
    ab_storage_close(s);
    assert_true(ab_storage_err_retryable(AB_ERR_HTTP));
    assert_true(ab_storage_err_retryable(AB_ERR_TIMEOUT));
    assert_false(ab_storage_err_retryable(AB_ERR_REMOTE));
    assert_false(ab_storage_err_retryable(AB_ERR_NOT_FOUND));
}

/* Presigned URLs for FAL carry the public endpoint when there is one; requests keep the API's. */
static void test_s3_public_endpoint(void **state)
{
    (void)state;
    ab_storage *s;
    char why[200], *url = NULL;
    ab_storage_config cfg = {.url = "s3://photos",
                             .s3_endpoint = "http://minio.storage.svc:9000",
                             .s3_access_key = "AK",
                             .s3_secret_key = "SK",
                             .s3_force_path_style = true};
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_OK);
    assert_int_equal(ab_storage_presign_get(s, "datasets/1.zip", 3600, &url), AB_OK);
    assert_true(strncmp(url, "http://minio.storage.svc:9000/photos/datasets/1.zip?", 52) == 0);
    free(url);
    ab_storage_close(s);

    cfg.s3_public_endpoint = "https://files.example.com";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_OK);
    assert_int_equal(ab_storage_presign_get(s, "datasets/1.zip", 3600, &url), AB_OK);
    assert_true(strncmp(url, "https://files.example.com/photos/datasets/1.zip?X-Amz-", 54) == 0);
    assert_non_null(strstr(url, "X-Amz-SignedHeaders=host"));
    free(url);
    ab_storage_close(s);

    cfg.s3_public_endpoint = "https://files.example.com/photos";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_non_null(strstr(why, "S3_PUBLIC_ENDPOINT"));
}

/* Each file-backend test gets a fresh directory (a not-yet-existing child: open creates it). */
typedef struct {
    char base[64];
    char root[128];
    char url[160];
    ab_storage *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->base, sizeof f->base, "/tmp/ab-storage-test-XXXXXX");
    if (!mkdtemp(f->base))
        return -1;
    snprintf(f->root, sizeof f->root, "%s/objects/deeper", f->base);
    snprintf(f->url, sizeof f->url, "file://%s/", f->root);
    ab_storage_config cfg = {.url = f->url, .max_object_size = 1000};
    char why[200];
    if (ab_storage_open(&cfg, &f->s, why, sizeof why) != AB_OK) {
        fprintf(stderr, "open: %s\n", why);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ab_storage_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->base);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void put_text(ab_storage *s, const char *key, const char *text)
{
    assert_int_equal(ab_storage_put(s, key, text, strlen(text), "text/plain"), AB_OK);
}

static void assert_object(ab_storage *s, const char *key, const char *text)
{
    unsigned char *data;
    size_t len;
    assert_int_equal(ab_storage_get(s, key, &data, &len), AB_OK);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(data, text, len);
    assert_int_equal(data[len], '\0');
    free(data);
}

static void test_file_round_trip(void **state)
{
    fixture *f = *state;
    assert_string_equal(ab_storage_backend_name(f->s), "file");
    put_text(f->s, "avatars/1/2/3.jpg", "first");
    assert_object(f->s, "avatars/1/2/3.jpg", "first");
    put_text(f->s, "avatars/1/2/3.jpg", "second, longer"); /* replaced whole */
    assert_object(f->s, "avatars/1/2/3.jpg", "second, longer");

    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    assert_int_equal(ab_storage_put(f->s, "bin/all", bytes, sizeof bytes, NULL), AB_OK);
    unsigned char *data;
    size_t len;
    assert_int_equal(ab_storage_get(f->s, "bin/all", &data, &len), AB_OK);
    assert_int_equal(len, 256);
    assert_memory_equal(data, bytes, 256);
    free(data);
    assert_int_equal(ab_storage_put(f->s, "empty", NULL, 0, NULL), AB_OK);
    assert_int_equal(ab_storage_get(f->s, "empty", &data, &len), AB_OK);
    assert_int_equal(len, 0);
    free(data);

    /* the object is a plain file where the URL says, with no temporary file left behind */
    char path[256];
    snprintf(path, sizeof path, "%s/avatars/1/2/3.jpg", f->root);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 14);
    ab_storage_keys list;
    assert_int_equal(ab_storage_list(f->s, "", &list), AB_OK);
    assert_int_equal(list.count, 3);
    ab_storage_keys_free(&list);
}

/** The bytes of the file at ROOT/rel (malloc'd, caller frees), NULL when unreadable. */
static unsigned char *read_object_file(const fixture *f, const char *rel, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->root, rel);
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    rewind(in);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, in) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(in);
    *len = (size_t)n;
    return buf;
}

static void test_file_put_file(void **state)
{
    fixture *f = *state;
    /* larger than the backend's copy chunk (256 KiB), and not a multiple of it */
    size_t size = (3u << 20) + 12345;
    unsigned char *bytes = malloc(size);
    assert_non_null(bytes);
    for (size_t i = 0; i < size; i++)
        bytes[i] = (unsigned char)(i * 7 + (i >> 12));
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    assert_int_equal(fwrite(bytes, 1, size, tmp), size);
    assert_int_equal(fflush(tmp), 0);
    int fd = fileno(tmp); /* its offset is at the end: put_file reads from offset 0 anyway */

    assert_int_equal(ab_storage_put_file(f->s, "datasets/1/d.zip", fd, size, "application/zip"),
                     AB_OK);
    size_t len = 0;
    unsigned char *stored = read_object_file(f, "datasets/1/d.zip", &len);
    assert_non_null(stored);
    assert_int_equal(len, size);
    assert_memory_equal(stored, bytes, size);
    free(stored);

    /* only the first size bytes; an empty file */
    assert_int_equal(ab_storage_put_file(f->s, "datasets/1/part", fd, 1000, NULL), AB_OK);
    stored = read_object_file(f, "datasets/1/part", &len);
    assert_non_null(stored);
    assert_int_equal(len, 1000);
    assert_memory_equal(stored, bytes, 1000);
    free(stored);
    assert_int_equal(ab_storage_put_file(f->s, "datasets/1/empty", fd, 0, NULL), AB_OK);
    assert_object(f->s, "datasets/1/empty", "");

    /* a file shorter than the size claimed: an error, and the old object stays whole */
    assert_int_equal(ab_storage_put_file(f->s, "datasets/1/part", fd, size + 1, NULL),
                     AB_ERR_INTERNAL);
    stored = read_object_file(f, "datasets/1/part", &len);
    assert_non_null(stored);
    assert_int_equal(len, 1000);
    free(stored);
    ab_storage_keys list; /* and no temporary file */
    assert_int_equal(ab_storage_list(f->s, "datasets/", &list), AB_OK);
    assert_int_equal(list.count, 3);
    ab_storage_keys_free(&list);
    char dir[256];
    snprintf(dir, sizeof dir, "ls -A '%s/datasets/1' | grep -q '^\\.tmp-'", f->root);
    assert_int_not_equal(system(dir), 0);

    /* the same argument checks as put */
    assert_int_equal(ab_storage_put_file(f->s, "../escape", fd, 1, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_storage_put_file(f->s, "k", -1, 1, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_storage_put_file(f->s, "k", fd, 1, "a\r\nX-Evil: 1"), AB_ERR_INVALID);
    fclose(tmp);
    free(bytes);
}

static void test_file_missing_and_limits(void **state)
{
    fixture *f = *state;
    unsigned char *data = (unsigned char *)"sentinel";
    size_t len = 9;
    assert_int_equal(ab_storage_get(f->s, "no/such/key", &data, &len), AB_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_int_equal(ab_storage_delete(f->s, "no/such/key"), AB_OK); /* idempotent */

    char big[1001];
    memset(big, 'x', sizeof big);
    assert_int_equal(ab_storage_put(f->s, "big", big, sizeof big, NULL), AB_OK);
    assert_int_equal(ab_storage_get(f->s, "big", &data, &len), AB_ERR_LIMIT); /* max 1000 */
    assert_int_equal(ab_storage_put(f->s, "big", big, 1000, NULL), AB_OK);
    assert_int_equal(ab_storage_get(f->s, "big", &data, &len), AB_OK);
    free(data);
    /* a limit of the call's own: below the handle's, and never above it */
    assert_int_equal(ab_storage_get_max(f->s, "big", 999, &data, &len), AB_ERR_LIMIT);
    assert_null(data);
    assert_int_equal(ab_storage_get_max(f->s, "big", 1000, &data, &len), AB_OK);
    assert_int_equal(len, 1000);
    free(data);
    assert_int_equal(ab_storage_put(f->s, "big", big, sizeof big, NULL), AB_OK);
    assert_int_equal(ab_storage_get_max(f->s, "big", 5000, &data, &len), AB_ERR_LIMIT);

    /* bad keys and arguments never reach the disk */
    assert_int_equal(ab_storage_put(f->s, "../escape", "x", 1, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_storage_put(f->s, "/abs", "x", 1, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_storage_put(f->s, "k", NULL, 5, NULL), AB_ERR_INVALID);
    assert_int_equal(ab_storage_put(f->s, "k", "x", 1, "text/plain\r\nX-Evil: 1"), AB_ERR_INVALID);
    assert_int_equal(ab_storage_get(f->s, "a/../b", &data, &len), AB_ERR_INVALID);
    assert_int_equal(ab_storage_delete(f->s, "a//b"), AB_ERR_INVALID);
    ab_storage_keys list;
    assert_int_equal(ab_storage_list(f->s, "../", &list), AB_ERR_INVALID);
    size_t n = 99;
    assert_int_equal(ab_storage_delete_prefix(f->s, "", &n), AB_ERR_INVALID); /* never all */
    assert_int_equal(n, 0);
    char escaped[256];
    snprintf(escaped, sizeof escaped, "%s/../escape", f->root);
    assert_int_equal(access(escaped, F_OK), -1);
}

static void test_file_list_prefixes(void **state)
{
    fixture *f = *state;
    const char *keys[] = {"avatars/12/1/b.jpg",
                          "avatars/12/1/a.jpg",
                          "avatars/12/2/c.png",
                          "avatars/123/1/d.jpg",
                          "avatars/2/1/e.jpg",
                          "datasets/12/x.zip",
                          "top.txt"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        put_text(f->s, keys[i], keys[i]);

    ab_storage_keys list;
    assert_int_equal(ab_storage_list(f->s, "avatars/12/", &list), AB_OK);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.keys[0], "avatars/12/1/a.jpg"); /* sorted */
    assert_string_equal(list.keys[1], "avatars/12/1/b.jpg");
    assert_string_equal(list.keys[2], "avatars/12/2/c.png");
    ab_storage_keys_free(&list);

    /* a prefix may end inside a segment, as on S3 */
    assert_int_equal(ab_storage_list(f->s, "avatars/12", &list), AB_OK);
    assert_int_equal(list.count, 4);
    ab_storage_keys_free(&list);
    assert_int_equal(ab_storage_list(f->s, "avatars/12/1/a", &list), AB_OK);
    assert_int_equal(list.count, 1);
    ab_storage_keys_free(&list);
    assert_int_equal(ab_storage_list(f->s, "t", &list), AB_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.keys[0], "top.txt");
    ab_storage_keys_free(&list);
    assert_int_equal(ab_storage_list(f->s, "nothing/", &list), AB_OK);
    assert_int_equal(list.count, 0);
    ab_storage_keys_free(&list);
    assert_int_equal(ab_storage_list(f->s, NULL, &list), AB_OK);
    assert_int_equal(list.count, 7);
    ab_storage_keys_free(&list);

    /* stray temporary files (a crash mid-put) are never listed */
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/avatars/12/1/.tmp-abcdef", f->root);
    FILE *t = fopen(tmp, "w");
    assert_non_null(t);
    fclose(t);
    assert_int_equal(ab_storage_list(f->s, "avatars/12/1/", &list), AB_OK);
    assert_int_equal(list.count, 2);
    ab_storage_keys_free(&list);
    unlink(tmp);

    size_t n;
    assert_int_equal(ab_storage_delete_prefix(f->s, "avatars/12/", &n), AB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ab_storage_list(f->s, "", &list), AB_OK);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.keys[0], "avatars/123/1/d.jpg");
    ab_storage_keys_free(&list);
    /* emptied directories went with their last object */
    char dir[256];
    snprintf(dir, sizeof dir, "%s/avatars/12", f->root);
    assert_int_equal(access(dir, F_OK), -1);
    snprintf(dir, sizeof dir, "%s/avatars", f->root);
    assert_int_equal(access(dir, F_OK), 0);
    /* and a put into a pruned tree recreates it */
    put_text(f->s, "avatars/12/1/a.jpg", "back");
    assert_object(f->s, "avatars/12/1/a.jpg", "back");
}

static void test_file_conflicts(void **state)
{
    fixture *f = *state;
    /* a file system cannot hold both "a/b" and "a/b/c" */
    put_text(f->s, "a/b", "object");
    assert_int_equal(ab_storage_put(f->s, "a/b/c", "x", 1, NULL), AB_ERR_CONFLICT);
    put_text(f->s, "x/y/z", "object");
    assert_int_equal(ab_storage_put(f->s, "x/y", "x", 1, NULL), AB_ERR_CONFLICT);
    unsigned char *data;
    size_t len;
    assert_int_equal(ab_storage_get(f->s, "x/y", &data, &len), AB_ERR_NOT_FOUND);
    assert_int_equal(ab_storage_delete(f->s, "x/y"), AB_OK);
    assert_object(f->s, "x/y/z", "object");
}

static void test_file_presign(void **state)
{
    fixture *f = *state;
    char *url;
    assert_int_equal(ab_storage_presign_get(f->s, "avatars/1/a b%.jpg", 86400, &url), AB_OK);
    char want[256];
    snprintf(want, sizeof want, "file://%s/avatars/1/a%%20b%%25.jpg", f->root);
    assert_string_equal(url, want);
    free(url);
    assert_int_equal(ab_storage_presign_get(f->s, "../x", 60, &url), AB_ERR_INVALID);
    assert_null(url);
}

static void test_file_open_errors(void **state)
{
    (void)state;
    ab_storage *s;
    char why[200];
    ab_storage_config cfg = {.url = "file:///proc/no-such-dir/objects"};
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_null(s);
    assert_true(strlen(why) > 0);
    cfg.url = "file://relative";
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_ERR_INVALID);
    assert_non_null(strstr(why, "absolute"));
}

int main(void)
{
    ab_log_set_fd(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_rules),
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_s3_config_errors),
        cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_put_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_list_prefixes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_presign, setup, teardown),
        cmocka_unit_test(test_s3_public_endpoint),
        cmocka_unit_test(test_file_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
