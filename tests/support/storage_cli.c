/* storage_cli: the storage layer (src/storage) as a command, so the integration tests drive the
 * real C implementation against the S3 stand-in and a file:// directory.
 *
 *   storage_cli put KEY FILE|- [CONTENT_TYPE]
 *   storage_cli put-file KEY FILE [CONTENT_TYPE]   (ab_storage_put_file: multipart on S3)
 *   storage_cli dataset KEY PHOTO_KEY...  (ab_training_dataset_store of the stored photos, named
 *                                          photo_01.jpg...; prints "zip_bytes N")
 *   storage_cli get KEY [FILE|-]            (default: stdout)
 *   storage_cli delete KEY
 *   storage_cli delete-prefix PREFIX        (prints the number deleted)
 *   storage_cli list [PREFIX]               (one key per line)
 *   storage_cli presign KEY [EXPIRES_S]     (default 86400)
 *
 * Configuration from the environment, as the service reads it: STORAGE_URL, S3_ENDPOINT,
 * S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY, S3_FORCE_PATH_STYLE, STORAGE_TIMEOUT_SECONDS, and
 * STORAGE_PART_SIZE (bytes; S3 multipart part size, tests only). put-file and dataset also print
 * "peak_rss_kb N", the process's peak resident memory (VmHWM), so that tests can check
 * that it does not grow with the size of what is stored.
 * Log lines (JSON, debug level) go to stderr with S3_SECRET_KEY redacted, unless
 * STORAGE_CLI_NO_REDACT=1: then tests can check the storage code never logs the secret at all.
 * The last stderr line is "error: NAME" on failure. Exit status: 0 ok, 2 usage or configuration, 3
 * not found, 4 retryable (http_error, timeout), 5 remote refusal, 6 invalid input, 7 anything else.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "fal/dataset.h"
#include "storage/storage.h"
#include "workers/jobs.h"

static int usage(void)
{
    fprintf(stderr, "usage: storage_cli put KEY FILE|- [CONTENT_TYPE] | get KEY [FILE|-] |\n"
                    "       put-file KEY FILE [CONTENT_TYPE] | dataset KEY PHOTO_KEY... |\n"
                    "       delete KEY | delete-prefix PREFIX | list [PREFIX] |\n"
                    "       presign KEY [EXPIRES_S]\n");
    return 2;
}

static int exit_code(ab_err err)
{
    if (err == AB_OK)
        return 0;
    fprintf(stderr, "error: %s\n", ab_err_name(err));
    switch (err) {
    case AB_ERR_NOT_FOUND:
        return 3;
    case AB_ERR_HTTP:
    case AB_ERR_TIMEOUT:
        return ab_storage_err_retryable(err) ? 4 : 7;
    case AB_ERR_REMOTE:
        return 5;
    case AB_ERR_INVALID:
        return 6;
    default:
        return 7;
    }
}

/* Reads a whole file ("-" = stdin) into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        unsigned char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

/* VmHWM, the peak resident memory of this process image. Not getrusage's ru_maxrss: Linux
 * carries that over exec from the forking parent (a test runner holding large payloads). */
static void print_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    printf("peak_rss_kb %ld\n", kb);
}

static int put_file(ab_storage *s, const char *key, const char *path, const char *type)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "storage_cli: cannot read %s\n", path);
        if (fd >= 0)
            close(fd);
        return 2;
    }
    int rc = exit_code(ab_storage_put_file(s, key, fd, (size_t)st.st_size, type));
    close(fd);
    print_peak_rss();
    return rc;
}

static int dataset(ab_storage *s, const char *key, char **photo_keys, int n)
{
    ab_dataset_entry *entries = calloc((size_t)n, sizeof *entries);
    char(*names)[32] = calloc((size_t)n, sizeof *names);
    int rc = 7;
    if (entries && names) {
        for (int i = 0; i < n; i++) {
            snprintf(names[i], sizeof names[i], "photo_%02d.jpg", i + 1);
            entries[i].key = photo_keys[i];
            entries[i].name = names[i];
        }
        size_t zip_len = 0;
        rc = exit_code(ab_training_dataset_store(s, entries, (size_t)n, key, &zip_len));
        printf("zip_bytes %zu\n", zip_len);
        print_peak_rss();
    }
    free(entries);
    free(names);
    return rc;
}

