/* Pixel work on the small analysis image: area resampling (also streamed, for the decoders),
 * EXIF orientation, luma, and the measurements the verdict is built from: dHash, sharpness
 * (variance of the Laplacian), mean brightness, and the SHA-256 of the original bytes. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vision/internal.h"

/* One portable version of each loop: plain loops over contiguous arrays, with sums kept in
 * 32-bit lanes where the values allow, so that the compiler can vectorize them for whatever CPU
 * it builds for. */

/* Area resampling with fixed-point tap tables: each output pixel is the mean of the input area
 * it covers, edge pixels weighted by their overlap. Weights are 14-bit fractions that sum to
 * exactly 1 per output pixel, so flat areas stay exact. */
#define W_BITS 14
#define W_ONE (1u << W_BITS)

typedef struct {
    int taps;    /* the most input pixels any output pixel covers */
    int *first;  /* per output: first input pixel */
    int *count;  /* per output: input pixels read (= taps; kept for the row bookkeeping) */
    uint16_t *w; /* per output: taps weights (the unused ones 0), each at most W_ONE */
} axis_table;

struct ab_vision_resampler {
    int in_w, in_h, out_w, out_h, ch;
    unsigned char *out;
    axis_table ax, ay;
    uint16_t *ring;        /* the last ay.taps input rows, reduced horizontally (value << 8) */
    const uint16_t **rows; /* ay.taps pointers into the ring, for one output row */
    int y_in, y_out;
    bool copy; /* same size: rows are copied through */
};

static void axis_free(axis_table *t)
{
    free(t->first);
    free(t->count);
    free(t->w);
}

static int axis_init(axis_table *t, int in, int out)
{
    double s = (double)in / out;
    t->taps = (int)ceil(s) + 1;
    if (t->taps > in)
        t->taps = in;
    t->first = malloc(sizeof *t->first * (size_t)out);
    t->count = malloc(sizeof *t->count * (size_t)out);
    t->w = calloc((size_t)out * (size_t)t->taps, sizeof *t->w);
    if (!t->first || !t->count || !t->w)
        return -1;
    for (int o = 0; o < out; o++) {
        double a = o * s, b = (o + 1) * s; /* the span [a, b) in input pixels */
        int i0 = (int)a;
        int i1 = (int)ceil(b) - 1;
        if (i1 >= in)
            i1 = in - 1;
        if (i1 < i0)
            i1 = i0;
        int n = i1 - i0 + 1;
        if (n > t->taps) { /* rounding at the far edge; the extra pixel has no area */
            n = t->taps;
            i1 = i0 + n - 1;
        }
        /* Every output reads exactly `taps` inputs (the extra ones weighted 0), so the inner
         * loops have a fixed length; at the far edge the window slides back to stay inside. */
        int shift = i0 + t->taps > in ? i0 + t->taps - in : 0;
        t->first[o] = i0 - shift;
        t->count[o] = t->taps;
        uint16_t *w = t->w + (size_t)o * (size_t)t->taps + shift;
        unsigned sum = 0, best = 0;
        for (int k = 0; k < n; k++) {
            double lo = i0 + k > a ? i0 + k : a, hi = i0 + k + 1 < b ? i0 + k + 1 : b;
            double f = hi > lo ? (hi - lo) / s : 0.0;
            w[k] = (uint16_t)(f * W_ONE + 0.5);
            sum += w[k];
            if (w[k] > w[best])
                best = (unsigned)k;
        }
        /* The rounded weights miss the exact sum by up to n / 2 units. The largest weight takes
         * the difference when that moves it by at most half (every shrink up to ~128x).
         * Beyond, the weights are tiny and one of them cannot take it (from ~180x it wrapped
         * around 16 bits): they are made by cumulative rounding instead, each the difference
         * of the rounded running sums, so they add up to W_ONE and none is off by more than a
         * unit. */
        const int diff = (int)W_ONE - (int)sum;
        if (2 * abs(diff) <= w[best]) {
            w[best] = (uint16_t)(w[best] + diff);
        } else {
            double run = 0.0;
            unsigned prev = 0;
            for (int k = 0; k < n; k++) {
                double lo = i0 + k > a ? i0 + k : a, hi = i0 + k + 1 < b ? i0 + k + 1 : b;
                run += hi > lo ? (hi - lo) / s : 0.0;
                unsigned upto = k == n - 1 ? W_ONE : (unsigned)(run * W_ONE + 0.5);
                if (upto > W_ONE)
                    upto = W_ONE;
                w[k] = (uint16_t)(upto > prev ? upto - prev : 0);
                prev = upto > prev ? upto : prev;
            }
        }
    }
    return 0;
}

