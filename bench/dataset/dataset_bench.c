/* Benchmark of the training dataset ZIP (not a test): for each round, the photos given on the
 * command line are put into a file:// object store, then (baseline) every object is read back
 * with ab_storage_get, and (measured) ab_training_dataset_store builds the ZIP of the same
 * objects in a temporary file and stores it, as training.submit does. Reported: the
 * median of the rounds for both, their ratio, the ZIP's size against the input, and the process's
 * peak RSS against the largest photo and the ZIP (the builder holds one photo at a time; the ZIP
 * stays on disk).
 *
 *   ab_dataset_bench [--rounds N] [--copies K] PHOTO...
 *   (--copies: use each photo K times, to reach the 50-photo maximum) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fal/dataset.h"
#include "storage/storage.h"
#include "workers/jobs.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

int main(int argc, char **argv)
{
    int rounds = 7, copies = 1, first = 1;
    while (first + 1 < argc && strncmp(argv[first], "--", 2) == 0) {
        if (strcmp(argv[first], "--rounds") == 0)
            rounds = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--copies") == 0)
            copies = atoi(argv[first + 1]);
        first += 2;
    }
    int files = argc - first;
    if (files < 1 || rounds < 1 || copies < 1) {
        fprintf(stderr, "usage: ab_dataset_bench [--rounds N] [--copies K] PHOTO...\n");
        return 2;
    }
    char dir[] = "/tmp/ab-dataset-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char url[128];
    snprintf(url, sizeof url, "file://%s", dir);
    ab_storage_config sc = {.url = url};
    ab_storage *s = NULL;
    if (ab_storage_open(&sc, &s, NULL, 0) != AB_OK)
        return 1;
    int n = files * copies;
    if (n > 50)
        n = 50; /* an avatar has at most 50 photos */
    ab_dataset_entry *entries = calloc((size_t)n, sizeof *entries);
    char(*keys)[64] = calloc((size_t)n, sizeof *keys);
    char(*names)[32] = calloc((size_t)n, sizeof *names);
    size_t input = 0, largest = 0;
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *path = argv[first + i % files];
        unsigned char *bytes = read_file(path, &len);
        if (!bytes) {
            fprintf(stderr, "cannot read %s\n", path);
            return 1;
        }
        snprintf(keys[i], sizeof keys[i], "avatars/1/1/%d.jpg", i);
        snprintf(names[i], sizeof names[i], "photo_%02d.jpg", i + 1);
        if (ab_storage_put(s, keys[i], bytes, len, NULL) != AB_OK)
            return 1;
        entries[i].key = keys[i];
        entries[i].name = names[i];
        input += len;
        largest = len > largest ? len : largest;
        free(bytes);
    }
    double *read_t = calloc((size_t)rounds, sizeof *read_t);
    double *zip_t = calloc((size_t)rounds, sizeof *zip_t);
    size_t zip_len = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            unsigned char *data;
            size_t len;
            if (ab_storage_get(s, keys[i], &data, &len) != AB_OK)
                return 1;
            free(data);
        }
        read_t[r] = now_s() - t0;
        t0 = now_s();
        if (ab_training_dataset_store(s, entries, (size_t)n, "datasets/1/1/dataset.zip",
                                      &zip_len) != AB_OK)
            return 1;
        zip_t[r] = now_s() - t0;
    }
    qsort(read_t, (size_t)rounds, sizeof *read_t, cmp_double);
    qsort(zip_t, (size_t)rounds, sizeof *zip_t, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mb = (double)ru.ru_maxrss / 1024.0;
    printf("photos                     %d (%.1f MB in, largest %.2f MB)\n", n, input / 1e6,
           largest / 1e6);
    printf("read them back (baseline)  %.1f ms (median of %d)\n", read_t[rounds / 2] * 1e3, rounds);
    printf("build and store the ZIP    %.1f ms (median of %d)\n", zip_t[rounds / 2] * 1e3, rounds);
    printf("ZIP / reading              %.2fx\n", zip_t[rounds / 2] / read_t[rounds / 2]);
    printf("ZIP size / input           %.4f\n", (double)zip_len / (double)input);
    printf("peak RSS                   %.1f MB (largest photo %.1f MB; ZIP %.1f MB, on disk)\n",
           rss_mb, largest / 1048576.0, zip_len / 1048576.0);
    ab_storage_delete_prefix(s, "avatars/", NULL);
    ab_storage_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    free(read_t);
    free(zip_t);
    free(entries);
    free(keys);
    free(names);
    return 0;
}
