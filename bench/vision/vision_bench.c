/* Photo validation benchmark (not a test): per-photo time of each analysis stage against plain
 * full-size decoding of the same files in the same run (libjpeg-turbo for JPEG, libpng for
 * PNG), per format; issue 16's budget (the median analysis of a 12 MP JPEG within 30 ms on one
 * core, next to a plain decode of it, and the peak memory of one analysis within the memory
 * budget), on a 12 MP JPEG given or else made in memory from the largest JPEG given;
 * throughput of ab_vision_analyze on N worker threads, and peak RSS. Files are read into
 * memory first, so no I/O ("download") is timed.
 *
 *   ab_vision_bench --model M [--threads N] [--repeat R] [--rounds K] [--nets N]
 *                   [--cv-threads T] [-v] [--dump] [--strict] [--save-12mp FILE] FILE|DIR...
 *
 * --strict: exit 1 when the 12 MP budget is missed; --save-12mp writes the 12 MP JPEG it made.
 * --nets 1 shares one detector network under a lock (0: one per thread, the default);
 * --cv-threads sets OpenCV's own threads (0: what ab_vision_init leaves, -1: all cores).
 * --dump prints every field of each photo's result (floats in hex, so to the last bit) and
 * stops: diff two builds' dumps to see that a speed-up changed no result.
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <jpeglib.h>
#include <png.h>

#include "vision/face_detector.h"
#include "vision/internal.h"
#include "vision/vision.h"

typedef struct {
    char *path;
    unsigned char *data;
    size_t len;
} photo;

static photo *g_photos;
static size_t g_count, g_cap;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the calling thread */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int add_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    if (g_count == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 64;
        g_photos = realloc(g_photos, g_cap * sizeof *g_photos);
        if (!g_photos)
            abort();
    }
    g_photos[g_count++] = (photo){strdup(path), buf, (size_t)n};
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static void add_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (S_ISREG(st.st_mode)) {
        if (ends_with(path, ".jpg") || ends_with(path, ".jpeg") || ends_with(path, ".png"))
            add_file(path);
        return;
    }
    if (!S_ISDIR(st.st_mode))
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        add_path(sub);
    }
    closedir(d);
}

/* ---- baseline: plain full-size decode with the libraries' default settings ---------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} bench_jerr;

static void bench_jpeg_error(j_common_ptr c)
{
    longjmp(((bench_jerr *)c->err)->jmp, 1);
}

static void bench_jpeg_silent(j_common_ptr c)
{
    (void)c;
}

/* Decodes the whole image at full size; the pixels are returned when `keep` is set (caller
 * frees), else freed. */
static int decode_jpeg_rgb(const unsigned char *data, size_t len, unsigned char **keep, int *w,
                           int *h, int *comps)
{
    struct jpeg_decompress_struct ci;
    bench_jerr err;
    unsigned char *volatile buf = NULL;
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = bench_jpeg_error;
    err.pub.output_message = bench_jpeg_silent;
    if (setjmp(err.jmp)) {
        jpeg_destroy_decompress(&ci);
        free(buf);
        return -1;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, data, (unsigned long)len);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space =
        ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&ci);
    size_t stride = (size_t)ci.output_width * (size_t)ci.output_components;
    buf = malloc(stride * ci.output_height);
    while (buf && ci.output_scanline < ci.output_height) {
        JSAMPROW row = buf + stride * ci.output_scanline;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    if (keep) {
        *keep = buf;
        *w = (int)ci.output_width;
        *h = (int)ci.output_height;
        *comps = ci.output_components;
    } else {
        free(buf);
    }
    jpeg_destroy_decompress(&ci);
    return buf ? 0 : -1;
}

static int decode_jpeg_full(const unsigned char *data, size_t len)
{
    return decode_jpeg_rgb(data, len, NULL, NULL, NULL, NULL);
}

typedef struct {
    const unsigned char *data;
    size_t len, pos;
} png_src;

static void bench_png_read(png_structp png, png_bytep out, size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->pos)
        png_error(png, "truncated");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static void bench_png_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void bench_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* The classic API with the usual 8-bit RGB(A) transforms, the whole image in memory. */
