/* Pixel work on the small analysis image: area resampling (also streamed, for the decoders),
 * EXIF orientation, luma, and the measurements the verdict is built from: dHash, sharpness
 * (variance of the Laplacian), mean brightness, and the SHA-256 of the original bytes. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "vision/internal.h"

/* The hot loops below have an SSE2 version (every x86-64 CPU has SSE2, so no dispatch) next to
 * the plain C one that other targets compile; luma also has an SSSE3 one, chosen at run time.
 * All give exactly the same integers as the plain C. */
#if defined(__SSE2__)
#include <emmintrin.h>
#define AB_SSE2 1
#else
#define AB_SSE2 0
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <tmmintrin.h>
#define AB_LUMA_SSSE3 1
#define AB_REDUCE_AVX2 1
#else
#define AB_LUMA_SSSE3 0
#define AB_REDUCE_AVX2 0
#endif

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
    /* For 2 or 3 taps (the shrinks under 2x), the weights again as 16-bit pairs for the AVX2
     * row reduction: w01 holds w0 | w1 << 16, w2 the third (0 for 2 taps); n_wide is how many
     * leading outputs can read 4 bytes from their first pixel without passing the row's end. */
    uint32_t *w01, *w2;
    int n_wide;
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
    free(t->w01);
    free(t->w2);
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
    if (t->taps == 2 || t->taps == 3) {
        t->w01 = malloc(sizeof *t->w01 * (size_t)out);
        t->w2 = malloc(sizeof *t->w2 * (size_t)out);
        if (!t->w01 || !t->w2)
            return -1;
        for (int o = 0; o < out; o++) {
            const uint16_t *w = t->w + (size_t)o * (size_t)t->taps;
            t->w01[o] = (uint32_t)w[0] | (uint32_t)w[1] << 16;
            t->w2[o] = t->taps == 3 ? w[2] : 0;
        }
        /* first[] never decreases */
        while (t->n_wide < out && t->first[t->n_wide] + 4 <= in)
            t->n_wide++;
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

/* One channel, many taps (the dHash thumbnail, big reductions). The window of every output
 * lies inside the row (axis_init), so the eight-at-a-time loads never pass its end. */
static void reduce_row_wide(int out_w, int taps, const int *first, const uint16_t *wt,
                            const unsigned char *row, uint16_t *dst)
{
    for (int o = 0; o < out_w; o++) {
        const unsigned char *s = row + first[o];
        const uint16_t *w = wt + (size_t)o * (size_t)taps;
        uint32_t acc = 0;
        int k = 0;
#if AB_SSE2
        /* pixel (0..255) times weight (0..16384) fits the signed 16-bit multiply-add */
        const __m128i zero = _mm_setzero_si128();
        __m128i vacc = zero;
        for (; k + 8 <= taps; k += 8) {
            __m128i px = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(s + k)), zero);
            vacc =
                _mm_add_epi32(vacc, _mm_madd_epi16(px, _mm_loadu_si128((const __m128i *)(w + k))));
        }
        vacc = _mm_add_epi32(vacc, _mm_shuffle_epi32(vacc, _MM_SHUFFLE(1, 0, 3, 2)));
        vacc = _mm_add_epi32(vacc, _mm_shuffle_epi32(vacc, _MM_SHUFFLE(2, 3, 0, 1)));
        acc = (uint32_t)_mm_cvtsi128_si32(vacc);
#endif
        for (; k < taps; k++)
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

#if AB_REDUCE_AVX2
/* One channel, 2 or 3 taps (the sharpness image's shrink from the analysis size), eight outputs
 * at a time: a gather fetches the four bytes from each output's first pixel, and two 16-bit
 * multiply-adds give w0 s0 + w1 s1 and w2 s2, the same integers as reduce_row_1x2 and _1x3.
 * Does the first t->n_wide outputs rounded down to 8 (their 4-byte reads stay inside the row)
 * and returns how many. */
__attribute__((target("avx2"))) static int
reduce_row_1xn_avx2(const axis_table *t, const unsigned char *row, uint16_t *dst)
{
    const __m256i lo8 = _mm256_set1_epi32(0xFF), b1 = _mm256_set1_epi32(0xFF00);
    const __m256i round = _mm256_set1_epi32(1 << (W_BITS - 9));
    int o = 0;
    for (; o + 8 <= t->n_wide; o += 8) {
        const __m256i at = _mm256_loadu_si256((const __m256i *)(t->first + o));
        const __m256i px = _mm256_i32gather_epi32((const int *)(const void *)row, at, 1);
        /* s0 | s1 << 16 against w0 | w1 << 16, and s2 against w2 */
        const __m256i s01 = _mm256_or_si256(_mm256_and_si256(px, lo8),
                                            _mm256_slli_epi32(_mm256_and_si256(px, b1), 8));
        const __m256i s2 = _mm256_and_si256(_mm256_srli_epi32(px, 16), lo8);
        __m256i acc = _mm256_madd_epi16(s01, _mm256_loadu_si256((const __m256i *)(t->w01 + o)));
        acc = _mm256_add_epi32(
            acc, _mm256_madd_epi16(s2, _mm256_loadu_si256((const __m256i *)(t->w2 + o))));
        acc = _mm256_srli_epi32(_mm256_add_epi32(acc, round), W_BITS - 8);
        /* at most 255 << 8: the unsigned pack keeps it; it packs within 128-bit halves */
        const __m256i packed =
            _mm256_permute4x64_epi64(_mm256_packus_epi32(acc, acc), _MM_SHUFFLE(3, 1, 2, 0));
        _mm_storeu_si128((__m128i *)(dst + o), _mm256_castsi256_si128(packed));
    }
    return o;
}

#endif

static void reduce_row(const ab_vision_resampler *r, const unsigned char *row, uint16_t *dst)
{
    const int ch = r->ch, taps = r->ax.taps, out_w = r->out_w;
    const int *first = r->ax.first;
    const uint16_t *wt = r->ax.w;
#if AB_REDUCE_AVX2
    if (ch == 1 && (taps == 2 || taps == 3)) {
        if (__builtin_cpu_supports("avx2")) {
            const int done = reduce_row_1xn_avx2(&r->ax, row, dst);
            first += done;
            wt += (size_t)done * (size_t)taps;
            dst += done;
            if (taps == 2)
                reduce_row_1x2(out_w - done, first, wt, row, dst);
            else
                reduce_row_1x3(out_w - done, first, wt, row, dst);
            return;
        }
    }
#endif
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

#if AB_SSE2
/* Eight 16-bit values times a 16-bit weight, as two vectors of four 32-bit products (SSE2 has
 * no 32-bit multiply: the low and high halves of the 16 x 16 products are interleaved). */
#define AB_MUL_U16_32(v, w, lo, hi)                                                                \
    do {                                                                                           \
        __m128i pl_ = _mm_mullo_epi16((v), (w)), ph_ = _mm_mulhi_epu16((v), (w));                  \
        (lo) = _mm_unpacklo_epi16(pl_, ph_);                                                       \
        (hi) = _mm_unpackhi_epi16(pl_, ph_);                                                       \
    } while (0)
#endif

#if AB_REDUCE_AVX2
/* Sixteen outputs of combine_rows at a time for the usual 2 or 3 rows (N), the same integers:
 * the 32-bit products made from the low and high halves of 16 x 16-bit multiplies, as in the
 * SSE2 loop. Returns how many it did. */
__attribute__((target("avx2"))) static size_t combine_rows_avx2(size_t len,
                                                                const uint16_t *const *rows,
                                                                const uint16_t *w, int n,
                                                                unsigned char *out)
{
    const __m256i vround = _mm256_set1_epi32(1 << (W_BITS + 7));
    const __m256i w0 = _mm256_set1_epi16((short)w[0]), w1 = _mm256_set1_epi16((short)w[1]);
    const __m256i w2 = _mm256_set1_epi16((short)(n == 3 ? w[2] : 0));
    const uint16_t *r0 = rows[0], *r1 = rows[1], *r2 = rows[n - 1];
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        __m256i lo = vround, hi = vround;
#define AB_COMBINE_ROW(r, wk)                                                                      \
    do {                                                                                           \
        const __m256i v_ = _mm256_loadu_si256((const __m256i *)((r) + i));                         \
        const __m256i pl_ = _mm256_mullo_epi16(v_, (wk)), ph_ = _mm256_mulhi_epu16(v_, (wk));      \
        lo = _mm256_add_epi32(lo, _mm256_unpacklo_epi16(pl_, ph_));                                \
        hi = _mm256_add_epi32(hi, _mm256_unpackhi_epi16(pl_, ph_));                                \
    } while (0)
        AB_COMBINE_ROW(r0, w0);
        AB_COMBINE_ROW(r1, w1);
        if (n == 3)
            AB_COMBINE_ROW(r2, w2);
#undef AB_COMBINE_ROW
        /* the packs undo the unpacks' order within each 128-bit half */
        const __m256i v16 = _mm256_packs_epi32(_mm256_srli_epi32(lo, W_BITS + 8),
                                               _mm256_srli_epi32(hi, W_BITS + 8));
        const __m256i v8 =
            _mm256_permute4x64_epi64(_mm256_packus_epi16(v16, v16), _MM_SHUFFLE(3, 1, 2, 0));
        _mm_storeu_si128((__m128i *)(out + i), _mm256_castsi256_si128(v8));
    }
    return i;
}
#endif

/* Output row from `n` ring rows. */
static void combine_rows(size_t len, const uint16_t *const *rows, const uint16_t *w, int n,
                         unsigned char *out)
{
    const uint32_t round = 1u << (W_BITS + 7);
    size_t i = 0;
#if AB_REDUCE_AVX2
    if ((n == 2 || n == 3) && __builtin_cpu_supports("avx2"))
        i = combine_rows_avx2(len, rows, w, n, out);
#endif
#if AB_SSE2
    if (n <= 64) { /* beyond (big shrinks of tiny rows, the dHash's): the plain loop */
        const __m128i vround = _mm_set1_epi32((int)round);
        __m128i vw[64];
        for (int k = 0; k < n; k++)
            vw[k] = _mm_set1_epi16((short)w[k]);
        for (; i + 8 <= len; i += 8) {
            __m128i lo = vround, hi = vround;
            for (int k = 0; k < n; k++) {
                __m128i pl, ph;
                AB_MUL_U16_32(_mm_loadu_si128((const __m128i *)(rows[k] + i)), vw[k], pl, ph);
                lo = _mm_add_epi32(lo, pl);
                hi = _mm_add_epi32(hi, ph);
            }
            /* weights summing to W_ONE keep every result within 0..255 */
            __m128i v =
                _mm_packs_epi32(_mm_srli_epi32(lo, W_BITS + 8), _mm_srli_epi32(hi, W_BITS + 8));
            _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(v, v));
        }
    }
#endif
    if (n == 2) {
        const uint16_t *a = rows[0], *b = rows[1];
        const uint32_t wa = w[0], wb = w[1];
        for (; i < len; i++)
            out[i] = (unsigned char)((wa * a[i] + wb * b[i] + round) >> (W_BITS + 8));
    } else if (n == 3) {
        const uint16_t *a = rows[0], *b = rows[1], *c = rows[2];
        const uint32_t wa = w[0], wb = w[1], wc = w[2];
        for (; i < len; i++)
            out[i] = (unsigned char)((wa * a[i] + wb * b[i] + wc * c[i] + round) >> (W_BITS + 8));
    } else {
        for (; i < len; i++) {
            uint32_t acc = 0;
            for (int k = 0; k < n; k++)
                acc += (uint32_t)w[k] * rows[k][i];
            out[i] = (unsigned char)((acc + round) >> (W_BITS + 8));
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

#if AB_LUMA_SSSE3
/* Luma of 16 pixels at a time, with SSSE3 (pshufb to take the RGB bytes apart), exactly the
 * scalar formula: 19595 R + 38470 G + 7471 B + 32768, with 38470 G taken as two 19235 G so that
 * every weight fits the signed 16-bit multiply-add. Returns how many pixels it did (a multiple
 * of 16) and adds their luma to *total. */
__attribute__((target("ssse3"))) static size_t
luma_ssse3(const unsigned char *p, unsigned char *dst, size_t n, uint64_t *total)
{
    /* byte k of each 48-byte group of 16 pixels, per source vector; -1 gives 0 */
    const __m128i r0 = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i r1 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1);
    const __m128i r2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13);
    const __m128i g0 = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i g1 = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1);
    const __m128i g2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14);
    const __m128i b0 = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b1 = _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1);
    const __m128i b2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15);
    const __m128i w_rg = _mm_setr_epi16(19595, 19235, 19595, 19235, 19595, 19235, 19595, 19235);
    const __m128i w_gb = _mm_setr_epi16(19235, 7471, 19235, 7471, 19235, 7471, 19235, 7471);
    const __m128i half = _mm_set1_epi32(32768), zero = _mm_setzero_si128();
    __m128i sums = zero;
    size_t i = 0;
    for (; i + 16 <= n; i += 16, p += 48) {
        const __m128i a = _mm_loadu_si128((const __m128i *)p);
        const __m128i b = _mm_loadu_si128((const __m128i *)(p + 16));
        const __m128i c = _mm_loadu_si128((const __m128i *)(p + 32));
        const __m128i r =
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, r0), _mm_shuffle_epi8(b, r1)),
                         _mm_shuffle_epi8(c, r2));
        const __m128i g =
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, g0), _mm_shuffle_epi8(b, g1)),
                         _mm_shuffle_epi8(c, g2));
        const __m128i bl =
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, b0), _mm_shuffle_epi8(b, b1)),
                         _mm_shuffle_epi8(c, b2));
        __m128i y16[2];
        for (int half_i = 0; half_i < 2; half_i++) {
            const __m128i r16 = half_i ? _mm_unpackhi_epi8(r, zero) : _mm_unpacklo_epi8(r, zero);
            const __m128i g16 = half_i ? _mm_unpackhi_epi8(g, zero) : _mm_unpacklo_epi8(g, zero);
            const __m128i b16 = half_i ? _mm_unpackhi_epi8(bl, zero) : _mm_unpacklo_epi8(bl, zero);
            const __m128i lo =
                _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(r16, g16), w_rg),
                                            _mm_madd_epi16(_mm_unpacklo_epi16(g16, b16), w_gb)),
                              half);
            const __m128i hi =
                _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(_mm_unpackhi_epi16(r16, g16), w_rg),
                                            _mm_madd_epi16(_mm_unpackhi_epi16(g16, b16), w_gb)),
                              half);
            y16[half_i] = _mm_packs_epi32(_mm_srli_epi32(lo, 16), _mm_srli_epi32(hi, 16));
        }
        const __m128i y = _mm_packus_epi16(y16[0], y16[1]);
        _mm_storeu_si128((__m128i *)(dst + i), y);
        sums = _mm_add_epi64(sums, _mm_sad_epu8(y, zero));
    }
    uint64_t part[2];
    _mm_storeu_si128((__m128i *)part, sums);
    *total += part[0] + part[1];
    return i;
}
/* The same with AVX2, 32 pixels at a time: pixels 0..15 of a step in the low 128-bit half of
 * every vector, 16..31 in the high half, so that the in-half byte shuffles, unpacks and packs
 * are the SSSE3 ones and the two halves come out in order. */