int ab_vision_analysis_low(int side)
{
    return (int)(side / 1.4142135623730951 + 0.5);
}

void ab_vision_analysis_size(int w, int h, int side, int *out_w, int *out_h)
{
    int high = (int)(side * 1.4142135623730951 + 0.5);
    if (w <= high && h <= high) {
        *out_w = w;
        *out_h = h;
    } else {
        ab_vision_fit(w, h, side, out_w, out_h);
    }
}

void ab_vision_fit(int w, int h, int max_side, int *out_w, int *out_h)
{
    if (w <= max_side && h <= max_side) {
        *out_w = w;
        *out_h = h;
        return;
    }
    if (w >= h) {
        *out_w = max_side;
        *out_h = (int)((double)h * max_side / w + 0.5);
    } else {
        *out_h = max_side;
        *out_w = (int)((double)w * max_side / h + 0.5);
    }
    if (*out_w < 1)
        *out_w = 1;
    if (*out_h < 1)
        *out_h = 1;
}

ab_vision_resampler *ab_vision_resampler_new(int in_w, int in_h, int out_w, int out_h, int channels,
                                             unsigned char *out_px)
{
    if (in_w <= 0 || in_h <= 0 || out_w <= 0 || out_h <= 0 || out_w > in_w || out_h > in_h ||
        channels <= 0 || channels > 4)
        return NULL;
    ab_vision_resampler *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->in_w = in_w;
    r->in_h = in_h;
    r->out_w = out_w;
    r->out_h = out_h;
    r->ch = channels;
    r->out = out_px;
    r->copy = in_w == out_w && in_h == out_h;
    if (r->copy)
        return r;
    if (axis_init(&r->ax, in_w, out_w) || axis_init(&r->ay, in_h, out_h)) {
        ab_vision_resampler_free(r);
        return NULL;
    }
    r->ring = malloc(sizeof *r->ring * (size_t)r->ay.taps * (size_t)out_w * (size_t)channels);
    r->rows = malloc(sizeof *r->rows * (size_t)r->ay.taps);
    if (!r->ring || !r->rows) {
        ab_vision_resampler_free(r);
        return NULL;
    }
    return r;
}

/* One input row to out_w pixels, kept as value << 8 in 16 bits: the general case (the usual
 * channel and tap counts have the written-out versions below). */
#define AB_REDUCE_ROW(CH, TAPS)                                                                    \
    for (int o = 0; o < out_w; o++) {                                                              \
        const unsigned char *s = row + (size_t)first[o] * (CH);                                    \
        const uint16_t *w = wt + (size_t)o * (size_t)(TAPS);                                       \
        for (int c = 0; c < (CH); c++) {                                                           \
            uint32_t acc = 0;                                                                      \
            for (int k = 0; k < (TAPS); k++)                                                       \
                acc += (uint32_t)w[k] * s[k * (CH) + c];                                           \
            dst[o * (CH) + c] = (uint16_t)((acc + (1u << (W_BITS - 9))) >> (W_BITS - 8));          \
        }                                                                                          \
    }

/* One channel, many taps (the dHash thumbnail, big reductions): a dot product per output. */
static void reduce_row_wide(int out_w, int taps, const int *first, const uint16_t *wt,
                            const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++) {
        const unsigned char *s = row + first[o];
        const uint16_t *w = wt + (size_t)o * (size_t)taps;
        uint32_t acc = 0;
        for (int k = 0; k < taps; k++)
            acc += (uint32_t)w[k] * s[k];
        dst[o] = (uint16_t)((acc + (1u << (W_BITS - 9))) >> (W_BITS - 8));
    }
}

/* Written out for the usual shrinks (under 2x: 2 or 3 taps): the loops over taps above are
 * not unrolled by every compiler at -O2. */