static int decode_png_full(const unsigned char *data, size_t len)
{
    png_src src = {data, len, 0};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, bench_png_error, bench_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *volatile buf = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(buf);
        free(rows);
        return -1;
    }
    png_set_read_fn(png, &src, bench_png_read);
    png_read_info(png, info);
    png_set_expand(png);
    png_set_scale_16(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t stride = png_get_rowbytes(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    buf = malloc(stride * h);
    rows = malloc(sizeof *rows * h);
    if (!buf || !rows)
        png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = buf + stride * y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(buf);
    free(rows);
    return 0;
}

/* ---- stages -------------------------------------------------------------------------------- */

enum { ST_SHA, ST_HEADER, ST_DECODE, ST_ORIENT, ST_MEASURE, ST_FACES, ST_COUNT };
static const char *const STAGE_NAMES[ST_COUNT] = {"sha256",      "header",      "decode~640",
                                                  "orient+luma", "dhash+sharp", "faces"};

static const char *const OUTCOME_NAMES[3] = {"up", "turned", "none"}; /* short, for -v */

typedef struct {
    double baseline;
    double stage[ST_COUNT];
    double analyze;
    ab_vision_verdict verdict;
    int ok;
    int outcome; /* 0: upright face, 1: turned face, 2: no face */
    double mpix; /* original megapixels */
} timing;

static void time_stages(const photo *p, timing *t)
{
    memset(t, 0, sizeof *t);
    double t0 = now_ms();
    char hex[65];
    ab_vision_sha256_hex(p->data, p->len, hex);
    double t1 = now_ms();
    t->stage[ST_SHA] = t1 - t0;
    ab_vision_format f = ab_vision_sniff(p->data, p->len);
    ab_vision_header hdr;
    if (f == AB_VISION_FORMAT_UNKNOWN ||
        ab_vision_read_header(p->data, p->len, f, &hdr) != AB_VISION_DECODE_OK)
        return;
    double t2 = now_ms();
    t->stage[ST_HEADER] = t2 - t1;
    ab_vision_image stored, rgb, luma, fixed = {0};
    int warnings = 0;
    if (ab_vision_decode(p->data, p->len, f, AB_VISION_ANALYSIS_SIDE, AB_VISION_DEFAULT_MAX_MEMORY,
                         &stored, &warnings) != AB_VISION_DECODE_OK)
        return;
    double t3 = now_ms();
    t->stage[ST_DECODE] = t3 - t2;
    if (hdr.orientation == 1) { /* as ab_vision_analyze: no copy when there is nothing to turn */
        rgb = stored;
        memset(&stored, 0, sizeof stored);
    } else {
        ab_vision_orient(&stored, hdr.orientation, &rgb);
    }
    uint64_t luma_sum = 0; /* as ab_vision_analyze: the brightness comes with the luma */
    ab_vision_luma_sum(&rgb, &luma, &luma_sum);
    volatile double b = ab_vision_luma_sum_mean(luma_sum, luma.w, luma.h);
    (void)b;
    double t4 = now_ms();
    t->stage[ST_ORIENT] = t4 - t3;
    volatile uint64_t h = ab_vision_dhash(&luma);
    (void)h;
    int fw, fh;
    ab_vision_fit(luma.w, luma.h, AB_VISION_SHARPNESS_SIDE, &fw, &fh);
    if (fw != luma.w || fh != luma.h)
        ab_vision_resize(&luma, fw, fh, &fixed);
    volatile double s = ab_vision_laplacian_variance(fixed.px ? &fixed : &luma);
    (void)s;
    double t5 = now_ms();
    t->stage[ST_MEASURE] = t5 - t4;
    ab_vision_face faces[16];
    int n = 0, rot = 0;
    ab_vision_faces_detect(rgb.px, rgb.w, rgb.h, AB_VISION_DEFAULT_MIN_FACE_SCORE, true, faces, 16,
                           &n, &rot);
    t->stage[ST_FACES] = now_ms() - t5;
    t->outcome = n == 0 ? 2 : rot == 0 ? 0 : 1;
    ab_vision_image_free(&stored);
    ab_vision_image_free(&rgb);
    ab_vision_image_free(&luma);
    ab_vision_image_free(&fixed);
    t->ok = 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- throughput ---------------------------------------------------------------------------- */

typedef struct {
    size_t next;
    size_t total;
    pthread_mutex_t mu;
} work_queue;

static void *worker(void *arg)
{
    work_queue *q = arg;
    ab_vision_options opt;
    ab_vision_options_default(&opt, true);
    for (;;) {
        pthread_mutex_lock(&q->mu);
        size_t i = q->next++;
        pthread_mutex_unlock(&q->mu);
        if (i >= q->total)
            break;
        const photo *p = &g_photos[i % g_count];
        ab_vision_result r;
        if (ab_vision_analyze(p->data, p->len, &opt, &r) != AB_OK)
            fprintf(stderr, "analyze failed: %s\n", p->path);
    }
    return NULL;
}

static double throughput(int threads, int rounds)
{
    work_queue q = {0, g_count * (size_t)rounds, PTHREAD_MUTEX_INITIALIZER};
    pthread_t tid[64];
    if (threads > 64)
        threads = 64;
    double t0 = now_ms();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, &q);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    double secs = (now_ms() - t0) / 1e3;
    return (double)q.total / secs;
}

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ---- the 12 MP budget ------------------------------------------------------------------------ */

/* Issue 16's target: the median analysis of a 12 MP JPEG takes at most this long on one core. */
#define BUDGET_12MP_MS 30.0
#define MP12_W 4000
#define MP12_H 3000

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

/* Starts a peak-memory measurement: freed heap goes back to the system (or pages the allocator
 * kept would hide what the next call needs) and the peak RSS is reset to the current RSS.
 * Returns that RSS in KiB, or -1 when the kernel cannot reset the peak. */
static long peak_reset(void)
{
    malloc_trim(0);
    FILE *f = fopen("/proc/self/clear_refs", "w"); /* "5": VmHWM := VmRSS */
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    if (fclose(f) != 0 || !ok)
        return -1;
    return status_kb("VmRSS");
}

/* How far the peak RSS rose since peak_reset returned `before`, in MiB (-1: unknown). */
static double peak_rise_mib(long before)
{
    long hwm = status_kb("VmHWM");
    return before < 0 || hwm < 0 ? -1 : (double)(hwm - before) / 1024.0;
}

/* A 12 MP (4000x3000) baseline JPEG, as a phone camera makes them (quality 92, 4:2:0), made in
 * memory from the largest RGB JPEG given: its middle 4000x3000 when it is that large, so that
 * the file has a real photo's detail, else its middle 4:3 stretched (nearest pixel). Caller
 * frees *out. */
static int make_12mp_jpeg(unsigned char **out, unsigned long *out_len, const char **from)
{
    const photo *src = NULL;
    uint64_t best = 0;
    for (size_t i = 0; i < g_count; i++) {
        ab_vision_header hdr;
        if (ab_vision_sniff(g_photos[i].data, g_photos[i].len) != AB_VISION_FORMAT_JPEG ||
            ab_vision_read_header(g_photos[i].data, g_photos[i].len, AB_VISION_FORMAT_JPEG, &hdr) !=
                AB_VISION_DECODE_OK)
            continue;
        uint64_t px = (uint64_t)hdr.width * (uint64_t)hdr.height;
        if (px > best) {
            best = px;
            src = &g_photos[i];
        }
    }
    unsigned char *rgb = NULL;
    int w = 0, h = 0, comps = 0;
    if (!src || decode_jpeg_rgb(src->data, src->len, &rgb, &w, &h, &comps) != 0 || comps != 3) {
        free(rgb);
        return -1;
    }
    int rx = 0, ry = 0, rw = MP12_W, rh = MP12_H; /* the region of the source used */
    if (w >= MP12_W && h >= MP12_H) {
        rx = (w - MP12_W) / 2;
        ry = (h - MP12_H) / 2;
    } else {
        rw = (int)((int64_t)w * 3 >= (int64_t)h * 4 ? (int64_t)h * 4 / 3 : w);
        rh = (int)((int64_t)rw * 3 / 4);
        rx = (w - rw) / 2;
        ry = (h - rh) / 2;
    }
    unsigned char *px = malloc((size_t)MP12_W * MP12_H * 3);
    if (!px) {
        free(rgb);
        return -1;
    }
    for (int y = 0; y < MP12_H; y++) {
        const int sy = ry + (int)((int64_t)y * rh / MP12_H);
        for (int x = 0; x < MP12_W; x++) {
            const int sx = rx + (int)((int64_t)x * rw / MP12_W);
            memcpy(px + ((size_t)y * MP12_W + (size_t)x) * 3,
                   rgb + ((size_t)sy * (size_t)w + (size_t)sx) * 3, 3);
        }
    }
    free(rgb);
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr); /* an error here is a bug of the bench: exit */
    jpeg_create_compress(&ci);
    *out = NULL;
    *out_len = 0;
    jpeg_mem_dest(&ci, out, out_len);
    ci.image_width = MP12_W;
    ci.image_height = MP12_H;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci); /* 4:2:0, baseline */
    jpeg_set_quality(&ci, 92, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = px + (size_t)ci.next_scanline * MP12_W * 3;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(px);
    *from = src->path;
    return 0;
}