__attribute__((target("avx2"))) static size_t luma_avx2(const unsigned char *p, unsigned char *dst,
                                                        size_t n, uint64_t *total)
{
    /* byte k of each 48-byte group of 16 pixels, per source vector; -1 gives 0 */
    const __m256i r0 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m256i r1 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1));
    const __m256i r2 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13));
    const __m256i g0 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m256i g1 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1));
    const __m256i g2 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14));
    const __m256i b0 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m256i b1 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1));
    const __m256i b2 = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15));
    const __m256i w_rg = _mm256_set1_epi32(19595 | 19235 << 16);
    const __m256i w_gb = _mm256_set1_epi32(19235 | 7471 << 16);
    const __m256i half = _mm256_set1_epi32(32768), zero = _mm256_setzero_si256();
    __m256i sums = zero;
    size_t i = 0;
    for (; i + 32 <= n; i += 32, p += 96) {
        const __m256i a = _mm256_loadu2_m128i((const __m128i *)(p + 48), (const __m128i *)p);
        const __m256i b = _mm256_loadu2_m128i((const __m128i *)(p + 64), (const __m128i *)(p + 16));
        const __m256i c = _mm256_loadu2_m128i((const __m128i *)(p + 80), (const __m128i *)(p + 32));
        const __m256i r =
            _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, r0), _mm256_shuffle_epi8(b, r1)),
                            _mm256_shuffle_epi8(c, r2));
        const __m256i g =
            _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, g0), _mm256_shuffle_epi8(b, g1)),
                            _mm256_shuffle_epi8(c, g2));
        const __m256i bl =
            _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(a, b0), _mm256_shuffle_epi8(b, b1)),
                            _mm256_shuffle_epi8(c, b2));
        __m256i y16[2];
        for (int half_i = 0; half_i < 2; half_i++) {
            const __m256i r16 =
                half_i ? _mm256_unpackhi_epi8(r, zero) : _mm256_unpacklo_epi8(r, zero);
            const __m256i g16 =
                half_i ? _mm256_unpackhi_epi8(g, zero) : _mm256_unpacklo_epi8(g, zero);
            const __m256i b16 =
                half_i ? _mm256_unpackhi_epi8(bl, zero) : _mm256_unpacklo_epi8(bl, zero);
            const __m256i lo = _mm256_add_epi32(
                _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(r16, g16), w_rg),
                                 _mm256_madd_epi16(_mm256_unpacklo_epi16(g16, b16), w_gb)),
                half);
            const __m256i hi = _mm256_add_epi32(
                _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(r16, g16), w_rg),
                                 _mm256_madd_epi16(_mm256_unpackhi_epi16(g16, b16), w_gb)),
                half);
            y16[half_i] = _mm256_packs_epi32(_mm256_srli_epi32(lo, 16), _mm256_srli_epi32(hi, 16));
        }
        const __m256i y = _mm256_packus_epi16(y16[0], y16[1]);
        _mm256_storeu_si256((__m256i *)(dst + i), y);
        sums = _mm256_add_epi64(sums, _mm256_sad_epu8(y, zero));
    }
    uint64_t part[4];
    _mm256_storeu_si256((__m256i *)part, sums);
    *total += part[0] + part[1] + part[2] + part[3];
    return i;
}
#endif

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
    size_t i = 0;