#define AB_ROUND_ROW(acc) ((uint16_t)(((acc) + (1u << (W_BITS - 9))) >> (W_BITS - 8)))

static void reduce_row_1x2(int out_w, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += 2) {
        const unsigned char *s = row + first[o];
        dst[o] = AB_ROUND_ROW((uint32_t)wt[0] * s[0] + (uint32_t)wt[1] * s[1]);
    }
}

static void reduce_row_1x3(int out_w, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += 3) {
        const unsigned char *s = row + first[o];
        dst[o] =
            AB_ROUND_ROW((uint32_t)wt[0] * s[0] + (uint32_t)wt[1] * s[1] + (uint32_t)wt[2] * s[2]);
    }
}

static void reduce_row_3x2(int out_w, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += 2, dst += 3) {
        const unsigned char *s = row + (size_t)first[o] * 3;
        const uint32_t w0 = wt[0], w1 = wt[1];
        dst[0] = AB_ROUND_ROW(w0 * s[0] + w1 * s[3]);
        dst[1] = AB_ROUND_ROW(w0 * s[1] + w1 * s[4]);
        dst[2] = AB_ROUND_ROW(w0 * s[2] + w1 * s[5]);
    }
}

static void reduce_row_3x3(int out_w, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += 3, dst += 3) {
        const unsigned char *s = row + (size_t)first[o] * 3;
        const uint32_t w0 = wt[0], w1 = wt[1], w2 = wt[2];
        dst[0] = AB_ROUND_ROW(w0 * s[0] + w1 * s[3] + w2 * s[6]);
        dst[1] = AB_ROUND_ROW(w0 * s[1] + w1 * s[4] + w2 * s[7]);
        dst[2] = AB_ROUND_ROW(w0 * s[2] + w1 * s[5] + w2 * s[8]);
    }
}

static void reduce_row_3x4(int out_w, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += 4, dst += 3) {
        const unsigned char *s = row + (size_t)first[o] * 3;
        const uint32_t w0 = wt[0], w1 = wt[1], w2 = wt[2], w3 = wt[3];
        dst[0] = AB_ROUND_ROW(w0 * s[0] + w1 * s[3] + w2 * s[6] + w3 * s[9]);
        dst[1] = AB_ROUND_ROW(w0 * s[1] + w1 * s[4] + w2 * s[7] + w3 * s[10]);
        dst[2] = AB_ROUND_ROW(w0 * s[2] + w1 * s[5] + w2 * s[8] + w3 * s[11]);
    }
}

/* Three channels, any number of taps (big PNGs): the three sums side by side. */
static void reduce_row_3xn(int out_w, int taps, const int *first, const uint16_t *wt,
                           const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++, wt += taps, dst += 3) {
        const unsigned char *s = row + (size_t)first[o] * 3;
        uint32_t a0 = 0, a1 = 0, a2 = 0;
        for (int k = 0; k < taps; k++, s += 3) {
            const uint32_t w = wt[k];
            a0 += w * s[0];
            a1 += w * s[1];
            a2 += w * s[2];
        }
        dst[0] = AB_ROUND_ROW(a0);
        dst[1] = AB_ROUND_ROW(a1);
        dst[2] = AB_ROUND_ROW(a2);
    }
}

static void reduce_row(const ab_vision_resampler *r, const unsigned char *row, uint16_t *dst)
{
    const int ch = r->ch, taps = r->ax.taps, out_w = r->out_w;
    const int *first = r->ax.first;
    const uint16_t *wt = r->ax.w;
    if (ch == 1 && taps == 2)
        reduce_row_1x2(out_w, first, wt, row, dst);
    else if (ch == 1 && taps == 3)
        reduce_row_1x3(out_w, first, wt, row, dst);
    else if (ch == 1)
        reduce_row_wide(out_w, taps, first, wt, row, dst);
    else if (ch == 3 && taps == 2)
        reduce_row_3x2(out_w, first, wt, row, dst);
    else if (ch == 3 && taps == 3)
        reduce_row_3x3(out_w, first, wt, row, dst);
    else if (ch == 3 && taps == 4)
        reduce_row_3x4(out_w, first, wt, row, dst);
    else if (ch == 3)
        reduce_row_3xn(out_w, taps, first, wt, row, dst);
    else
        AB_REDUCE_ROW(ch, taps)
}