/* Times the analysis of a 12 MP JPEG on one core (OpenCV on the caller's thread) against a plain
 * full-size decode of the same file, alternating, `repeat` runs each; then the peak memory of
 * one of each. Returns 1 when the median analysis or its peak memory is over its budget. */
static int check_12mp(int repeat, int nets, int cv_threads, const char *save)
{
    const photo *use = NULL; /* a 12 MP JPEG among the photos given, else one made */
    for (size_t i = 0; i < g_count && !use; i++) {
        ab_vision_header hdr;
        if (ab_vision_sniff(g_photos[i].data, g_photos[i].len) == AB_VISION_FORMAT_JPEG &&
            g_photos[i].len <= AB_VISION_DEFAULT_MAX_BYTES &&
            ab_vision_read_header(g_photos[i].data, g_photos[i].len, AB_VISION_FORMAT_JPEG, &hdr) ==
                AB_VISION_DECODE_OK &&
            (uint64_t)hdr.width * hdr.height >= 11500000 &&
            (uint64_t)hdr.width * hdr.height <= 12500000)
            use = &g_photos[i];
    }
    unsigned char *made = NULL;
    unsigned long made_len = 0;
    const char *from = NULL;
    photo p;
    if (use) {
        p = *use;
    } else {
        if (make_12mp_jpeg(&made, &made_len, &from) != 0) {
            printf("12 MP JPEG: none given and none could be made (no RGB JPEG given)\n\n");
            return 1;
        }
        p = (photo){(char *)"(made)", made, made_len};
        if (save) {
            FILE *f = fopen(save, "wb");
            int ok = f && fwrite(made, 1, made_len, f) == made_len;
            if ((f && fclose(f) != 0) || !ok)
                fprintf(stderr, "could not write %s\n", save);
        }
    }
    ab_vision_header hdr;
    ab_vision_read_header(p.data, p.len, AB_VISION_FORMAT_JPEG, &hdr);
    ab_vision_faces_tune(0, 1); /* one core: OpenCV runs on the calling thread */
    ab_vision_options opt;
    ab_vision_options_default(&opt, true);
    ab_vision_result res;
    ab_vision_analyze(p.data, p.len, &opt, &res); /* warm */
    /* wall and CPU time of this thread, for the analysis and the plain decode */
    double *t[4];
    for (int k = 0; k < 4; k++)
        if (!(t[k] = calloc((size_t)repeat, sizeof *t[k])))
            abort();
    for (int r = 0; r < repeat; r++) {
        double w0 = now_ms(), c0 = cpu_ms();
        decode_jpeg_full(p.data, p.len);
        double w1 = now_ms(), c1 = cpu_ms();
        ab_vision_analyze(p.data, p.len, &opt, &res);
        t[0][r] = now_ms() - w1;
        t[1][r] = cpu_ms() - c1;
        t[2][r] = w1 - w0;
        t[3][r] = c1 - c0;
    }
    double m[4];
    for (int k = 0; k < 4; k++)
        m[k] = median(t[k], repeat); /* sorts */
    long before = peak_reset();
    ab_vision_analyze(p.data, p.len, &opt, &res);
    double an_mem = peak_rise_mib(before);
    before = peak_reset();
    decode_jpeg_full(p.data, p.len);
    double dec_mem = peak_rise_mib(before);
    printf("12 MP JPEG: %dx%d, %zu bytes, %s%s, verdict %s\n", hdr.width, hdr.height, p.len,
           use ? use->path : "made from ", use ? "" : from, ab_vision_verdict_name(res.verdict));
    ab_vision_faces_tune(nets, cv_threads ? cv_threads : 1); /* as the rest of the run */
    /* Judged on CPU time: what the one core spends. On a quiet machine the wall time is the
     * same; on a shared one it also holds the time spent waiting for a core. */
    printf("  analysis, one core  %7.2f ms CPU, %7.2f ms wall (medians of %d; CPU %.2f-%.2f)  "
           "budget %.0f ms: %s\n",
           m[1], m[0], repeat, t[1][0], t[1][repeat - 1], BUDGET_12MP_MS,
           m[1] <= BUDGET_12MP_MS ? "within" : "OVER");
    printf("  plain full decode   %7.2f ms CPU, %7.2f ms wall, same run (analysis / decode %.2f)\n",
           m[3], m[2], m[1] / m[3]);
    const double mem_budget = (double)opt.max_memory / (1024.0 * 1024.0);
    if (an_mem >= 0)
        printf("  peak memory         analysis +%.1f MiB RSS (budget %.0f MiB: %s), plain decode "
               "+%.1f MiB\n",
               an_mem, mem_budget, an_mem <= mem_budget ? "within" : "OVER", dec_mem);
    printf("\n");
    for (int k = 0; k < 4; k++)
        free(t[k]);
    free(made);
    return m[1] <= BUDGET_12MP_MS && an_mem <= mem_budget ? 0 : 1;
}