static bool env_true(const char *name)
{
    const char *v = getenv(name);
    return v && (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
                 strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    ab_log_set_fd(2);
    ab_log_set_level(AB_LOG_DEBUG);
    if (!env_true("STORAGE_CLI_NO_REDACT"))
        ab_log_add_secret(getenv("S3_SECRET_KEY"));
    curl_global_init(CURL_GLOBAL_DEFAULT);

    const char *timeout = getenv("STORAGE_TIMEOUT_SECONDS");
    const char *part_size = getenv("STORAGE_PART_SIZE");
    ab_storage_config cfg = {
        .url = getenv("STORAGE_URL"),
        .s3_endpoint = getenv("S3_ENDPOINT"),
        .s3_region = getenv("S3_REGION"),
        .s3_access_key = getenv("S3_ACCESS_KEY"),
        .s3_secret_key = getenv("S3_SECRET_KEY"),
        .s3_force_path_style = env_true("S3_FORCE_PATH_STYLE"),
        .timeout_s = timeout ? atoi(timeout) : 0,
        .s3_part_size = part_size ? strtoul(part_size, NULL, 10) : 0,
    };
    ab_storage *s;
    char why[256];
    ab_err err = ab_storage_open(&cfg, &s, why, sizeof why);
    if (err != AB_OK) {
        fprintf(stderr, "storage_cli: cannot open storage: %s\n", why);
        curl_global_cleanup();
        return 2;
    }

    int rc;
    if (strcmp(cmd, "put") == 0 && (argc == 4 || argc == 5)) {
        size_t len;
        unsigned char *data = slurp(argv[3], &len);
        if (!data) {
            fprintf(stderr, "storage_cli: cannot read %s\n", argv[3]);
            rc = 2;
        } else {
            rc = exit_code(ab_storage_put(s, argv[2], data, len, argc == 5 ? argv[4] : NULL));
            free(data);
        }
    } else if (strcmp(cmd, "put-file") == 0 && (argc == 4 || argc == 5)) {
        rc = put_file(s, argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    } else if (strcmp(cmd, "dataset") == 0 && argc >= 4) {
        rc = dataset(s, argv[2], argv + 3, argc - 3);
    } else if (strcmp(cmd, "get") == 0 && (argc == 3 || argc == 4)) {
        unsigned char *data;
        size_t len;
        err = ab_storage_get(s, argv[2], &data, &len);
        if (err == AB_OK) {
            FILE *f = argc == 4 && strcmp(argv[3], "-") != 0 ? fopen(argv[3], "wb") : stdout;
            if (!f || fwrite(data, 1, len, f) != len)
                err = AB_ERR_INTERNAL;
            if (f && f != stdout)
                fclose(f);
            free(data);
        }
        rc = exit_code(err);
    } else if (strcmp(cmd, "delete") == 0 && argc == 3) {
        rc = exit_code(ab_storage_delete(s, argv[2]));
    } else if (strcmp(cmd, "delete-prefix") == 0 && argc == 3) {
        size_t deleted = 0;
        err = ab_storage_delete_prefix(s, argv[2], &deleted);
        printf("%zu\n", deleted);
        rc = exit_code(err);
    } else if (strcmp(cmd, "list") == 0 && (argc == 2 || argc == 3)) {
        ab_storage_keys list;
        err = ab_storage_list(s, argc == 3 ? argv[2] : "", &list);
        for (size_t i = 0; err == AB_OK && i < list.count; i++)
            printf("%s\n", list.keys[i]);
        ab_storage_keys_free(&list);
        rc = exit_code(err);
    } else if (strcmp(cmd, "presign") == 0 && (argc == 3 || argc == 4)) {
        char *url;
        err = ab_storage_presign_get(s, argv[2], argc == 4 ? atoi(argv[3]) : 86400, &url);
        if (err == AB_OK)
            printf("%s\n", url);
        free(url);
        rc = exit_code(err);
    } else {
        rc = usage();
    }
    ab_storage_close(s);
    curl_global_cleanup();
    ab_log_clear_secrets();
    return rc;
}