/* Output row from `n` ring rows. The weights sum to W_ONE and the values are at most 255 << 8,
 * so every sum fits 32 bits and every result is within 0..255. */
static void combine_rows(size_t len, const uint16_t *const *rows, const uint16_t *w, int n,
                         unsigned char *out)
{
    const uint32_t round = 1u << (W_BITS + 7);
    if (n == 2) {
        const uint16_t *a = rows[0], *b = rows[1];
        const uint32_t wa = w[0], wb = w[1];
        for (size_t i = 0; i < len; i++)
            out[i] = (unsigned char)((wa * a[i] + wb * b[i] + round) >> (W_BITS + 8));
    } else if (n == 3) {
        const uint16_t *a = rows[0], *b = rows[1], *c = rows[2];
        const uint32_t wa = w[0], wb = w[1], wc = w[2];
        for (size_t i = 0; i < len; i++)
            out[i] = (unsigned char)((wa * a[i] + wb * b[i] + wc * c[i] + round) >> (W_BITS + 8));
    } else {
        /* a slice of the row at a time, row by row into the slice's sums */
        enum { SLICE = 256 };
        uint32_t acc[SLICE];
        for (size_t at = 0; at < len; at += SLICE) {
            const size_t m = len - at < SLICE ? len - at : SLICE;
            for (size_t j = 0; j < m; j++)
                acc[j] = round;
            for (int k = 0; k < n; k++) {
                const uint16_t *r = rows[k] + at;
                const uint32_t wk = w[k];
                for (size_t j = 0; j < m; j++)
                    acc[j] += wk * r[j];
            }
            for (size_t j = 0; j < m; j++)
                out[at + j] = (unsigned char)(acc[j] >> (W_BITS + 8));
        }
    }
}

void ab_vision_resampler_push(ab_vision_resampler *r, const unsigned char *row)
{
    if (!r || r->y_in >= r->in_h)
        return;
    size_t orow = (size_t)r->out_w * (size_t)r->ch;
    if (r->copy) {
        memcpy(r->out + orow * (size_t)r->y_in++, row, orow);
        return;
    }
    int j = r->y_in++;
    reduce_row(r, row, r->ring + (size_t)(j % r->ay.taps) * orow);
    /* An output row is done when the last input row it reads has arrived. */
    while (r->y_out < r->out_h && r->ay.first[r->y_out] + r->ay.count[r->y_out] - 1 <= j) {
        int oy = r->y_out++;
        const uint16_t *w = r->ay.w + (size_t)oy * (size_t)r->ay.taps;
        int n = r->ay.count[oy], first = r->ay.first[oy];
        for (int k = 0; k < n; k++) /* every row it covers: a dHash row covers 1/8 of the image */
            r->rows[k] = r->ring + (size_t)((first + k) % r->ay.taps) * orow;
        combine_rows(orow, r->rows, w, n, r->out + orow * (size_t)oy);
    }
}

void ab_vision_resampler_free(ab_vision_resampler *r)
{
    if (!r)
        return;
    axis_free(&r->ax);
    axis_free(&r->ay);
    free(r->ring);
    free(r->rows);
    free(r);
}

ab_err ab_vision_resize(const ab_vision_image *in, int out_w, int out_h, ab_vision_image *out)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->px || out_w <= 0 || out_h <= 0 || out_w > in->w || out_h > in->h)
        return AB_ERR_INVALID;
    out->px = malloc((size_t)out_w * (size_t)out_h * (size_t)in->channels);
    ab_vision_resampler *r =
        out->px ? ab_vision_resampler_new(in->w, in->h, out_w, out_h, in->channels, out->px) : NULL;
    if (!r) {
        free(out->px);
        out->px = NULL;
        return AB_ERR_NOMEM;
    }
    size_t row = (size_t)in->w * (size_t)in->channels;
    for (int y = 0; y < in->h; y++)
        ab_vision_resampler_push(r, in->px + row * (size_t)y);
    ab_vision_resampler_free(r);
    out->w = out_w;
    out->h = out_h;
    out->channels = in->channels;
    return AB_OK;
}