/* One line per photo with every field of its result; %a prints floats exactly. */
static int dump_results(void)
{
    ab_vision_options opt;
    ab_vision_options_default(&opt, true);
    for (size_t i = 0; i < g_count; i++) {
        const photo *p = &g_photos[i];
        ab_vision_result r;
        ab_err err = ab_vision_analyze(p->data, p->len, &opt, &r);
        printf("%s err=%d fmt=%s %dx%d bytes=%zu orient=%d sha=%s analysed=%d dhash=%016llx "
               "faces=%d/%d has=%d box=%d,%d,%d,%d score=%a rot=%d sharp=%a bright=%a "
               "face_bright=%a quality=%a warnings=%d verdict=%s\n",
               p->path, (int)err, ab_vision_format_name(r.format), r.width, r.height, r.bytes,
               r.orientation, r.sha256, (int)r.analysed, (unsigned long long)r.dhash, r.face_count,
               r.similar_faces, (int)r.has_face, r.face.x, r.face.y, r.face.w, r.face.h,
               (double)r.face_score, r.face_rotation, r.sharpness, r.brightness, r.face_brightness,
               r.quality, r.decode_warnings, ab_vision_verdict_name(r.verdict));
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *model = getenv("AB_FACE_MODEL");
    int threads = 2, repeat = 5, rounds = 3, verbose = 0, nets = 0, cv_threads = 0, dump = 0;
    int strict = 0;
    const char *save_12mp = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--nets") && i + 1 < argc)
            nets = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cv-threads") && i + 1 < argc)
            cv_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-v"))
            verbose = 1;
        else if (!strcmp(argv[i], "--dump"))
            dump = 1;
        else if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--save-12mp") && i + 1 < argc)
            save_12mp = argv[++i];
        else
            add_path(argv[i]);
    }
    if (!model || !g_count || repeat < 1 || threads < 1 || rounds < 1) {
        fprintf(stderr,
                "usage: %s --model M [--threads N] [--repeat R] [--rounds K] [--nets N] "
                "[--cv-threads T] [-v] [--dump] [--strict] [--save-12mp FILE] FILE|DIR...\n",
                argv[0]);
        return 2;
    }
    long rss_loaded = rss_kb();
    ab_vision_faces_tune(nets, cv_threads);
    ab_err err = ab_vision_init(model);
    if (err != AB_OK) {
        fprintf(stderr, "ab_vision_init(%s) failed: %d\n", model, err);
        return 1;
    }
    if (dump) {
        int rc = dump_results();
        ab_vision_shutdown();
        return rc;
    }
    ab_vision_options opt;
    ab_vision_options_default(&opt, true);

    timing *med = calloc(g_count, sizeof *med);
    double *samples = calloc((size_t)repeat, sizeof *samples);
    timing *runs = calloc((size_t)repeat, sizeof *runs);
    if (!med || !samples || !runs)
        return 1;
    /* warm-up: the first forward of a network allocates its buffers */
    for (size_t i = 0; i < g_count && i < 3; i++) {
        ab_vision_result r;
        ab_vision_analyze(g_photos[i].data, g_photos[i].len, &opt, &r);
    }
    const int over = check_12mp(repeat < 15 ? 15 : repeat, nets, cv_threads, save_12mp);
    size_t n_used = 0;
    double sum_base = 0, sum_analyze = 0, sum_stage[ST_COUNT] = {0};
    double sum_base_fmt[3] = {0}, sum_an_fmt[3] = {0};
    if (verbose)
        printf("%-48s %8s %8s %8s %6s %6s %6s %6s %6s %6s  %s\n", "file", "bytes", "full-dec",
               "analyze", "ratio", "decode", "orient", "meas", "faces", "face", "verdict");
    for (size_t i = 0; i < g_count; i++) {
        const photo *p = &g_photos[i];
        ab_vision_format f = ab_vision_sniff(p->data, p->len);
        for (int r = 0; r < repeat; r++) {
            double t0 = now_ms();
            int rc = f == AB_VISION_FORMAT_JPEG  ? decode_jpeg_full(p->data, p->len)
                     : f == AB_VISION_FORMAT_PNG ? decode_png_full(p->data, p->len)
                                                 : -1;
            runs[r].baseline = rc == 0 ? now_ms() - t0 : -1;
        }
        for (int r = 0; r < repeat; r++) {
            ab_vision_result res;
            double t0 = now_ms();
            ab_vision_analyze(p->data, p->len, &opt, &res);
            runs[r].analyze = now_ms() - t0;
            runs[r].verdict = res.verdict;
        }
        timing st;
        for (int r = 0; r < repeat; r++) {
            time_stages(p, &st);
            memcpy(runs[r].stage, st.stage, sizeof st.stage);
        }
        timing *m = &med[i];
        for (int r = 0; r < repeat; r++)
            samples[r] = runs[r].baseline;
        m->baseline = median(samples, repeat);
        for (int r = 0; r < repeat; r++)
            samples[r] = runs[r].analyze;
        m->analyze = median(samples, repeat);
        for (int s = 0; s < ST_COUNT; s++) {
            for (int r = 0; r < repeat; r++)
                samples[r] = runs[r].stage[s];
            m->stage[s] = median(samples, repeat);
        }
        m->verdict = runs[0].verdict;
        m->outcome = st.outcome;
        ab_vision_header hdr;
        m->mpix = f != AB_VISION_FORMAT_UNKNOWN &&
                          ab_vision_read_header(p->data, p->len, f, &hdr) == AB_VISION_DECODE_OK
                      ? (double)hdr.width * hdr.height / 1e6
                      : 0;
        m->ok = m->baseline >= 0 && st.ok && p->len <= opt.max_bytes;
        if (verbose)
            printf("%-48.48s %8zu %8.2f %8.2f %6.2f %6.2f %6.2f %6.2f %6.2f %6s  %s\n", p->path,
                   p->len, m->baseline, m->analyze, m->baseline > 0 ? m->analyze / m->baseline : 0,
                   m->stage[ST_DECODE], m->stage[ST_ORIENT], m->stage[ST_MEASURE],
                   m->stage[ST_FACES], OUTCOME_NAMES[m->outcome],
                   ab_vision_verdict_name(m->verdict));
        if (!m->ok)
            continue; /* undecodable or over the size limit: nothing comparable */
        n_used++;
        sum_base += m->baseline;
        sum_analyze += m->analyze;
        for (int s = 0; s < ST_COUNT; s++)
            sum_stage[s] += m->stage[s];
        sum_base_fmt[f] += m->baseline;
        sum_an_fmt[f] += m->analyze;
    }
    printf("photos: %zu loaded, %zu decodable and within limits (timed as median of %d runs)\n",
           g_count, n_used, repeat);
    if (!n_used)
        return 1;
    printf("\nper photo, mean over photos (ms):\n");
    printf("  %-28s %8.2f\n", "full-size decode (baseline)", sum_base / n_used);
    for (int s = 0; s < ST_COUNT; s++)
        printf("  stage %-22s %8.2f\n", STAGE_NAMES[s], sum_stage[s] / n_used);
    printf("  %-28s %8.2f\n", "ab_vision_analyze (whole)", sum_analyze / n_used);
    printf("  ratio analyze / decode       %8.2f\n", sum_analyze / sum_base);
    /* Per format: the median photo (medians over photos of each photo's median) and the mean. */
    const char *fmt_names[3] = {"?", "jpeg", "png"};
    double *col_b = calloc(g_count, sizeof *col_b), *col_a = calloc(g_count, sizeof *col_a);
    if (!col_b || !col_a)
        return 1;
    printf("\nper format (ms; median over photos, then mean over photos):\n");
    for (int f = 1; f < 3; f++) {
        int n = 0;
        for (size_t i = 0; i < g_count; i++)
            if (med[i].ok && (int)ab_vision_sniff(g_photos[i].data, g_photos[i].len) == f) {
                col_b[n] = med[i].baseline;
                col_a[n++] = med[i].analyze;
            }
        if (n)
            printf("  %-4s: %3d photos, median decode %6.2f analyze %6.2f; mean decode %6.2f "
                   "analyze %6.2f, ratio %.2f\n",
                   fmt_names[f], n, median(col_b, n), median(col_a, n), sum_base_fmt[f] / n,
                   sum_an_fmt[f] / n, sum_an_fmt[f] / sum_base_fmt[f]);
    }
    free(col_b);
    free(col_a);
    static const struct {
        const char *name;
        double lo, hi;
    } SIZES[] = {{"under 1 MP", 0, 1}, {"1 to 4 MP", 1, 4}, {"over 4 MP", 4, 1e9}};
    for (int k = 0; k < 3; k++) {
        double sb = 0, sa = 0;
        int n = 0;
        for (size_t i = 0; i < g_count; i++)
            if (med[i].ok && med[i].mpix >= SIZES[k].lo && med[i].mpix < SIZES[k].hi) {
                sb += med[i].baseline;
                sa += med[i].analyze;
                n++;
            }
        if (n)
            printf("  %-10s: %3d photos, decode %7.2f ms, analyze %7.2f ms, ratio %.2f\n",
                   SIZES[k].name, n, sb / n, sa / n, sa / sb);
    }
    double out_sum[3] = {0};
    int out_n[3] = {0};
    static const char *const OUTCOMES[3] = {"upright face", "turned face", "no face"};
    for (size_t i = 0; i < g_count; i++)
        if (med[i].ok) {
            out_sum[med[i].outcome] += med[i].stage[ST_FACES];
            out_n[med[i].outcome]++;
        }
    for (int k = 0; k < 3; k++)
        if (out_n[k])
            printf("  faces stage, %-12s: %3d photos, %6.2f ms\n", OUTCOMES[k], out_n[k],
                   out_sum[k] / out_n[k]);
    double ratios[4096];
    int nr = 0;
    for (size_t i = 0; i < g_count && nr < 4096; i++)
        if (med[i].ok && med[i].baseline > 0)
            ratios[nr++] = med[i].analyze / med[i].baseline;
    if (nr) {
        double r50 = median(ratios, nr);
        printf("  per-photo ratio: median %.2f, max %.2f\n", r50, ratios[nr - 1]);
    }

    printf("\nthroughput (ab_vision_analyze over all %zu photos x %d rounds):\n", g_count, rounds);
    double one = throughput(1, rounds);
    printf("  1 thread : %7.1f photos/s\n", one);
    double many = throughput(threads, rounds);
    printf("  %d threads: %7.1f photos/s (x%.2f)\n", threads, many, many / one);
    long rss_peak = rss_kb();
    printf("\npeak RSS: %.1f MiB (%.1f MiB of it is the photos held in memory before analysis)\n",
           rss_peak / 1024.0, rss_loaded / 1024.0);

    ab_vision_shutdown();
    for (size_t i = 0; i < g_count; i++) {
        free(g_photos[i].path);
        free(g_photos[i].data);
    }
    free(g_photos);
    free(med);
    free(samples);
    free(runs);
    return strict && over ? 1 : 0;
}