#if AB_LUMA_SSSE3
    if (__builtin_cpu_supports("avx2")) {
        i = luma_avx2(p, dst, n, &total);
        p += 3 * i;
    }
    if (__builtin_cpu_supports("ssse3")) {
        const size_t more = luma_ssse3(p, dst + i, n - i, &total);
        i += more;
        p += 3 * more;
    }
#endif
    for (; i < n; i++, p += 3) {
        /* BT.601 weights in 16.16 fixed point */
        unsigned v = (19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16;
        dst[i] = (unsigned char)v;
        total += v;
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
        long long s = 0, s2 = 0; /* per row in integers: exact and fast */
        int x = 1;
#if AB_SSE2
        /* 16 columns a step; a Laplacian is -1020..1020, so a pair of squares fits 32 bits and
         * a lane gains at most 4.2e6 a step: emptied every 256 steps */
        const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi16(1);
        while (x + 16 <= w - 1) {
            __m128i vs = zero, vs2 = zero;
            for (int steps = 0; steps < 256 && x + 16 <= w - 1; steps++, x += 16) {
                const unsigned char *c = r + x;
                __m128i up = _mm_loadu_si128((const __m128i *)(c - w));
                __m128i dn = _mm_loadu_si128((const __m128i *)(c + w));
                __m128i lf = _mm_loadu_si128((const __m128i *)(c - 1));
                __m128i rt = _mm_loadu_si128((const __m128i *)(c + 1));
                __m128i md = _mm_loadu_si128((const __m128i *)c);
                for (int half = 0; half < 2; half++) {
                    __m128i u = half ? _mm_unpackhi_epi8(up, zero) : _mm_unpacklo_epi8(up, zero);
                    __m128i d = half ? _mm_unpackhi_epi8(dn, zero) : _mm_unpacklo_epi8(dn, zero);
                    __m128i l = half ? _mm_unpackhi_epi8(lf, zero) : _mm_unpacklo_epi8(lf, zero);
                    __m128i q = half ? _mm_unpackhi_epi8(rt, zero) : _mm_unpacklo_epi8(rt, zero);
                    __m128i m = half ? _mm_unpackhi_epi8(md, zero) : _mm_unpacklo_epi8(md, zero);
                    __m128i v =
                        _mm_sub_epi16(_mm_add_epi16(_mm_add_epi16(u, d), _mm_add_epi16(l, q)),
                                      _mm_slli_epi16(m, 2));
                    vs = _mm_add_epi32(vs, _mm_madd_epi16(v, ones));
                    vs2 = _mm_add_epi32(vs2, _mm_madd_epi16(v, v));
                }
            }
            int32_t a[4], b[4];
            _mm_storeu_si128((__m128i *)a, vs);
            _mm_storeu_si128((__m128i *)b, vs2);
            for (int k = 0; k < 4; k++) {
                s += a[k];
                s2 += b[k];
            }
        }
#endif
        for (; x < w - 1; x++) {
            int v = r[x - w] + r[x + w] + r[x - 1] + r[x + 1] - 4 * r[x];
            s += v;
            s2 += (long long)v * v;
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
        int xx = 0;
#if AB_SSE2
        const __m128i zero = _mm_setzero_si128();
        __m128i acc = zero; /* two 64-bit sums of absolute differences from 0 */
        for (; xx + 16 <= n; xx += 16)
            acc =
                _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(r + xx)), zero));
        uint64_t part[2];
        _mm_storeu_si128((__m128i *)part, acc);
        sum += part[0] + part[1];
#endif
        for (; xx < n; xx++)
            sum += r[xx];
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