ab_err ab_vision_orient(const ab_vision_image *in, int orientation, ab_vision_image *out)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->px)
        return AB_ERR_INVALID;
    if (orientation < 1 || orientation > 8)
        orientation = 1;
    const int w = in->w, h = in->h, ch = in->channels;
    const int swap = orientation >= 5;
    const int ow = swap ? h : w, oh = swap ? w : h;
    out->px = malloc((size_t)w * (size_t)h * (size_t)ch);
    if (!out->px)
        return AB_ERR_NOMEM;
    out->w = ow;
    out->h = oh;
    out->channels = ch;
    /* Displayed pixel (x, y) is stored at (sx, sy) = (x0 + dxx * x + dxy * y,
     * y0 + dyx * x + dyy * y), x0 being 0 or w - 1 and y0 0 or h - 1; the source is walked
     * with fixed steps. Rows follow the EXIF tag's numbering. */
    static const struct {
        signed char right, bottom, dxx, dxy, dyx, dyy;
    } MAP[9] = {
        {0, 0, 1, 0, 0, 1},   /* (unused) */
        {0, 0, 1, 0, 0, 1},   /* 1: as stored */
        {1, 0, -1, 0, 0, 1},  /* 2: mirrored */
        {1, 1, -1, 0, 0, -1}, /* 3: turned 180 */
        {0, 1, 1, 0, 0, -1},  /* 4: flipped */
        {0, 0, 0, 1, 1, 0},   /* 5: transposed */
        {0, 1, 0, 1, -1, 0},  /* 6: turn clockwise to show */
        {1, 1, 0, -1, -1, 0}, /* 7: transversed */
        {1, 0, 0, -1, 1, 0},  /* 8: turn counter-clockwise to show */
    };
    const int x0 = MAP[orientation].right ? w - 1 : 0, y0 = MAP[orientation].bottom ? h - 1 : 0;
    const int dxx = MAP[orientation].dxx, dxy = MAP[orientation].dxy;
    const int dyx = MAP[orientation].dyx, dyy = MAP[orientation].dyy;
    const ptrdiff_t step = ((ptrdiff_t)dyx * w + dxx) * ch; /* source step per displayed x */
    for (int y = 0; y < oh; y++) {
        unsigned char *d = out->px + (size_t)y * (size_t)ow * (size_t)ch;
        /* offsets, not pointers: a pointer stepped past the start would be undefined */
        ptrdiff_t off = ((ptrdiff_t)(y0 + dyy * y) * w + (x0 + dxy * y)) * ch;
        if (ch == 3) {
            for (int x = 0; x < ow; x++, d += 3, off += step) {
                d[0] = in->px[off];
                d[1] = in->px[off + 1];
                d[2] = in->px[off + 2];
            }
        } else {
            for (int x = 0; x < ow; x++, d += ch, off += step)
                memcpy(d, in->px + off, (size_t)ch);
        }
    }
    return AB_OK;
}

ab_err ab_vision_luma_sum(const ab_vision_image *rgb, ab_vision_image *out, uint64_t *sum)
{
    memset(out, 0, sizeof *out);
    if (sum)
        *sum = 0;
    if (!rgb || !rgb->px || rgb->channels != 3)
        return AB_ERR_INVALID;
    size_t n = (size_t)rgb->w * (size_t)rgb->h;
    unsigned char *dst = malloc(n);
    if (!dst)
        return AB_ERR_NOMEM;
    const unsigned char *p = rgb->px; /* locals: the byte stores cannot alias them */
    uint64_t total = 0;
    /* In slices whose sum fits 32 bits, so that the sum vectorizes with the luma. */
    enum { SLICE = 1 << 16 };
    for (size_t at = 0; at < n; at += SLICE) {
        const size_t m = n - at < SLICE ? n - at : SLICE;
        const unsigned char *q = p + 3 * at;
        unsigned char *d = dst + at;
        uint32_t part = 0;
        for (size_t i = 0; i < m; i++) {
            /* BT.601 weights in 16.16 fixed point */
            const uint32_t v =
                (19595u * q[3 * i] + 38470u * q[3 * i + 1] + 7471u * q[3 * i + 2] + 32768u) >> 16;
            d[i] = (unsigned char)v;
            part += v;
        }
        total += part;
    }
    out->px = dst;
    out->w = rgb->w;
    out->h = rgb->h;
    out->channels = 1;
    if (sum)
        *sum = total;
    return AB_OK;
}

ab_err ab_vision_luma(const ab_vision_image *rgb, ab_vision_image *out)
{
    return ab_vision_luma_sum(rgb, out, NULL);
}

double ab_vision_luma_sum_mean(uint64_t sum, int w, int h)
{
    if (w <= 0 || h <= 0)
        return 0.0;
    /* the same expression as ab_vision_mean_luma over the whole image: the same double */
    return (double)sum / ((double)w * (double)h * 255.0);
}

uint64_t ab_vision_dhash(const ab_vision_image *luma)
{
    if (!luma || !luma->px || luma->channels != 1 || luma->w < 9 || luma->h < 8)
        return 0;
    ab_vision_image t;
    if (ab_vision_resize(luma, 9, 8, &t) != AB_OK)
        return 0;
    uint64_t hash = 0;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            hash = (hash << 1) | (t.px[y * 9 + x] > t.px[y * 9 + x + 1] ? 1u : 0u);
    ab_vision_image_free(&t);
    return hash;
}

int ab_vision_hamming(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

double ab_vision_laplacian_variance(const ab_vision_image *luma)
{
    if (!luma || !luma->px || luma->channels != 1 || luma->w < 3 || luma->h < 3)
        return 0.0;
    const int w = luma->w, h = luma->h;
    double sum = 0.0, sum2 = 0.0;
    for (int y = 1; y < h - 1; y++) {
        const unsigned char *r = luma->px + (size_t)y * (size_t)w;
        long long s = 0, s2 = 0; /* per row in integers: exact */
        /* A Laplacian is -1020..1020: the sums of a slice of 2,048 columns fit 32 bits. */
        for (int at = 1; at < w - 1; at += 2048) {
            const int end = w - 1 - at < 2048 ? w - 1 : at + 2048;
            int32_t ps = 0;
            uint32_t ps2 = 0;
            for (int x = at; x < end; x++) {
                const int32_t v = r[x - w] + r[x + w] + r[x - 1] + r[x + 1] - 4 * r[x];
                ps += v;
                ps2 += (uint32_t)(v * v);
            }
            s += ps;
            s2 += ps2;
        }
        sum += (double)s;
        sum2 += (double)s2;
    }
    double n = (double)(w - 2) * (double)(h - 2);
    double mean = sum / n;
    double var = sum2 / n - mean * mean;
    return var > 0.0 ? var : 0.0;
}

double ab_vision_mean_luma(const ab_vision_image *luma, int x, int y, int w, int h)
{
    if (!luma || !luma->px || luma->channels != 1)
        return 0.0;
    if (w <= 0 || h <= 0) {
        x = y = 0;
        w = luma->w;
        h = luma->h;
    }
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > luma->w ? luma->w : x + w, y1 = y + h > luma->h ? luma->h : y + h;
    if (x1 <= x0 || y1 <= y0)
        return 0.0;
    unsigned long long sum = 0;
    const int n = x1 - x0;
    for (int yy = y0; yy < y1; yy++) {
        const unsigned char *r = luma->px + (size_t)yy * (size_t)luma->w + x0;
        for (int at = 0; at < n; at += 1 << 16) { /* slices whose sum fits 32 bits */
            const int end = n - at < 1 << 16 ? n : at + (1 << 16);
            uint32_t part = 0;
            for (int xx = at; xx < end; xx++)
                part += r[xx];
            sum += part;
        }
    }
    return (double)sum / ((double)(x1 - x0) * (double)(y1 - y0) * 255.0);
}

ab_err ab_vision_sha256_hex(const unsigned char *bytes, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    static const char digits[] = "0123456789abcdef";
    hex[0] = '\0';
    if (!EVP_Digest(bytes ? (const void *)bytes : (const void *)"", bytes ? len : 0, md, &md_len,
                    EVP_sha256(), NULL) ||
        md_len != 32)
        return AB_ERR_INTERNAL;
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    return AB_OK;
}
